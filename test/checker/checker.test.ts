// The checker, feature by feature, as files: each `cases/*.txtar` holds a small workspace (one or
// more `-- name.coal --` sections), and `cases/*.expected` what `coalc check` reports for it —
// every diagnostic rendered, fixes included. Re-accept with COAL_ACCEPT=1.
//
// A file may also carry inline expectations: a comment line `// ^^^ E0302` under a line says a
// diagnostic with that code starts at the first caret's column of the line above. A file with
// any inline expectation must have exactly those diagnostics, no more.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile, MemoryHost } from "@coal/compiler";
import { renderDiagnostic, type Diagnostic } from "@coal/language";
import { expectFile, repoRoot } from "../support/files.js";
import { parseTxtar } from "../support/txtar.js";
import { memoryStdlibRoot, stdlibFiles } from "../support/stdlib.js";

const directory = join(repoRoot, "test/checker/cases");

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

interface InlineExpectation {
  readonly file: string;
  readonly offset: number;
  readonly code: string;
  readonly line: number;
}

/** `// ^^^ E0302` lines: the code, and the offset of the first caret's column on the line above. */
export function inlineExpectations(file: string, text: string): InlineExpectation[] {
  const lines = text.split("\n");
  const starts: number[] = [];
  let offset = 0;
  for (const line of lines) {
    starts.push(offset);
    offset += line.length + 1;
  }
  const expectations: InlineExpectation[] = [];
  let target = -1;
  lines.forEach((line, index) => {
    const match = /^(\s*)\/\/\s*(\^+)\s+([EW]\d{4})\b/.exec(line);
    if (match === null) {
      target = index;
      return;
    }
    const column = line.indexOf("^");
    if (target >= 0) expectations.push({ file, offset: starts[target]! + column, code: match[3]!, line: target + 1 });
  });
  return expectations;
}

describe("checker", () => {
  for (const name of readdirSync(directory).filter((n) => n.endsWith(".txtar")).sort()) {
    it(name.replace(/\.txtar$/, ""), () => {
      const { files } = parseTxtar(readFileSync(join(directory, name), "utf8"));
      const result = checkWorkspace(files);
      for (const [file, text] of files) {
        const expectations = inlineExpectations(file, text);
        if (expectations.length === 0) continue;
        const actual = result.userDiagnostics.filter((d) => d.file === file).map((d) => `${d.code} at ${d.range.start}`);
        const wanted = expectations.map((e) => `${e.code} at ${e.offset}`);
        expect(actual.sort(), `${file}: diagnostics against its inline expectations (lines ${expectations.map((e) => e.line).join(", ")})`).toEqual(wanted.sort());
      }
      expectFile(join(directory, name.replace(/\.txtar$/, ".expected")), render(result.userDiagnostics, files));
    });
  }
});
