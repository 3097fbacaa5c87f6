// `coal-lsp`: the language server on standard input and output. The only file of lsp/ that
// touches the process.
import { defaultStdlibRoot, NodeHost } from "@coal/compiler";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createConnection, StreamMessageReader, StreamMessageWriter } from "vscode-languageserver/node";
import { startServer } from "./server.js";
import { serverVersion } from "./version.js";
import { startTrace } from "./trace.js";

const usage = `coal-lsp ${serverVersion}: the language server for .coal coalition manifests

Usage: coal-lsp [--stdio] [--stdlib <dir>]

Speaks the Language Server Protocol over standard input and output.

Options:
  --stdio          Use standard input and output (the default and only transport)
  --stdlib <dir>   The standard library's directory (default: the installed @coal/stdlib)
  -h, --help       Show this help
  -v, --version    Show the version
`;

let values: { stdlib?: string | undefined; help?: boolean | undefined; version?: boolean | undefined };
try {
  values = parseArgs({ options: { stdio: { type: "boolean" }, stdlib: { type: "string" }, help: { type: "boolean", short: "h" }, version: { type: "boolean", short: "v" } }, allowPositionals: false, strict: true }).values;
} catch (error) {
  process.stderr.write(`coal-lsp: ${(error as Error).message}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(usage);
  process.exit(0);
}
if (values.version) {
  process.stdout.write(`coal-lsp ${serverVersion}\n`);
  process.exit(0);
}

// Nothing a client sends may take the server down: report, and keep serving.
process.on("uncaughtException", (error) => process.stderr.write(`coal-lsp: uncaught: ${error.stack ?? error.message}\n`));
process.on("unhandledRejection", (error) => process.stderr.write(`coal-lsp: unhandled rejection: ${String(error)}\n`));

if (process.env.COAL_LSP_TRACE) startTrace(process.env.COAL_LSP_TRACE);

const connection = createConnection(new StreamMessageReader(process.stdin), new StreamMessageWriter(process.stdout));
// Full checks run in a worker thread where its script is next to this one (built, or bundled).
const worker = new URL("./workspace/full-check-worker.js", import.meta.url);
startServer(connection, { host: new NodeHost(), stdlibRoot: values.stdlib ?? defaultStdlibRoot(), ...(existsSync(fileURLToPath(worker)) ? { fullCheckWorker: worker } : {}) });
connection.listen();
