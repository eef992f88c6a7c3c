-- Headless Neovim (>= 0.11) end-to-end test of `djsa server`, through the shipped
-- editors/nvim/lsp/djsa.lua. Run by tests/editors/nvim_e2e.sh:
--   DJSA_BIN=... DJSA_REPO=... nvim --headless -u nvim_e2e.lua shop/models.py
-- Exits 0 on success, 1 (cquit) on failure.
vim.opt.swapfile = false
vim.opt.shadafile = 'NONE'
vim.opt.rtp:prepend(os.getenv('DJSA_REPO') .. '/editors/nvim')

vim.lsp.config('djsa', { cmd = { os.getenv('DJSA_BIN'), 'server' } })
vim.lsp.enable('djsa')

local function log(...) io.stdout:write(table.concat(vim.tbl_map(tostring, { ... }), ' ') .. '\n') end

local function codes(buf)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do table.insert(out, d.code) end
  table.sort(out)
  return table.concat(out, ',')
end

local function find(buf, needle)
  for i, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    local col = line:find(needle, 1, true)
    if col then return i - 1, col - 1 end
  end
  error('not in buffer: ' .. needle)
end

local function run()
  local ok, err = pcall(function()
    local buf = vim.api.nvim_get_current_buf()
    assert(vim.wait(10000, function() return #vim.lsp.get_clients({ bufnr = buf, name = 'djsa' }) > 0 end, 20),
      'djsa did not attach')
    local client = vim.lsp.get_clients({ bufnr = buf, name = 'djsa' })[1]
    assert(vim.wait(10000, function() return client.initialized end, 20), 'client not initialized')
    log('attached:', client.name, 'offset_encoding=' .. client.offset_encoding,
      'root=' .. tostring(client.root_dir))

    -- 1. Diagnostics of the fixture model file.
    local want = 'fields.E001,fields.E135,models.E015'
    assert(vim.wait(30000, function() return codes(buf) == want end, 20),
      'diagnostics: got ' .. codes(buf) .. ', want ' .. want)
    for _, d in ipairs(vim.diagnostic.get(buf)) do log('diagnostic:', d.lnum + 1, d.code, d.message) end

    -- 2. Hover on the model name.
    local l, c = find(buf, 'class Product')
    local params = { textDocument = vim.lsp.util.make_text_document_params(buf),
      position = { line = l, character = c + 8 } }
    local resp = client:request_sync('textDocument/hover', params, 10000, buf)
    assert(resp and not resp.err and resp.result, 'hover failed: ' .. vim.inspect(resp))
    local value = resp.result.contents.value
    log('hover:', (value:gsub('\n', ' | ')))
    assert(value:find('db table: `shop_products`', 1, true), 'hover lacks the table: ' .. value)

    -- 3. Go to definition from a string reference.
    l, c = find(buf, '"crm.Company"')
    params.position = { line = l, character = c + 3 }
    resp = client:request_sync('textDocument/definition', params, 10000, buf)
    assert(resp and resp.result, 'definition failed: ' .. vim.inspect(resp))
    local loc = resp.result[1] or resp.result
    log('definition:', loc.uri, loc.range.start.line)
    assert(loc.uri:match('/crm/models%.py$'), 'definition went to ' .. loc.uri)

    -- 4. Quick fixes: apply the first one offered, if the analysis offers any here.
    local diags = vim.tbl_map(function(d) return d.user_data.lsp end, vim.diagnostic.get(buf))
    resp = client:request_sync('textDocument/codeAction', {
      textDocument = vim.lsp.util.make_text_document_params(buf),
      range = { start = { line = 0, character = 0 }, ['end'] = { line = vim.api.nvim_buf_line_count(buf), character = 0 } },
      context = { diagnostics = diags, only = { 'quickfix' } },
    }, 10000, buf)
    assert(resp and not resp.err, 'codeAction failed: ' .. vim.inspect(resp and resp.err))
    local actions = resp.result or {}
    log('code actions:', #actions)
    if #actions > 0 then
      local a = actions[1]
      log('applying:', a.title)
      if a.edit then vim.lsp.util.apply_workspace_edit(a.edit, client.offset_encoding) end
      if a.command then
        client:request_sync('workspace/executeCommand', { command = a.command.command, arguments = a.command.arguments }, 10000, buf)
      end
      vim.cmd('silent! wall')
      for _, ch in ipairs((a.edit or {}).documentChanges or {}) do
        if ch.kind == 'create' then
          local path = vim.uri_to_fname(ch.uri)
          assert(vim.fn.filereadable(path) == 1, 'created file missing: ' .. path)
          log('created:', path)
        end
      end
    end

    -- 5. Edit the buffer: renaming `sku_` clears fields.E001 (didChange -> publishDiagnostics).
    l, c = find(buf, 'sku_ =')
    vim.api.nvim_buf_set_text(buf, l, c + 3, l, c + 4, { '' })
    assert(vim.wait(15000, function() return not codes(buf):find('fields.E001', 1, true) end, 20),
      'fields.E001 still reported after the edit: ' .. codes(buf))
    log('after edit:', codes(buf))
    vim.cmd('write')
  end)
  if ok then log('PASS'); vim.cmd('qall!') else log('FAIL: ' .. tostring(err)); vim.cmd('cquit 1') end
end

vim.api.nvim_create_autocmd('VimEnter', { callback = function() vim.schedule(run) end })
