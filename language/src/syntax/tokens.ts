// The token vocabulary of .coal, shared by the lexer, the parser and the TextMate grammar test.
// Malformed literals (unterminated strings, bad numbers) are real tokens so the parser can keep
// going; the lexer reports them once and nothing downstream reports them again.
import { createToken, Lexer, type TokenType } from "chevrotain";

const identifierTail = /[A-Za-z0-9_]/;

export const Identifier = createToken({ name: "Identifier", pattern: /[A-Za-z_][A-Za-z0-9_]*/, label: "a name" });

/** Reserved words. Everything else that looks like a keyword in a manifest (`role`, `committee`,
 *  `atlas`, `strategies`, …) is an ordinary name the checker interprets, so records may use those
 *  words as field names. */
export const keywordNames = [
  "import",
  "from",
  "as",
  "universe",
  "record",
  "enum",
  "measurements",
  "lattice",
  "validator",
  "organism",
  "confluence",
  "coalition",
  "stream",
  "collection",
  "content",
  "watchdog",
  "heartbeat",
  "on",
  "every",
  "ticks",
  "true",
  "false",
] as const;
export type KeywordName = (typeof keywordNames)[number];

function keyword(word: KeywordName): TokenType {
  return createToken({
    name: `Kw_${word}`,
    pattern: new RegExp(`${word}(?![A-Za-z0-9_])`),
    start_chars_hint: [word.charCodeAt(0)],
    longer_alt: Identifier,
    label: `\`${word}\``,
  });
}

export const Keyword = Object.fromEntries(keywordNames.map((word) => [word, keyword(word)])) as Record<
  KeywordName,
  TokenType
>;

export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n\uFEFF]+/, group: Lexer.SKIPPED, line_breaks: true });
export const DocComment = createToken({ name: "DocComment", pattern: /\/\/\/(?!\/)[^\n\r]*/, group: "comments" });
export const LineComment = createToken({ name: "LineComment", pattern: /\/\/[^\n\r]*/, group: "comments" });
export const BlockComment = createToken({ name: "BlockComment", pattern: /\/\*[^]*?\*\//, group: "comments", line_breaks: true });
/** `/*` with no closing `*\/`: it runs to the end of the file and is reported once. */
export const UnterminatedBlockComment = createToken({
  name: "UnterminatedBlockComment",
  pattern: /\/\*[^]*/,
  group: "comments",
  line_breaks: true,
});

export const StringLiteral = createToken({
  name: "StringLiteral",
  pattern: /"(?:[^"\\\n\r]|\\[^\n\r])*"/,
  label: "a string",
});
/** A string cut off by the end of its line: accepted as a string and reported once. */
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  pattern: /"(?:[^"\\\n\r]|\\[^\n\r])*\\?/,
  categories: [StringLiteral],
  label: "a string",
});

/** A string in typographic quotes (`“…”`), as word processors write them: one token, one
 *  diagnostic with a fix, instead of two stray characters around a name. */
export const CurlyQuotedString = createToken({
  name: "CurlyQuotedString",
  pattern: /[\u201C\u201D\u201E\u201F][^\u201C\u201D\u201E\u201F"\n\r]*[\u201C\u201D\u201E\u201F]/,
  start_chars_hint: [0x201c, 0x201d, 0x201e, 0x201f],
  categories: [StringLiteral],
  label: "a string",
});

const digitStarts = [..."-0123456789"].map((c) => c.charCodeAt(0));
export const Duration = createToken({
  name: "Duration",
  pattern: /(?:[0-9][0-9_]*(?:ms|s|m|h|d))+(?![A-Za-z0-9_.])/,
  start_chars_hint: digitStarts,
  label: "a duration",
});
export const HexLiteral = createToken({
  name: "HexLiteral",
  pattern: /0x[0-9A-Fa-f][0-9A-Fa-f_]*(?![A-Za-z0-9_.])/,
  start_chars_hint: [48],
  label: "a hex literal",
});
export const DecimalLiteral = createToken({
  name: "DecimalLiteral",
  pattern: /-?[0-9][0-9_]*\.[0-9][0-9_]*(?![A-Za-z0-9_.])/,
  start_chars_hint: digitStarts,
  label: "a decimal",
});
export const IntegerLiteral = createToken({
  name: "IntegerLiteral",
  pattern: /-?[0-9][0-9_]*(?![A-Za-z0-9_.])/,
  start_chars_hint: digitStarts,
  label: "an integer",
});
/** Anything else that starts like a number (`5min`, `1.2.3`, `0xzz`): one token, one diagnostic. */
export const BadNumber = createToken({
  name: "BadNumber",
  pattern: /-?[0-9](?:[A-Za-z0-9_.]|(?<=[0-9.][eE])[+-])*/,
  start_chars_hint: digitStarts,
  label: "a number",
});

export const LBrace = createToken({ name: "LBrace", pattern: "{", label: "`{`" });
export const RBrace = createToken({ name: "RBrace", pattern: "}", label: "`}`" });
export const LParen = createToken({ name: "LParen", pattern: "(", label: "`(`" });
export const RParen = createToken({ name: "RParen", pattern: ")", label: "`)`" });
export const LBracket = createToken({ name: "LBracket", pattern: "[", label: "`[`" });
export const RBracket = createToken({ name: "RBracket", pattern: "]", label: "`]`" });
export const LAngle = createToken({ name: "LAngle", pattern: "<", label: "`<`" });
export const RAngle = createToken({ name: "RAngle", pattern: ">", label: "`>`" });
export const Comma = createToken({ name: "Comma", pattern: ",", label: "`,`" });
export const Colon = createToken({ name: "Colon", pattern: ":", label: "`:`" });
export const Equals = createToken({ name: "Equals", pattern: "=", label: "`=`" });
export const Amp = createToken({ name: "Amp", pattern: "&", label: "`&`" });
export const Pipe = createToken({ name: "Pipe", pattern: "|", label: "`|`" });
export const Dot = createToken({ name: "Dot", pattern: ".", label: "`.`" });

/** Lexer order: first match wins, so longer and more specific patterns come first. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  DocComment,
  LineComment,
  BlockComment,
  UnterminatedBlockComment,
  StringLiteral,
  UnterminatedString,
  CurlyQuotedString,
  Duration,
  HexLiteral,
  DecimalLiteral,
  IntegerLiteral,
  BadNumber,
  ...Object.values(Keyword),
  Identifier,
  LBrace,
  RBrace,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LAngle,
  RAngle,
  Comma,
  Colon,
  Equals,
  Amp,
  Pipe,
  Dot,
];

/** What the parser is built over: every token type, keywords included. */
export const parserTokens: TokenType[] = allTokens;

export function isIdentifierChar(char: string): boolean {
  return identifierTail.test(char);
}
