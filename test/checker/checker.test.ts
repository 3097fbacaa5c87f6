// The checker, feature by feature, as files: each `cases/*.txtar` holds a small workspace (one or
// more `-- name.coal --` sections), and `cases/*.expected` what `coalc check` reports for it —
// every diagnostic rendered, fixes included. Re-accept with COAL_ACCEPT=1.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { compile, MemoryHost, type Diagnostic } from "@coal/compiler";
import { renderDiagnostic } from "@coal/language";
import { expectFile, repoRoot } from "../support/files.js";
import { memoryStdlibRoot, stdlibFiles } from "../support/stdlib.js";

const directory = join(repoRoot, "test/checker/cases");

/** Sections of a txtar archive: `-- name --` lines, each followed by that file's text. */
export function parseTxtar(text: string): Map<string, string> {
  const files = new Map<string, string>();
  let current: string | undefined;
  let lines: string[] = [];
  const flush = () => {
    if (current !== undefined) files.set(current, lines.join("\n"));
  };
  for (const line of text.split("\n")) {
    const header = /^-- (.+) --$/.exec(line);
    if (header !== null) {
      flush();
      current = header[1]!;
      lines = [];
    } else if (current !== undefined) {
      lines.push(line);
    }
  }
  flush();
  return files;
}

export function checkWorkspace(files: ReadonlyMap<string, string>) {
  const host = new MemoryHost({ ...stdlibFiles(), ...Object.fromEntries(files) });
  return compile({ host, entries: [...files.keys()].filter((name) => name.endsWith(".coal")), stdlibRoot: memoryStdlibRoot, root: "." });
}

function render(diagnostics: readonly Diagnostic[], files: ReadonlyMap<string, string>): string {
  if (diagnostics.length === 0) return "no diagnostics\n";
  return diagnostics
    .map((diagnostic) => {
      const text = renderDiagnostic(diagnostic, (file) => (files.has(file) ? { text: files.get(file)! } : undefined));
      const fixes = diagnostic.fixes.map((fix) => `  fix: ${fix.title}: ${fix.edits.map((e) => `${JSON.stringify({ at: [e.range.start, e.range.end], insert: e.newText })}`).join(" ")}\n`).join("");
      return text + fixes;
    })
    .join("\n");
}

describe("checker", () => {
  for (const name of readdirSync(directory).filter((n) => n.endsWith(".txtar")).sort()) {
    it(name.replace(/\.txtar$/, ""), () => {
      const files = parseTxtar(readFileSync(join(directory, name), "utf8"));
      const result = checkWorkspace(files);
      expectFile(join(directory, name.replace(/\.txtar$/, ".expected")), render(result.userDiagnostics, files));
    });
  }
});
