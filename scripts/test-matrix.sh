#!/usr/bin/env bash
# The unit suite on the newer supported Nodes (default 22 and 24, from scripts/node-matrix.sh), over the build
# that `npm test` made on this machine's Node 20; each runtime runs vitest's own entry.
set -euo pipefail
cd "$(dirname "$0")/.."
for node in $(bash scripts/node-matrix.sh "${@:-22 24}"); do
  echo "=== vitest on Node $("$node" -v) ($node)"
  "$node" node_modules/vitest/vitest.mjs run
done
