// The `coalc` process: real streams, the file system, and the exit code.
import { closeSync, chmodSync, fsyncSync, mkdirSync, openSync, renameSync, statSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { defaultStdlibRoot, NodeHost } from "../node-host.js";
import { main } from "./main.js";
import type { CliIo } from "./io.js";

function atomicWrite(path: string, text: string): void {
  const temporary = `${path}.coalc-${process.pid}.tmp`;
  let mode = 0o644;
  try {
    mode = statSync(path).mode;
  } catch {
    mkdirSync(dirname(path), { recursive: true });
  }
  const fd = openSync(temporary, "w", mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(temporary, mode);
  renameSync(temporary, path);
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

const io: CliIo = {
  stdout: { write: (text) => void process.stdout.write(text), isTTY: process.stdout.isTTY === true },
  stderr: { write: (text) => void process.stderr.write(text), isTTY: process.stderr.isTTY === true },
  readStdin,
  env: process.env,
  host: new NodeHost(),
  stdlibRoot: defaultStdlibRoot(),
  writeFile: atomicWrite,
};

process.exitCode = await main(process.argv.slice(2), io);
