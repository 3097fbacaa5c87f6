-- Run by test/lsp/neovim.test.ts in a headless Neovim whose init is docs/editors.md's setup: waits
-- for the coal client, breaks a type name, and writes what Neovim's own client received — the
-- diagnostics and a hover — as JSON to $COAL_NVIM_OUT.
local out = os.getenv("COAL_NVIM_OUT")
local result = { diagnostics = {}, hover = vim.NIL, error = vim.NIL }

local function finish()
  local file = io.open(out, "w")
  file:write(vim.fn.json_encode(result))
  file:close()
  vim.cmd("qa!")
end

local ok, err = pcall(function()
  local function client()
    for _, c in pairs(vim.lsp.buf_get_clients(0)) do
      if c.name == "coal" then return c end
    end
  end
  local ready = vim.wait(30000, function()
    local c = client()
    return c ~= nil and c.server_capabilities ~= nil and next(c.server_capabilities) ~= nil
  end, 50)
  if not ready then error("the coal client did not start") end

  -- Break a type name: `stream forecasts: Forecast` → `Forecst`.
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  for index, line in ipairs(lines) do
    local at = line:find("stream forecasts: Forecast", 1, true)
    if at then
      local column = at - 1 + #"stream forecasts: "
      vim.api.nvim_buf_set_text(0, index - 1, column, index - 1, column + 8, { "Forecst" })
      break
    end
  end
  vim.wait(30000, function() return #vim.diagnostic.get(0) > 0 end, 50)
  for _, d in ipairs(vim.diagnostic.get(0)) do
    table.insert(result.diagnostics, { code = d.code, message = d.message, lnum = d.lnum, col = d.col })
  end

  -- Hover over `organism prophet`.
  for index, line in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
    if line:find("^organism prophet") then
      local params = { textDocument = { uri = vim.uri_from_bufnr(0) }, position = { line = index - 1, character = 10 } }
      local responses = vim.lsp.buf_request_sync(0, "textDocument/hover", params, 20000)
      for _, response in pairs(responses or {}) do
        if response.result then result.hover = response.result.contents.value or response.result.contents end
      end
    end
  end
end)
if not ok then result.error = tostring(err) end
finish()
