// The diagnostic catalogues: stable, well-formed codes, each explained and each exercised.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { IToken, TokenType } from "chevrotain";
import { parse } from "@coal/language";
import { recognitionDiagnostic } from "../../language/src/syntax/parser.js";
import * as Tokens from "../../language/src/syntax/tokens.js";
import { allCatalogues } from "@coal/compiler";
import { repoRoot } from "../support/files.js";

const entries = allCatalogues.flatMap(({ layer, entries }) => Object.entries(entries).map(([code, entry]) => ({ layer, code, entry })));

describe("diagnostic catalogues", () => {
  it("codes are unique across layers and shaped E0000 (errors) or W0000 (warnings)", () => {
    const codes = entries.map(({ code }) => code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const { code, entry } of entries) {
      expect(code).toMatch(/^[EW]\d{4}$/);
      expect(code.startsWith("E") ? "error" : "warning").toBe(entry.severity);
    }
  });

  it("names are unique kebab-case; messages and explanations are sentences", () => {
    const names = entries.map(({ entry }) => entry.name);
    expect(new Set(names).size).toBe(names.length);
    for (const { code, entry } of entries) {
      expect(entry.name, code).toMatch(/^[a-z]+(-[a-z0-9]+)*$/);
      expect(entry.message.parts.at(-1), code).toMatch(/\.$/);
      expect(entry.explanation.length, code).toBeGreaterThan(80);
      expect(entry.explanation, code).toMatch(/[.)]$/);
    }
  });

  it("every code is exercised by a test file", () => {
    const expected = collectExpected(join(repoRoot, "test"));
    // Codes whose inputs are impractical as corpus files are exercised below.
    const exercisedHere = new Set(["E0009", "E0109"]);
    for (const { layer, code } of entries) {
      expect(expected.includes(`[${code}]`) || exercisedHere.has(code), `${layer} ${code} has no test`).toBe(true);
    }
  });

  it("refuses a file over the size limit (E0009) with an empty tree", () => {
    const result = parse("record R { a: u8 }\n".repeat(10), { maxFileLength: 100 });
    expect(result.diagnostics.map((diagnostic) => diagnostic.code)).toEqual(["E0009"]);
    expect(result.diagnostics[0]!.message).toBe("This file is 190 characters, over the limit of 100 characters.");
    expect(result.file.items).toEqual([]);
  });
});

function collectExpected(directory: string): string {
  return readdirSync(directory, { withFileTypes: true })
    .map((entry) => {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) return collectExpected(path);
      return entry.name.endsWith(".expected") ? readFileSync(path, "utf8") : "";
    })
    .join("\n");
}

describe("chevrotain's own errors", () => {
  // The explicit checks in the parser catch the common mistakes first; these are the fallbacks.
  const token = (image: string, startOffset: number, tokenType: TokenType) => ({ image, startOffset, tokenType, tokenTypeIdx: tokenType.tokenTypeIdx! }) as IToken;

  it("word a no-viable-alternative error as E0109 with its context", () => {
    const diagnostic = recognitionDiagnostic({ kind: "no-viable", context: "in organism `p`" }, token(")", 14, Tokens.RParen), 20);
    expect(diagnostic.code).toBe("E0109");
    expect(diagnostic.message).toBe("Did not expect `)` in organism `p`.");
    expect(diagnostic.range).toEqual({ start: 14, end: 15 });
  });

  it("word a mismatched token as E0100, or E0106 when a keyword stands where a name belongs", () => {
    expect(recognitionDiagnostic({ kind: "mismatch", expected: "Colon", context: "in stream `s`" }, token("T", 3, Tokens.Identifier), 9).message).toBe(
      "Expected `:` in stream `s`, found `T`.",
    );
    expect(recognitionDiagnostic({ kind: "mismatch", expected: "Identifier" }, token("stream", 3, Tokens.Keyword.stream), 9).code).toBe("E0106");
  });
});
