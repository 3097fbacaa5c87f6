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

export function format(text: string, options: FormatOptions & ParseOptions = {}): FormatResult {
  const parsed = parse(text, options);
  if (parsed.diagnostics.some((diagnostic) => diagnostic.severity === "error")) {
    return { text: undefined, diagnostics: parsed.diagnostics };
  }
  return { text: printFile(parsed.file, parsed.comments, text, options), diagnostics: parsed.diagnostics };
}
