// Generates the TextMate grammar from the lexer's own token list (language/src/syntax/tokens.ts),
// so the two cannot drift: every token type becomes one pattern, in the lexer's order (which is
// how both pick between patterns matching at the same place), with the lexer's own regular
// expression. Only the scope names are chosen here. test/lsp/grammar.test.ts fails when the
// checked-in grammar is not this output, and tokenises the parser corpus with it.
//
//   node --conditions=source --import tsx editors/vscode/scripts/grammar.ts   (npm run grammar -w editors/vscode)
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { allTokens } from "@coal/language";

/** Declaration keywords, import keywords, and the rest (entries and literal syntax). */
const declarationKeywords = new Set(["universe", "record", "enum", "measurements", "lattice", "validator", "organism", "confluence", "coalition"]);
const importKeywords = new Set(["import", "from", "as"]);

/** The scope each token type gets; undefined: no pattern (whitespace). */
export function scopeOf(tokenName: string): string | undefined {
  if (tokenName.startsWith("Kw_")) {
    const word = tokenName.slice(3);
    if (word === "true" || word === "false") return "constant.language.boolean.coal";
    if (declarationKeywords.has(word)) return "storage.type.coal";
    if (importKeywords.has(word)) return "keyword.control.import.coal";
    return "keyword.other.coal";
  }
  const scopes: Record<string, string | undefined> = {
    WhiteSpace: undefined,
    DocComment: "comment.line.documentation.coal",
    LineComment: "comment.line.double-slash.coal",
    BlockComment: "comment.block.coal",
    UnterminatedBlockComment: "comment.block.coal",
    StringLiteral: "string.quoted.double.coal",
    UnterminatedString: "string.quoted.double.coal",
    CurlyQuotedString: "string.quoted.other.coal",
    Duration: "constant.numeric.duration.coal",
    HexLiteral: "constant.numeric.hex.coal",
    DecimalLiteral: "constant.numeric.decimal.coal",
    IntegerLiteral: "constant.numeric.integer.coal",
    BadNumber: "invalid.illegal.number.coal",
    Identifier: "variable.other.coal",
    LBrace: "punctuation.section.block.begin.coal",
    RBrace: "punctuation.section.block.end.coal",
    LParen: "punctuation.section.parens.begin.coal",
    RParen: "punctuation.section.parens.end.coal",
    LBracket: "punctuation.section.brackets.begin.coal",
    RBracket: "punctuation.section.brackets.end.coal",
    LAngle: "punctuation.definition.typeparameters.begin.coal",
    RAngle: "punctuation.definition.typeparameters.end.coal",
    Comma: "punctuation.separator.comma.coal",
    Colon: "punctuation.separator.colon.coal",
    Equals: "keyword.operator.assignment.coal",
    Amp: "keyword.operator.logical.and.coal",
    Pipe: "keyword.operator.logical.or.coal",
    Dot: "punctuation.accessor.coal",
  };
  if (!(tokenName in scopes)) throw new Error(`grammar: no scope for the lexer's token ${tokenName}: add it to scopeOf`);
  return scopes[tokenName];
}

function source(pattern: unknown): string {
  if (pattern instanceof RegExp) return pattern.source;
  if (typeof pattern === "string") return pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  throw new Error(`grammar: a token with a custom matcher cannot be expressed in TextMate`);
}

export function generateGrammar(): Record<string, unknown> {
  const patterns: Record<string, unknown>[] = [];
  for (const token of allTokens) {
    const scope = scopeOf(token.name);
    if (scope === undefined) continue;
    const name = token.name;
    if (name === "BlockComment") {
      // Spans lines: TextMate matches line by line, so a block comment is a begin/end pair (an
      // unclosed one runs to the end of the file, as the lexer's UnterminatedBlockComment does).
      patterns.push({ name: scope, begin: "/\\*", end: "\\*/" });
      continue;
    }
    if (name === "UnterminatedBlockComment") continue;
    let match = source(token.PATTERN);
    // The lexer matches keywords as whole words (longer_alt: Identifier); so does the grammar.
    if (name.startsWith("Kw_") || name === "Identifier") match = `(?<![A-Za-z0-9_])${match}`;
    patterns.push({ name: scope, match });
  }
  return {
    name: "coal",
    scopeName: "source.coal",
    comment: "Generated from language/src/syntax/tokens.ts by editors/vscode/scripts/grammar.ts: do not edit.",
    fileTypes: ["coal"],
    patterns,
  };
}

export const grammarPath = fileURLToPath(new URL("../syntaxes/coal.tmLanguage.json", import.meta.url));

export function grammarText(): string {
  return JSON.stringify(generateGrammar(), null, 2) + "\n";
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(grammarPath, grammarText());
  console.log(`wrote ${grammarPath}`);
}
