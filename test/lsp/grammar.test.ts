// The TextMate grammar is the lexer's, kept in step by generation: the checked-in grammar must be
// what editors/vscode/scripts/grammar.ts makes from the lexer's token list now, and tokenising the
// whole parser corpus with it (vscode-textmate over vscode-oniguruma, as VS Code does) must give
// every keyword, literal and comment the scope its lexer token type calls for.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lex } from "@coal/language";
import * as oniguruma from "vscode-oniguruma";
import * as textmate from "vscode-textmate";
import { grammarPath, grammarText, scopeOf } from "../../editors/vscode/scripts/grammar.js";
import { coalFiles, repoRoot } from "../support/files.js";

const require = createRequire(import.meta.url);

async function loadGrammar(): Promise<textmate.IGrammar> {
  const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns), createOnigString: (text) => new oniguruma.OnigString(text) }),
    loadGrammar: async (scopeName) => (scopeName === "source.coal" ? textmate.parseRawGrammar(readFileSync(grammarPath, "utf8"), grammarPath) : null),
  });
  const grammar = await registry.loadGrammar("source.coal");
  if (grammar === null) throw new Error("the grammar did not load");
  return grammar;
}

/** Each line's tokens: [start, end) columns with their scopes. */
function tokenise(grammar: textmate.IGrammar, text: string): { start: number; end: number; scopes: string[] }[][] {
  let state = textmate.INITIAL;
  return text.split("\n").map((line) => {
    const result = grammar.tokenizeLine(line, state);
    state = result.ruleStack;
    return result.tokens.map((t) => ({ start: t.startIndex, end: Math.min(t.endIndex, line.length), scopes: t.scopes }));
  });
}

describe("the TextMate grammar", () => {
  it("is the one generated from the lexer's tokens", () => {
    expect(readFileSync(grammarPath, "utf8"), "run `npm run grammar -w editors/vscode`").toBe(grammarText());
  });

  it("scopes every name, keyword, literal and comment of the parser corpus as the lexer classifies it", async () => {
    const grammar = await loadGrammar();
    const files = [...coalFiles(join(repoRoot, "test/parser/ok")), ...coalFiles(join(repoRoot, "test/parser/err")), ...coalFiles(join(repoRoot, "stdlib/std"))];
    let checked = 0;
    const mismatches: string[] = [];
    for (const file of files) {
      // CRLF files tokenise like LF ones (TextMate sees lines); offsets are kept by splitting on \n.
      const text = readFileSync(file, "utf8");
      const lines = tokenise(grammar, text);
      const lineStarts = [0];
      for (let i = 0; i < text.length; i++) if (text[i] === "\n") lineStarts.push(i + 1);
      const scopesAt = (offset: number): string[] => {
        let line = lineStarts.length - 1;
        while (lineStarts[line]! > offset) line--;
        const column = offset - lineStarts[line]!;
        return lines[line]?.find((t) => t.start <= column && column < t.end)?.scopes ?? [];
      };
      const lexed = lex(text);
      const expectations = [
        ...lexed.tokens.map((t) => ({ start: t.startOffset, end: t.startOffset + t.image.length, name: t.tokenType.name })),
        ...lexed.comments.map((c) => ({ start: c.start, end: c.end, name: c.style === "doc" ? "DocComment" : c.style === "line" ? "LineComment" : "BlockComment" })),
      ];
      for (const token of expectations) {
        if (!/^(Identifier|Kw_|StringLiteral|UnterminatedString|CurlyQuotedString|Duration|HexLiteral|DecimalLiteral|IntegerLiteral|BadNumber|DocComment|LineComment|BlockComment)/.test(token.name)) continue;
        const scope = scopeOf(token.name)!;
        // Every character of the token (line breaks aside) carries the scope — but characters the
        // lexer refused (E0001), which it glues into a name they touch, are the server's to mark.
        const refused = lexed.diagnostics.filter((d) => d.code === "E0001").map((d) => d.range);
        for (let offset = token.start; offset < token.end; offset++) {
          if (text[offset] === "\n" || text[offset] === "\r") continue;
          if (refused.some((r) => r.start <= offset && offset < r.end)) continue;
          if (!scopesAt(offset).includes(scope)) {
            mismatches.push(`${file.slice(repoRoot.length + 1)}@${offset}: ${token.name} ${JSON.stringify(text.slice(token.start, token.end))} has ${scopesAt(offset).join(" ")}, not ${scope}`);
            break;
          }
        }
        checked++;
      }
    }
    expect(mismatches.slice(0, 20)).toEqual([]);
    expect(checked).toBeGreaterThan(1500);
  });
});
