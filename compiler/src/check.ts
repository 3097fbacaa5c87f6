// `coalc check`: diagnostics for a set of files. At this stage, syntax diagnostics; the checker
// adds names, types and fingerprints on top (issue #3).
import { parse, type Diagnostic, type ParseResult } from "@coal/language";
import type { CompilerHost } from "./host.js";

export interface CheckedFile {
  readonly path: string;
  readonly text: string;
  readonly parsed: ParseResult;
}

export interface CheckResult {
  readonly files: readonly CheckedFile[];
  /** Every diagnostic, each carrying its file, in file order then source order. */
  readonly diagnostics: readonly Diagnostic[];
}

export function checkFiles(host: CompilerHost, paths: readonly string[]): CheckResult {
  const files: CheckedFile[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const path of paths) {
    const text = host.readFile(path);
    const parsed = parse(text);
    files.push({ path, text, parsed });
    for (const diagnostic of parsed.diagnostics) diagnostics.push({ ...diagnostic, file: path });
  }
  return { files, diagnostics };
}
