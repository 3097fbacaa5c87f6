// The language layer's entry point: text in, tree + comments + diagnostics out. Never throws.
import type * as A from "./ast.js";
import { lex } from "./lexer.js";
import { parseTokens } from "./parser.js";
import { syntaxDiagnostic } from "../diagnostics/catalogue.js";
import { compareDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";

export interface ParseResult {
  readonly file: A.SourceFile;
  /** Every comment not attached to the tree as a doc comment, in source order. */
  readonly comments: readonly A.Comment[];
  /** Syntax diagnostics in source order: at most one per real mistake. */
  readonly diagnostics: readonly Diagnostic[];
}

export interface ParseOptions {
  /** Files larger than this (in UTF-16 code units) are refused with E0009. Default 16 MiB. */
  readonly maxFileLength?: number;
}

export const defaultMaxFileLength = 16 * 1024 * 1024;

export function parse(text: string, options: ParseOptions = {}): ParseResult {
  const limit = options.maxFileLength ?? defaultMaxFileLength;
  if (text.length > limit) {
    return {
      file: { kind: "SourceFile", items: [], start: 0, end: text.length },
      comments: [],
      diagnostics: [syntaxDiagnostic("E0009", { size: formatSize(text.length), limit: formatSize(limit) }, { start: 0, end: 0 })],
    };
  }
  const lexed = lex(text);
  const { file, errors, usedDocs } = parseTokens(text, lexed.tokens, lexed.comments);

  const diagnostics: Diagnostic[] = [...lexed.diagnostics];
  // Characters the lexer dropped, and an unterminated comment, leave holes in the token stream;
  // a parse error at the first token after such a hole is their echo, not a new mistake.
  const holes = lexed.diagnostics.filter((d) => d.code === "E0001" || d.code === "E0003").map((d) => d.range);
  for (const { diagnostic, tokenIndex } of errors) {
    const next = lexed.tokens[tokenIndex];
    const previous = lexed.tokens[tokenIndex - 1];
    const from = previous === undefined ? 0 : previous.startOffset + previous.image.length;
    const to = next === undefined ? text.length : next.startOffset;
    if (holes.some((hole) => hole.start >= from && hole.start <= to)) continue;
    diagnostics.push(diagnostic);
  }

  const comments: A.Comment[] = [];
  lexed.comments.forEach((comment, index) => {
    if (usedDocs.has(index)) return;
    comments.push(comment);
    if (comment.style === "doc") {
      diagnostics.push(
        syntaxDiagnostic("W0001", {}, comment, {
          help: "move it in front of what it describes, or use `//` for an ordinary comment",
          fixes: [{ title: "Make it an ordinary comment", edits: [{ range: { start: comment.start, end: comment.start + 3 }, newText: "//" }] }],
        }),
      );
    }
  });
  diagnostics.sort(compareDiagnostics);
  return { file, comments, diagnostics };
}

function formatSize(units: number): string {
  if (units >= 1024 * 1024) return `${(units / (1024 * 1024)).toFixed(1)} MiB`;
  return units >= 1024 ? `${(units / 1024).toFixed(1)} KiB` : `${units} characters`;
}
