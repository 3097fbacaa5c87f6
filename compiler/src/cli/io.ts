// What the CLI needs from its process, as a value: tests run the whole CLI in-process with
// captured output, and `node-main.ts` passes the real thing.
import type { CompilerHost } from "../host.js";

export interface OutputStream {
  write(text: string): void;
  readonly isTTY: boolean;
}

export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readStdin(): Promise<string>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly host: CompilerHost;
  /** Where the standard library's `.coal` files are, in the host's paths. */
  readonly stdlibRoot: string;
  /** Replaces a file's contents without ever leaving it half-written. */
  writeFile(path: string, text: string): void;
  /** Runs the language server (`coal-lsp`, from the `@coal/lsp` package) with these arguments on
   *  this process's standard streams, and resolves to its exit code; undefined where the CLI
   *  runs without a process of its own (tests), or throws `UsageError` when it is not installed. */
  readonly runLanguageServer?: (args: readonly string[]) => Promise<number>;
}

export type ColorChoice = "auto" | "always" | "never";

/** Colour only on a terminal; `NO_COLOR` (any value) turns it off, `FORCE_COLOR` on. */
export function useColor(choice: ColorChoice, stream: OutputStream, env: CliIo["env"]): boolean {
  if (choice === "always") return true;
  if (choice === "never") return false;
  if (env["NO_COLOR"] !== undefined && env["NO_COLOR"] !== "") return false;
  const force = env["FORCE_COLOR"];
  if (force !== undefined && force !== "" && force !== "0" && force !== "false") return true;
  return stream.isTTY && env["TERM"] !== "dumb";
}

/** A user's mistake on the command line: one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  /** Whether to point at `coalc --help` (not for input problems such as an empty directory). */
  readonly showHelp: boolean;

  constructor(message: string, options: { showHelp?: boolean } = {}) {
    super(message);
    this.showHelp = options.showHelp ?? true;
  }
}

export const exitCodes = {
  ok: 0,
  /** The input has errors (diagnostics, or files that need formatting under --check). */
  problems: 1,
  /** Bad usage or an I/O failure. */
  usage: 2,
  /** A bug in coalc. */
  internal: 3,
} as const;
