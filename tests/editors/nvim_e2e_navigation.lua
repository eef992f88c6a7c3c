-- Headless Neovim end-to-end test of djsa's code lens, find references and source actions through
-- Neovim's own LSP client (vim.lsp.buf_request_sync, client:exec_cmd, apply_workspace_edit), on
-- tests/lsp_fixtures/library. Run by tests/editors/nvim_e2e.sh:
--   DJSA_BIN=... DJSA_REPO=... nvim --headless -u nvim_e2e_navigation.lua library/models.py
vim.opt.swapfile = false
vim.opt.shadafile = 'NONE'
vim.opt.rtp:prepend(os.getenv('DJSA_REPO') .. '/editors/nvim')
vim.lsp.config('djsa', { cmd = { os.getenv('DJSA_BIN'), 'server' } })
vim.lsp.enable('djsa')

local function log(...) io.stdout:write(table.concat(vim.tbl_map(tostring, { ... }), ' ') .. '\n') end

local function find(buf, needle)
  for i, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    local col = line:find(needle, 1, true)
    if col then return i - 1, col - 1 end
  end
  error('not in buffer: ' .. needle)
end

-- The one djsa result of a buf_request_sync.
local function request(buf, method, params)
  local resps = vim.lsp.buf_request_sync(buf, method, params, 10000)
  assert(resps, method .. ': no response')
  for _, r in pairs(resps) do
    assert(not r.err, method .. ' failed: ' .. vim.inspect(r.err))
    return r.result
  end
end

local function run()
  local ok, err = pcall(function()
    local buf = vim.api.nvim_get_current_buf()
    assert(vim.wait(10000, function() return #vim.lsp.get_clients({ bufnr = buf, name = 'djsa' }) > 0 end, 20),
      'djsa did not attach')
    local client = vim.lsp.get_clients({ bufnr = buf, name = 'djsa' })[1]
    assert(vim.wait(30000, function() return #vim.diagnostic.get(buf) > 0 end, 20), 'no diagnostics')
    local tdp = vim.lsp.util.make_text_document_params(buf)

    -- 1. Code lens on the drifting model.
    local lenses = request(buf, 'textDocument/codeLens', { textDocument = tdp })
    assert(lenses and #lenses == 1, 'code lens: ' .. vim.inspect(lenses))
    local lens = lenses[1]
    log('lens:', lens.range.start.line + 1, lens.command.title)
    local l = find(buf, 'class Book')
    assert(lens.range.start.line == l, 'lens not on class Book')
    assert(lens.command.title == '1 pending migration operation: Add field isbn to book', lens.command.title)

    -- 2. References of the model Book (declaration included).
    local _, c = find(buf, 'class Book')
    local refs = request(buf, 'textDocument/references', {
      textDocument = tdp, position = { line = l, character = c + 7 }, context = { includeDeclaration = true } })
    assert(refs, 'no references')
    local files = {}
    for _, r in ipairs(refs) do
      local f = vim.fn.fnamemodify(vim.uri_to_fname(r.uri), ':t')
      files[f] = (files[f] or 0) + 1
    end
    log('references:', #refs, vim.inspect(files, { newline = ' ', indent = '' }))
    assert(files['models.py'] == 1 and files['views.py'] == 1 and files['0001_initial.py'] == 1
      and files['0002_alter_book_title.py'] == 1 and files['tables.py'] == 1,
      'references: ' .. vim.inspect(refs))

    -- 3. The source action is offered in the app's files.
    local actions = request(buf, 'textDocument/codeAction', {
      textDocument = tdp, range = { start = { line = 0, character = 0 }, ['end'] = { line = 0, character = 0 } },
      context = { diagnostics = {}, only = { 'source' } } })
    assert(actions and #actions == 1 and actions[1].kind == 'source.djsa.makeMigrations',
      'source actions: ' .. vim.inspect(actions))
    log('source action:', actions[1].title)

    -- 4. Run the lens command through the client: the migration is written, the lens goes away.
    client:exec_cmd(lens.command, { bufnr = buf })
    local path = vim.fs.dirname(vim.api.nvim_buf_get_name(buf)) .. '/migrations/0003_book_isbn.py'
    assert(vim.wait(15000, function() return vim.fn.filereadable(path) == 1 end, 20), 'migration not written: ' .. path)
    local text = table.concat(vim.fn.readfile(path), '\n')
    assert(text:find("name='isbn'", 1, true), 'wrong migration:\n' .. text)
    log('created:', path)
    assert(vim.wait(15000, function()
      return request(buf, 'textDocument/codeLens', { textDocument = tdp }) == nil
    end, 100), 'the lens is still shown after the migration was written')
    log('lens cleared')
  end)
  if ok then log('PASS'); vim.cmd('qall!') else log('FAIL: ' .. tostring(err)); vim.cmd('cquit 1') end
end

vim.api.nvim_create_autocmd('VimEnter', { callback = function() vim.schedule(run) end })
