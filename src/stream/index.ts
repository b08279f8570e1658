/**
 * simdlinear/stream: chunked readers of large CSV and raw binary files for LinearClassifier.fitStream. Node only
 * (node:fs); the core entry does not import it.
 */
export { readCsvChunks, type ReadCsvOptions, type CsvChunk } from "./csv.js";
export {
  readBinaryChunks, readBinaryHeader, BinaryWriter, BINARY_MAGIC, BINARY_VERSION, HEADER_BYTES,
  type BinaryChunk, type BinaryHeader, type ReadBinaryOptions, type TargetType,
} from "./binary.js";
export { loadCifar10, CIFAR10_DIM, type Cifar10, type Cifar10Options, type Cifar10Split, type Cifar10Streamed } from "./cifar10.js";
