// The benchmark's stdio LSP client, shared with the tests that drive a real server process.
export { StdioClient } from "../../bench/lsp/client.js";
