-- djsa language server for Neovim >= 0.11.
--
-- Put this file on your 'runtimepath' as lsp/djsa.lua (for example copy it to
-- ~/.config/nvim/lsp/djsa.lua), then enable it from init.lua:
--
--   vim.lsp.enable('djsa')
--
-- Override any field with vim.lsp.config('djsa', { ... }), e.g. another binary:
--
--   vim.lsp.config('djsa', { cmd = { '/path/to/djsa', 'server' } })

---@type vim.lsp.Config
return {
  cmd = { 'djsa', 'server' },
  filetypes = { 'python' },
  -- The project root: where manage.py, djsa.toml or pyproject.toml lives.
  root_markers = { 'manage.py', 'djsa.toml', 'pyproject.toml', '.git' },
  -- Optional: where djsa's own codes (DJSA001...) are documented; Django's IDs link to
  -- Django's system check reference.
  init_options = {},
}
