#!/usr/bin/env bash
# The unit suite on every supported Node: 20 (this machine's), 22 and 24 (from scripts/node-matrix.sh). The
# build is made once, beforehand, by `npm run build`; each runtime runs vitest's own entry.
set -euo pipefail
cd "$(dirname "$0")/.."
for node in "$(command -v node)" $(bash scripts/node-matrix.sh 22 24); do
  echo "=== vitest on Node $("$node" -v) ($node)"
  "$node" node_modules/vitest/vitest.mjs run
done
