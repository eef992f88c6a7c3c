-- Headless Neovim end-to-end test of djsa's "Create migration" quick fix: open a model whose
-- field has no migration, receive DJSA101, request code actions, apply "Create migration"
-- (a CreateFile + insert workspace edit), save, and find the migration on disk; the finding goes
-- away. Run by tests/editors/nvim_e2e.sh.
vim.opt.swapfile = false
vim.opt.shadafile = 'NONE'
vim.opt.rtp:prepend(os.getenv('DJSA_REPO') .. '/editors/nvim')
vim.lsp.config('djsa', { cmd = { os.getenv('DJSA_BIN'), 'server' } })
vim.lsp.enable('djsa')

local function log(...) io.stdout:write(table.concat(vim.tbl_map(tostring, { ... }), ' ') .. '\n') end

local function run()
  local ok, err = pcall(function()
    local buf = vim.api.nvim_get_current_buf()
    assert(vim.wait(10000, function() return #vim.lsp.get_clients({ bufnr = buf, name = 'djsa' }) > 0 end, 20),
      'djsa did not attach')
    local client = vim.lsp.get_clients({ bufnr = buf, name = 'djsa' })[1]
    assert(vim.wait(30000, function() return #vim.diagnostic.get(buf) > 0 end, 20), 'no diagnostics')
    local d = vim.diagnostic.get(buf)[1]
    log('diagnostic:', d.lnum + 1, d.code, d.message)
    assert(d.code == 'DJSA101', 'expected DJSA101, got ' .. tostring(d.code))

    local resp = client:request_sync('textDocument/codeAction', {
      textDocument = vim.lsp.util.make_text_document_params(buf),
      range = { start = { line = d.lnum, character = d.col }, ['end'] = { line = d.end_lnum, character = d.end_col } },
      context = { diagnostics = { d.user_data.lsp }, only = { 'quickfix' } },
    }, 10000, buf)
    assert(resp and not resp.err and resp.result and #resp.result > 0, 'no code actions: ' .. vim.inspect(resp))
    local action = resp.result[1]
    log('action:', action.kind, action.title)
    assert(action.title == 'Create migration notes/migrations/0002_note_body.py', action.title)
    vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
    vim.cmd('wall')

    local path = vim.fs.dirname(vim.api.nvim_buf_get_name(buf)) .. '/migrations/0002_note_body.py'
    assert(vim.fn.filereadable(path) == 1, 'migration not on disk: ' .. path)
    local text = table.concat(vim.fn.readfile(path), '\n')
    assert(text:find("('notes', '0001_initial')", 1, true), 'wrong dependency:\n' .. text)
    assert(text:find("migrations.AddField(", 1, true) and text:find("name='body'", 1, true), 'wrong operation:\n' .. text)
    log('created:', path)

    assert(vim.wait(15000, function() return #vim.diagnostic.get(buf) == 0 end, 20),
      'DJSA101 still reported after the migration was created')
    log('finding cleared')
  end)
  if ok then log('PASS'); vim.cmd('qall!') else log('FAIL: ' .. tostring(err)); vim.cmd('cquit 1') end
end

vim.api.nvim_create_autocmd('VimEnter', { callback = function() vim.schedule(run) end })
