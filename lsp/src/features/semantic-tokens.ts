// Semantic tokens: the lexer's classification (keywords, literals, comments) refined by name
// resolution (a name is a type, a variant, a validator, a citizen, a field or a parameter), with
// `declaration` on the names being declared and `defaultLibrary` on the standard library's.
import { lex } from "@coal/language";
import type { TargetKind } from "@coal/compiler";
import type { SemanticTokens, SemanticTokensLegend, SemanticTokensParams } from "vscode-languageserver";
import type { Session } from "../session.js";

export const tokenTypes = ["keyword", "string", "number", "comment", "type", "enum", "enumMember", "function", "variable", "property", "parameter", "namespace", "struct", "class"] as const;
export const tokenModifiers = ["declaration", "defaultLibrary", "documentation"] as const;
export const semanticTokensLegend: SemanticTokensLegend = { tokenTypes: [...tokenTypes], tokenModifiers: [...tokenModifiers] };

type TokenType = (typeof tokenTypes)[number];

const targetTypes: Readonly<Record<TargetKind, TokenType>> = {
  record: "struct",
  enum: "enum",
  variant: "enumMember",
  validator: "function",
  "builtin-validator": "function",
  builtin: "function",
  measurements: "variable",
  lattice: "namespace",
  organism: "class",
  confluence: "class",
  coalition: "namespace",
  field: "property",
  parameter: "parameter",
};

/** The lexer's token names → token types (identifiers are classified by resolution). */
export function lexicalType(tokenName: string): TokenType | undefined {
  if (tokenName.startsWith("Kw_")) return tokenName === "Kw_true" || tokenName === "Kw_false" ? "keyword" : "keyword";
  if (tokenName === "StringLiteral" || tokenName === "UnterminatedString" || tokenName === "CurlyQuotedString") return "string";
  if (tokenName === "Duration" || tokenName === "HexLiteral" || tokenName === "DecimalLiteral" || tokenName === "IntegerLiteral" || tokenName === "BadNumber") return "number";
  return undefined;
}

export function semanticTokens(session: Session, params: SemanticTokensParams): SemanticTokens {
  const context = session.context(params.textDocument.uri);
  if (context === undefined) return { data: [] };
  const text = context.unit.text;
  const tokens: { start: number; end: number; type: number; modifiers: number }[] = [];
  const lexed = lex(text);
  const names = new Map(context.names.occurrences(context.unit).map((o) => [o.range.start, o]));
  for (const token of lexed.tokens) {
    const start = token.startOffset;
    const end = start + token.image.length;
    const lexical = lexicalType(token.tokenType.name);
    if (lexical !== undefined) {
      tokens.push({ start, end, type: tokenTypes.indexOf(lexical), modifiers: 0 });
      continue;
    }
    if (token.tokenType.name !== "Identifier") continue;
    const occurrence = names.get(start);
    if (occurrence === undefined) continue;
    const modifiers = (occurrence.isDeclaration ? 1 : 0) | (occurrence.target.unit.isStd ? 2 : 0);
    tokens.push({ start, end, type: tokenTypes.indexOf(targetTypes[occurrence.target.kind]), modifiers });
  }
  for (const comment of lexed.comments) tokens.push({ start: comment.start, end: comment.end, type: tokenTypes.indexOf("comment"), modifiers: comment.style === "doc" ? 4 : 0 });
  tokens.sort((a, b) => a.start - b.start);
  const data: number[] = [];
  let line = 0;
  let character = 0;
  for (const token of tokens) {
    for (const span of context.lines.lineSpans(token)) {
      data.push(span.line - line, span.line === line ? span.character - character : span.character, span.length, token.type, token.modifiers);
      line = span.line;
      character = span.character;
    }
  }
  return { data };
}
