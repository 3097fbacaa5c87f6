// The `coalc` process: real streams, the file system, and the exit code.
import { spawn } from "node:child_process";
import { closeSync, chmodSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { defaultStdlibRoot, NodeHost, writeError } from "../node-host.js";
import { main } from "./main.js";
import { UsageError, type CliIo } from "./io.js";

/** `mkdir -p`, one level at a time (Node's recursive mkdir never returns on some file systems, /proc). */
function makeDirectories(directory: string): void {
  const missing: string[] = [];
  let current = directory;
  while (!existsSync(current)) {
    missing.push(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const path of missing.reverse()) mkdirSync(path);
}

function atomicWrite(path: string, text: string): void {
  try {
    let mode = 0o644;
    if (existsSync(path)) mode = statSync(path).mode;
    else makeDirectories(dirname(path));
    const temporary = `${path}.coalc-${process.pid}.tmp`;
    const fd = openSync(temporary, "w", mode);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(temporary, mode);
    renameSync(temporary, path);
  } catch (error) {
    // A file the user asked for cannot be written: one line and exit 2, not an internal error.
    throw writeError(path, error);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

// A reader that stops early (`coalc explain | head`) closes the pipe: stop quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

/** `coalc lsp`: finds the installed `@coal/lsp` package's `coal-lsp` and runs it on our stdio. */
function runLanguageServer(args: readonly string[]): Promise<number> {
  let script: string;
  try {
    const manifest = createRequire(import.meta.url).resolve("@coal/lsp/package.json");
    const bin = (JSON.parse(readFileSync(manifest, "utf8")) as { bin?: Record<string, string> }).bin?.["coal-lsp"];
    if (bin === undefined) throw new Error("no coal-lsp bin");
    script = join(dirname(manifest), bin);
  } catch {
    throw new UsageError("the language server is not installed: install `@coal/lsp` next to `@coal/compiler`", { showHelp: false });
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: "inherit" });
    // The editor may stop us with a signal: pass it on, so the server never outlives coalc.
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => child.kill(signal));
    child.on("error", () => resolve(3));
    child.on("exit", (code, signal) => resolve(code ?? (signal === null ? 3 : 128)));
  });
}

const io: CliIo = {
  stdout: { write: (text) => void process.stdout.write(text), isTTY: process.stdout.isTTY === true },
  stderr: { write: (text) => void process.stderr.write(text), isTTY: process.stderr.isTTY === true },
  readStdin,
  env: process.env,
  host: new NodeHost(),
  stdlibRoot: defaultStdlibRoot(),
  writeFile: atomicWrite,
  runLanguageServer,
};

process.exitCode = await main(process.argv.slice(2), io);
