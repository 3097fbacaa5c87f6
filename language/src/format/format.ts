// Formatting as a whole-file operation: text in, canonical text out — or, if the file has
// syntax errors, no text and the diagnostics (a broken file is never rewritten).
import { parse, type ParseOptions } from "../syntax/parse.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { printFile, type FormatOptions } from "./printer.js";

export interface FormatResult {
  /** The formatted text, or undefined when the file has syntax errors. */
  readonly text: string | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

/** Printing passes before giving up on a file whose comments will not settle (never seen). */
const maxPasses = 4;

/**
 * Formats a file, or returns its diagnostics if it has syntax errors. Formatting is a fixpoint:
 * the file is printed, and printed again from the result, until the text stops changing — one
 * pass for nearly every file, two when a comment sat somewhere unusual (between a name and its
 * `:`, say) and moved to the end of its line. So the formatter is idempotent by construction.
 * Should a file not settle, it is left as it is.
 */
export function format(text: string, options: FormatOptions & ParseOptions = {}): FormatResult {
  const parsed = parse(text, options);
  if (parsed.diagnostics.some((diagnostic) => diagnostic.severity === "error")) {
    return { text: undefined, diagnostics: parsed.diagnostics };
  }
  let current = text;
  let printed = printFile(parsed.file, parsed.comments, text, options);
  for (let pass = 1; printed !== current; pass++) {
    if (pass === maxPasses) return { text, diagnostics: parsed.diagnostics };
    current = printed;
    const again = parse(current, options);
    printed = printFile(again.file, again.comments, current, options);
  }
  return { text: printed, diagnostics: parsed.diagnostics };
}
