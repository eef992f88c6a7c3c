#!/usr/bin/env bash
# Headless Neovim 0.11 end-to-end test of `djsa server` through editors/nvim/lsp/djsa.lua:
# diagnostics of a fixture model file, hover, go to definition, quick fixes, an edit; then the
# "Create migration" quick fix written to disk; code lens, references and a source action.
# Uses $NVIM if set, else the Neovim that scripts/setup-nvim.sh installs under target/.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
nvim="${NVIM_BIN:-}"
if [[ -z "$nvim" ]]; then
  "$repo/scripts/setup-nvim.sh" >/dev/null
  nvim="$repo/target/editors/nvim-venv/bin/nvim"
fi
bin="${DJSA_BIN:-}"
if [[ -z "$bin" ]]; then
  (cd "$repo" && cargo build -q -p djsa --bin djsa)
  bin="${CARGO_TARGET_DIR:-$repo/target}/debug/djsa"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data" XDG_STATE_HOME="$work/state" XDG_CACHE_HOME="$work/cache"
cp -r "$repo/tests/lsp_fixtures/shop" "$work/proj"
printf 'python = "none"\n' > "$work/proj/djsa.toml"
cd "$work/proj"
DJSA_BIN="$bin" DJSA_REPO="$repo" timeout 120 "$nvim" --headless -u "$repo/tests/editors/nvim_e2e.lua" shop/models.py
grep -q '    sku = models.CharField' shop/models.py || { echo "FAIL: the edit was not saved"; exit 1; }

# The "Create migration" quick fix, applied by Neovim's own workspace-edit code.
cp -r "$repo/tests/lsp_fixtures/migrate" "$work/migrate"
printf 'python = "none"\n' > "$work/migrate/djsa.toml"
cd "$work/migrate"
DJSA_BIN="$bin" DJSA_REPO="$repo" timeout 120 "$nvim" --headless -u "$repo/tests/editors/nvim_e2e_migration.lua" notes/models.py
test -f notes/migrations/0002_note_body.py || { echo "FAIL: no migration on disk"; exit 1; }

# Code lens, references and source actions through Neovim's client; the lens command writes the
# migration.
cp -r "$repo/tests/lsp_fixtures/library" "$work/library"
printf 'python = "none"\n' > "$work/library/djsa.toml"
cd "$work/library"
DJSA_BIN="$bin" DJSA_REPO="$repo" timeout 120 "$nvim" --headless -u "$repo/tests/editors/nvim_e2e_navigation.lua" library/models.py
test -f library/migrations/0003_book_isbn.py || { echo "FAIL: the lens command wrote no migration"; exit 1; }
echo "nvim e2e: ok"
