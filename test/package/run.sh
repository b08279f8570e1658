#!/usr/bin/env bash
# The package as users install it: `npm pack` of simdlinear, simdlinear-cli and simdlinear-mnist, installed by
# tarball path (deps from the registry, through the npm cache) into fresh projects in a temp folder, each of them
# training a model. Needs the build (npm run build) and scripts/node-matrix.sh's Node 22 and 24.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; repo="$(cd "$here/../.." && pwd)"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
nodes=("$(command -v node)" $(bash "$repo/scripts/node-matrix.sh" 22 24))
pass=0; fail=0
check() { # name, command...
  local name="$1"; shift
  if out="$("$@" 2>&1)"; then pass=$((pass + 1)); echo "✓ $name: $(tail -1 <<<"$out")"
  else fail=$((fail + 1)); echo "✗ $name"; sed 's/^/    /' <<<"$out"; fi
}
install() { # dir, packages...
  local dir="$1"; shift
  mkdir -p "$dir" && echo '{ "name": "user-project", "private": true, "type": "module" }' > "$dir/package.json"
  (cd "$dir" && npm install --no-audit --no-fund --prefer-offline --loglevel=error "$@" >/dev/null)
}

(cd "$repo" && npm pack --ignore-scripts --silent --pack-destination "$tmp" >/dev/null)
(cd "$repo/packages/cli" && npm pack --silent --pack-destination "$tmp" >/dev/null)
(cd "$repo/packages/mnist" && npm pack --silent --pack-destination "$tmp" >/dev/null)
core="$tmp/simdlinear-0.1.0.tgz" cli="$tmp/simdlinear-cli-0.1.0.tgz" mnist="$tmp/simdlinear-mnist-0.1.0.tgz"
sizes() { tar -tzvf "$1" | awk -v f="$(basename "$1")" '{u += $3} END {printf "%s: unpacked %d bytes", f, u}'; echo ", packed $(stat -c %s "$1") bytes"; }
for t in "$core" "$cli" "$mnist"; do sizes "$t"; done
check "tarball ≤ 1 MB, unpacked ≤ 3 MB" bash -c "[ $(stat -c %s "$core") -le 1000000 ] && [ \$(tar -tzvf '$core' | awk '{u += \$3} END {print u}') -le 3000000 ] && echo ok"
check "tarball ships no src/, assembly/, source maps, debug build or MNIST" bash -c "! tar -tzf '$core' | grep -E '^package/(src|assembly)/|\.map$|debug|mnist\.bin' && echo none"

install "$tmp/node" "$core"
cp "$here/toy.mjs" "$here/cjs.cjs" "$here/workers.mjs" "$tmp/node/"
check "a library install brings no CLI dependency" bash -c "cd '$tmp/node' && ! ls node_modules | grep -E '^(commander|cli-progress)$' && echo \"node_modules: \$(ls node_modules | tr '\n' ' ')\""
check "loadMnist without simdlinear-mnist names the package to install" bash -c "cd '$tmp/node' && node --input-type=module -e \"import { loadMnist } from 'simdlinear'; await loadMnist().then(() => process.exit(1), (e) => { if (!/npm install simdlinear-mnist/.test(e.message)) throw e; console.log(e.message); });\""
for node in "${nodes[@]}"; do
  v="$("$node" -v)"
  check "Node ESM script on $v" bash -c "cd '$tmp/node' && '$node' toy.mjs"
  check "require(\"simdlinear\") from CommonJS on $v" bash -c "cd '$tmp/node' && '$node' cjs.cjs"
  check "fitInWorker and search's workers from the installed package on $v" bash -c "cd '$tmp/node' && '$node' workers.mjs"
done

install "$tmp/ts" "$core" typescript@5.9 @types/node@20
cp "$here/user.ts" "$tmp/ts/"
for res in node16 bundler; do
  mod=$([ $res = node16 ] && echo node16 || echo esnext)
  check "tsc --noEmit strict, moduleResolution $res" bash -c "cd '$tmp/ts' && npx tsc --noEmit --strict --target es2022 --module $mod --moduleResolution $res --types node user.ts && echo clean"
done
check "tsc --declaration on a user file (no TS2742)" bash -c "cd '$tmp/ts' && npx tsc --declaration --emitDeclarationOnly --strict --target es2022 --module node16 --moduleResolution node16 --types node --outDir out user.ts && grep -c simdlinear out/user.d.ts"

install "$tmp/cli" "$core" "$cli" "$mnist"
check "npx simdlinear train --epochs 2 (simdlinear-cli + simdlinear-mnist)" bash -c "cd '$tmp/cli' && npx simdlinear train --epochs 2 | grep -i accuracy"
check "loadMnist() from simdlinear-mnist" bash -c "cd '$tmp/cli' && node --input-type=module -e \"import { loadMnist } from 'simdlinear'; const { train, test } = await loadMnist(); if (train.X.rows !== 8000 || test.X.rows !== 2000) process.exit(1); console.log(train.X.rows, test.X.rows);\""

echo "package: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
