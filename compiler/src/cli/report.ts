// Diagnostics out: rendered for people, or one JSON document for programs.
import { diagnosticToJson, renderDiagnostic, type Diagnostic, type SourceLookup } from "@coal/language";
import type { OutputStream } from "./io.js";

export interface Counts {
  readonly errors: number;
  readonly warnings: number;
}

export function count(diagnostics: readonly Diagnostic[]): Counts {
  let errors = 0;
  let warnings = 0;
  for (const diagnostic of diagnostics) {
    if (diagnostic.severity === "error") errors++;
    else warnings++;
  }
  return { errors, warnings };
}

export function writeHuman(stream: OutputStream, diagnostics: readonly Diagnostic[], lookup: SourceLookup, color: boolean): void {
  diagnostics.forEach((diagnostic, index) => {
    if (index > 0) stream.write("\n");
    stream.write(renderDiagnostic(diagnostic, lookup, { color }));
  });
}

/** One JSON document (docs/cli.md) for the whole run; `extra` adds command-specific keys. */
export function writeJson(stream: OutputStream, diagnostics: readonly Diagnostic[], lookup: SourceLookup, files: number, extra: Record<string, unknown> = {}): void {
  const { errors, warnings } = count(diagnostics);
  const document = {
    version: 1,
    diagnostics: diagnostics.map((diagnostic) => diagnosticToJson(diagnostic, lookup)),
    summary: { files, errors, warnings },
    ...extra,
  };
  stream.write(JSON.stringify(document, null, 2) + "\n");
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** "2 errors and 1 warning", "1 warning", "no problems". */
export function describeCounts({ errors, warnings }: Counts): string {
  const parts: string[] = [];
  if (errors > 0) parts.push(plural(errors, "error"));
  if (warnings > 0) parts.push(plural(warnings, "warning"));
  return parts.length === 0 ? "no problems" : parts.join(" and ");
}
