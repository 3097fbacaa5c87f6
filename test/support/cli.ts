// Runs the whole coalc CLI in-process, with files in memory and output captured.
import { main } from "../../compiler/src/cli/main.js";
import type { CliIo } from "../../compiler/src/cli/io.js";
import { defaultStdlibRoot, MemoryHost, NodeHost, type CompilerHost } from "@coal/compiler";
import { stdlibFiles, memoryStdlibRoot } from "./stdlib.js";

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly host: CompilerHost;
}

export interface CliOptions {
  readonly files?: Record<string, string>;
  /** Use the real file system instead of `files`. */
  readonly disk?: boolean;
  readonly stdin?: string;
  readonly env?: Record<string, string>;
  readonly tty?: boolean;
}

export async function coalc(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const memory = new MemoryHost({ ...stdlibFiles(), ...(options.files ?? {}) });
  const host: CompilerHost = options.disk ? new NodeHost() : memory;
  const io: CliIo = {
    stdout: { write: (text) => void (stdout += text), isTTY: options.tty ?? false },
    stderr: { write: (text) => void (stderr += text), isTTY: options.tty ?? false },
    readStdin: async () => options.stdin ?? "",
    env: options.env ?? {},
    host,
    stdlibRoot: options.disk ? defaultStdlibRoot() : memoryStdlibRoot,
    writeFile: (path, text) => {
      if (options.disk) throw new Error("tests never write to disk through the CLI");
      memory.write(path, text);
    },
  };
  const code = await main(args, io);
  return { code, stdout, stderr, host };
}
