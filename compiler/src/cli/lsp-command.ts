// `coalc lsp`: the language server, through the compiler's CLI. The server lives in the `@coal/lsp`
// package, which imports the compiler — so the compiler cannot import it back (the layers are
// language ← compiler ← lsp). The CLI runs the installed `coal-lsp` as a child process on the
// same standard streams instead, and exits with its exit code.
import { UsageError, type CliIo } from "./io.js";

export async function lspCommand(args: readonly string[], io: CliIo): Promise<number> {
  if (io.runLanguageServer === undefined) throw new UsageError("`coalc lsp` needs a process of its own: run `coalc lsp` from a shell or an editor", { showHelp: false });
  return io.runLanguageServer(args);
}
