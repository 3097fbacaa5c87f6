// The parser corpus: every file under test/parser/ok parses without errors, every file under
// test/parser/err yields located errors; both against expected diagnostics and trees.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dumpTree, parse, renderDiagnostics, syntaxCatalogue, type Diagnostic } from "@coal/language";
import { coalFiles, expectFile, readText, repoRoot, sharedRoot, stem } from "../support/files.js";

const okDirectory = join(repoRoot, "test/parser/ok");
const errDirectory = join(repoRoot, "test/parser/err");

/** Inputs that live in ../shared (read from there, never copied); expected files live here. */
const sharedInputs = [join(sharedRoot, "testdata/golden/forecasters.coal")];

function expectedText(name: string, text: string): { output: string; diagnostics: readonly Diagnostic[] } {
  const result = parse(text);
  const diagnostics = result.diagnostics.map((diagnostic) => ({ ...diagnostic, file: `${name}.coal` }));
  let output = "";
  if (diagnostics.length > 0) output += "# diagnostics\n" + renderDiagnostics(diagnostics, () => ({ text })) + "\n";
  output += "# tree\n" + dumpTree(result.file);
  return { output, diagnostics: result.diagnostics };
}

function checkRanges(text: string, diagnostics: readonly Diagnostic[]): void {
  for (const diagnostic of diagnostics) {
    expect(Object.keys(syntaxCatalogue)).toContain(diagnostic.code);
    expect(diagnostic.range.start).toBeGreaterThanOrEqual(0);
    expect(diagnostic.range.end).toBeGreaterThanOrEqual(diagnostic.range.start);
    expect(diagnostic.range.end).toBeLessThanOrEqual(text.length);
  }
}

describe("parser: valid files", () => {
  for (const path of [...coalFiles(okDirectory), ...sharedInputs]) {
    const name = stem(path);
    it(name, () => {
      const text = readText(path);
      const { output, diagnostics } = expectedText(name, text);
      expect(diagnostics.filter((diagnostic) => diagnostic.severity === "error")).toEqual([]);
      checkRanges(text, diagnostics);
      expectFile(join(okDirectory, `${name}.expected`), output);
    });
  }
});

describe("parser: broken files", () => {
  const files = coalFiles(errDirectory);
  it("has at least 40 broken inputs", () => expect(files.length).toBeGreaterThanOrEqual(40));
  for (const path of files) {
    const name = stem(path);
    it(name, () => {
      const text = readText(path);
      const { output, diagnostics } = expectedText(name, text);
      expect(diagnostics.some((diagnostic) => diagnostic.severity === "error")).toBe(true);
      checkRanges(text, diagnostics);
      // Source order, at most one diagnostic per position.
      const starts = diagnostics.map((diagnostic) => diagnostic.range.start);
      expect(starts).toEqual([...starts].sort((a, b) => a - b));
      expect(new Set(starts).size).toBe(starts.length);
      expectFile(join(errDirectory, `${name}.expected`), output);
    });
  }
});
