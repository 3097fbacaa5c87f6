// Text → tokens, comments and lexical diagnostics. Keywords are matched as identifiers and
// retyped in one pass (measured faster than a pattern per keyword). Literal tokens are checked
// here, once: a malformed literal is still a token the parser accepts, so nothing downstream
// reports it again.
import { Lexer, type IToken, type TokenType } from "chevrotain";
import type { Comment } from "./ast.js";
import { syntaxDiagnostic } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import * as T from "./tokens.js";

const lexerTokens = T.allTokens.filter((token) => !Object.values(T.Keyword).includes(token));

let lexerInstance: Lexer | undefined;
function lexer(): Lexer {
  lexerInstance ??= new Lexer(lexerTokens, {
    positionTracking: "onlyOffset",
    ensureOptimizations: true,
    // The default message is replaced by E0001 below.
    errorMessageProvider: {
      buildUnexpectedCharactersMessage: () => "",
      buildUnableToPopLexerModeMessage: () => "",
    },
  });
  return lexerInstance;
}

const keywordByText = new Map<string, TokenType>(Object.entries(T.Keyword));

export interface LexResult {
  readonly tokens: IToken[];
  readonly comments: Comment[];
  readonly diagnostics: Diagnostic[];
}

export function lex(text: string): LexResult {
  const result = lexer().tokenize(text);
  const diagnostics: Diagnostic[] = [];

  for (const error of result.errors) {
    const bad = text.slice(error.offset, error.offset + error.length);
    diagnostics.push(unexpectedCharacters(bad, error.offset));
  }

  const tokens = glueNames(text, result.tokens, result.errors);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const type = token.tokenType;
    if (type === T.Identifier) {
      const keyword = keywordByText.get(token.image);
      if (keyword !== undefined) {
        token.tokenType = keyword;
        token.tokenTypeIdx = keyword.tokenTypeIdx!;
      }
    } else if (type !== T.LBrace && type !== T.RBrace && type !== T.Colon && type !== T.Comma) {
      checkLiteral(token, diagnostics);
    }
  }

  const comments: Comment[] = [];
  for (const token of (result.groups["comments"] ?? []) as IToken[]) {
    const style = token.tokenType === T.DocComment ? "doc" : token.tokenType === T.LineComment ? "line" : "block";
    if (token.tokenType === T.UnterminatedBlockComment) {
      diagnostics.push(
        syntaxDiagnostic("E0003", {}, range(token), {
          help: "add `*/` where the comment should end",
        }),
      );
    }
    comments.push({ style, text: token.image, start: token.startOffset, end: token.startOffset + token.image.length });
  }
  return { tokens, comments, diagnostics };
}

/**
 * A name with non-ASCII letters in it (`prophète`) stays one name for the parser: the letters are
 * still reported (E0001, once), but glued to the identifier characters touching them, so the
 * parser reads the declaration the author meant — not two names (`proph`, `te`) and a cascade of
 * errors about a structure nobody wrote.
 */
function glueNames(text: string, tokens: IToken[], errors: readonly { offset: number; length: number }[]): IToken[] {
  let glued: IToken[] | undefined;
  let at = 0;
  for (const error of errors) {
    const start = error.offset;
    const end = error.offset + error.length;
    if (!/^[\p{L}\p{M}]+$/u.test(text.slice(start, end))) continue;
    const list = (glued ??= [...tokens]);
    while (at < list.length && list[at]!.startOffset < end) at++;
    const before = list[at - 1];
    const after = list[at];
    const joinsBefore = before !== undefined && before.tokenType === T.Identifier && before.startOffset + before.image.length === start;
    const joinsAfter = after !== undefined && after.tokenType === T.Identifier && after.startOffset === end;
    if (!joinsBefore && !joinsAfter) continue;
    const from = joinsBefore ? before.startOffset : start;
    const to = joinsAfter ? after.startOffset + after.image.length : end;
    const name: IToken = { ...(joinsBefore ? before : after!), image: text.slice(from, to), startOffset: from, endOffset: to - 1 };
    list.splice(joinsBefore ? at - 1 : at, (joinsBefore ? 1 : 0) + (joinsAfter ? 1 : 0), name);
    if (!joinsBefore) at++;
  }
  return glued ?? tokens;
}

function range(token: IToken): { start: number; end: number } {
  return { start: token.startOffset, end: token.startOffset + token.image.length };
}

const quoteLookalikes = /[\u201C\u201D\u201E\u201F\u2033\u00AB\u00BB]/;

