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
  -- Optional settings, read at startup:
  --   docsBaseUrl: where djsa's own codes (DJSA001...) are documented; Django's IDs link to
  --     Django's system check reference.
  --   databaseUrl: compare the models with a live database (DJSA30x findings, read-only, read
  --     again after each save, at most every liveIntervalSeconds, default 30). It holds
  --     credentials: take it from the environment, never write it into a file you commit.
  --     Without it the server uses $DJSA_DATABASE_URL when set.
  -- For example:
  --   init_options = { databaseUrl = vim.env.DATABASE_URL },
  -- Change it while running with
  --   :lua vim.lsp.get_clients({ name = 'djsa' })[1]:notify('workspace/didChangeConfiguration',
  --     { settings = { djsa = { databaseUrl = '...' } } })
  init_options = {},
}