function unexpectedCharacters(bad: string, offset: number): Diagnostic {
  const where = { start: offset, end: offset + bad.length };
  const shown = "`" + bad.replace(/`/g, "\\`") + "`";
  const what = [...bad].length === 1 ? "character" : "characters";
  let help: string | undefined;
  if (bad.includes(";")) help = "statements need no semicolons: remove it";
  else if (quoteLookalikes.test(bad)) help = 'strings use straight double quotes: `"…"`';
  else if (/[\u0080-\uFFFF]/.test(bad) && /^\p{L}/u.test(bad)) help = "names are ASCII letters, digits and `_`";
  else if (bad.includes("'")) help = 'strings use double quotes: `"…"`';
  else if (bad.includes("#")) help = "comments start with `//`";
  else if (bad.includes("\u2026")) help = "`…` is a placeholder in prose: write the value out in full";
  return syntaxDiagnostic("E0001", { what, text: shown }, where, help === undefined ? {} : { help });
}

function checkLiteral(token: IToken, diagnostics: Diagnostic[]): void {
  switch (token.tokenType) {
    case T.StringLiteral:
    case T.UnterminatedString:
      checkString(token, diagnostics);
      return;
    case T.CurlyQuotedString: {
      const straight = '"' + token.image.slice(1, -1) + '"';
      diagnostics.push(
        syntaxDiagnostic("E0011", {}, range(token), {
          help: "use straight double quotes: `" + straight + "`",
          fixes: [{ title: "Use straight quotes", edits: [{ range: range(token), newText: straight }] }],
        }),
      );
      return;
    }
    case T.HexLiteral: {
      const digits = hexDigitCount(token.image);
      if (digits > 16 && digits !== 64 && digits !== 96) {
        diagnostics.push(syntaxDiagnostic("E0006", { digits: String(digits) }, range(token)));
      }
      checkUnderscores(token, diagnostics);
      return;
    }
    case T.IntegerLiteral:
    case T.DecimalLiteral:
    case T.Duration:
      checkUnderscores(token, diagnostics);
      return;
    case T.BadNumber:
      diagnostics.push(
        syntaxDiagnostic("E0007", { text: "`" + token.image + "`" }, range(token), { help: badNumberHelp(token.image) }),
      );
      return;
    default:
      return;
  }
}

function badNumberHelp(text: string): string {
  if (/^0x$/i.test(text)) return "write the hex digits right after `0x`";
  if (/^0x/i.test(text)) return "hex digits are `0`–`9` and `a`–`f`";
  if (/^\d+(\.\d+)?e/i.test(text)) return "there are no floats: write the decimal out (`0.001`)";
  if (/^\d[\d_]*[A-Za-z]+$/.test(text)) return "duration units are `ms`, `s`, `m`, `h` and `d`, written right after the number (`5m`)";
  return "write an integer (`42`), a decimal (`0.55`) or a duration (`2s`)";
}

/** Hex digits after `0x`, underscores not counted. */
export function hexDigitCount(text: string): number {
  let digits = 0;
  for (let i = 2; i < text.length; i++) if (text.charCodeAt(i) !== 95) digits++;
  return digits;
}

function checkUnderscores(token: IToken, diagnostics: Diagnostic[]): void {
  const text = token.image;
  if (!text.includes("_")) return;
  const misplaced = token.tokenType === T.HexLiteral ? /_(?![0-9A-Fa-f])|(?<![0-9A-Fa-f])_/.test(text.slice(2)) : /_(?![0-9])|(?<![0-9])_/.test(text);
  if (misplaced) {
    diagnostics.push(syntaxDiagnostic("E0008", { text: "`" + text + "`" }, range(token)));
  }
}

/** Decodes a string literal's value; reports bad escapes and a missing closing quote. */
export function decodeString(raw: string, start: number, diagnostics?: Diagnostic[]): string {
  if (/^[\u201C-\u201F]/.test(raw)) return raw.slice(1, -1);
  const terminated = raw.length >= 2 && raw.endsWith('"') && !endsWithEscape(raw);
  const body = raw.slice(1, terminated ? -1 : undefined);
  if (!body.includes("\\")) return body;
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const char = body[i]!;
    if (char !== "\\") {
      out += char;
      continue;
    }
    const next = body[i + 1];
    const escapeStart = start + 1 + i;
    switch (next) {
      case "n":
        out += "\n";
        i++;
        continue;
      case "r":
        out += "\r";
        i++;
        continue;
      case "t":
        out += "\t";
        i++;
        continue;
      case "\\":
      case '"':
        out += next;
        i++;
        continue;
      case "u": {
        const match = /^u\{([0-9A-Fa-f]{1,6})\}/.exec(body.slice(i + 1));
        if (match === null) {
          diagnostics?.push(
            syntaxDiagnostic("E0004", { escape: "`\\u`" }, { start: escapeStart, end: escapeStart + 2 }, {
              help: "write a Unicode escape as `\\u{1F600}`: one to six hex digits in braces",
            }),
          );
          i++;
          continue;
        }
        const value = Number.parseInt(match[1]!, 16);
        const length = 1 + match[0].length;
        if (value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) {
          diagnostics?.push(
            syntaxDiagnostic(
              "E0005",
              { escape: "`\\" + match[0] + "`" },
              { start: escapeStart, end: escapeStart + length },
            ),
          );
        } else {
          out += String.fromCodePoint(value);
        }
        i += length - 1;
        continue;
      }
      default: {
        // A lone backslash at the end of an unterminated string is reported as E0002 already.
        if (next === undefined) continue;
        const shown = "\\" + String.fromCodePoint(body.codePointAt(i + 1)!);
        diagnostics?.push(
          syntaxDiagnostic("E0004", { escape: "`" + shown + "`" }, { start: escapeStart, end: escapeStart + shown.length }, {
            help: "to write a backslash, double it: `\\\\`",
          }),
        );
        i += shown.length - 1;
        continue;
      }
    }
  }
  return out;
}

function endsWithEscape(raw: string): boolean {
  // `"abc\"` is unterminated: the final quote is escaped. Count the backslashes before it.
  let backslashes = 0;
  for (let i = raw.length - 2; i >= 1 && raw[i] === "\\"; i--) backslashes++;
  return backslashes % 2 === 1;
}

function checkString(token: IToken, diagnostics: Diagnostic[]): void {
  const raw = token.image;
  if (token.tokenType === T.UnterminatedString) {
    diagnostics.push(
      syntaxDiagnostic("E0002", {}, range(token), {
        help: 'add `"` at the end of the string, or escape a quote inside it as `\\"`',
      }),
    );
  }
  if (raw.includes("\\")) decodeString(raw, token.startOffset, diagnostics);
}
