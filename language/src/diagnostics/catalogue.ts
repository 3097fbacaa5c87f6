// The language layer's diagnostic catalogue: lexical and syntax errors (E0001–E0199) and the
// syntax-level warnings (W0001–W0099). Codes are stable; never renumber or reuse one.
import { diagnosticFactory, msg, type CatalogueEntry } from "./diagnostic.js";

export const syntaxCatalogue = {
  E0001: {
    severity: "error",
    name: "unexpected-character",
    message: msg`Unexpected ${"what"} ${"text"}.`,
    explanation:
      "The lexer met characters that cannot start any token of .coal. Names are ASCII letters, digits and `_`; strings use straight double quotes (`\"`); statements need no semicolons. Remove the characters, or put them inside a string or a comment.",
  },
  E0002: {
    severity: "error",
    name: "unterminated-string",
    message: msg`This string is not closed before the end of the line.`,
    explanation:
      'A string literal starts with `"` and must end with `"` on the same line. To put a quote inside a string, escape it as `\\"`; to put a line break inside, write `\\n`.',
  },
  E0003: {
    severity: "error",
    name: "unterminated-comment",
    message: msg`This block comment is never closed.`,
    explanation:
      "A block comment starts with `/*` and ends at the next `*/`; block comments do not nest. Without a closing `*/` the comment swallows the rest of the file. Add `*/` where the comment should end.",
  },
  E0004: {
    severity: "error",
    name: "invalid-escape",
    message: msg`Unknown escape sequence ${"escape"} in a string.`,
    explanation:
      'Inside a string, a backslash starts an escape. The escapes are `\\n` (line feed), `\\r` (carriage return), `\\t` (tab), `\\\\` (a backslash), `\\"` (a quote) and `\\u{…}` with one to six hex digits naming a Unicode scalar value. To write a backslash itself, double it.',
  },
  E0005: {
    severity: "error",
    name: "invalid-unicode-escape",
    message: msg`${"escape"} is not a Unicode scalar value.`,
    explanation:
      "A `\\u{…}` escape takes one to six hex digits naming a Unicode scalar value: at most `10FFFF`, and not a surrogate (`D800`–`DFFF`). Strings are UTF-8 and are normalised to NFC when they fold into a fingerprint.",
  },
  E0006: {
    severity: "error",
    name: "bad-hex-length",
    message: msg`A hex literal of ${"digits"} digits is neither an integer (at most 16 digits), a digest (64) nor a measurement (96).`,
    explanation:
      "A hex literal's length decides what it is: up to 16 hex digits after `0x` is an integer (`0x2a`), exactly 64 is a 32-byte digest (a stable id, a content hash, a key) and exactly 96 is a 48-byte TDX measurement register. Any other length is almost always a copy-paste that lost or gained characters: check the value against its source.",
  },
  E0007: {
    severity: "error",
    name: "invalid-number",
    message: msg`${"text"} is not a valid number, duration or tick count.`,
    explanation:
      "Numbers are integers (`42`, `1_000`, `-7`, `0x2a`) or decimals (`0.55`; there are no floats and no exponents). Durations are an integer with a unit and no space: `500ms`, `2s`, `5m`, `1h`, `7d`, or several together (`1h30m`). Tick counts are an integer, a space and `ticks` (`30 ticks`).",
  },
  E0008: {
    severity: "error",
    name: "misplaced-underscore",
    message: msg`In ${"text"}, an underscore must sit between two digits.`,
    explanation:
      "Underscores group digits for readability (`1_000_000`). Each one must have a digit on both sides: `1__000`, `1000_` and `1_.5` are errors.",
  },
  E0009: {
    severity: "error",
    name: "file-too-large",
    message: msg`This file is ${"size"}, over the limit of ${"limit"}.`,
    explanation:
      "The compiler refuses to parse a single file larger than its limit, so that a stray or hostile input cannot exhaust memory. Split the manifest into several files joined by imports.",
  },
  E0010: {
    severity: "error",
    name: "nesting-too-deep",
    message: msg`Brackets and blocks nest more than ${"limit"} levels deep here.`,
    explanation:
      "Expressions, lists and blocks may nest only so deep, so that a hostile input cannot overflow the compiler's stack. No real manifest comes close to the limit; flatten the structure, for instance by naming part of it as a `validator`.",
  },
  E0011: {
    severity: "error",
    name: "curly-quotes",
    message: msg`This string is in typographic quotes.`,
    explanation:
      'Strings are written in straight double quotes (`"…"`). Typographic quotes (`“…”`), which word processors and some chat tools put in automatically, are not string delimiters. Replace them with `"`; the quick fix does it.',
  },
  E0100: {
    severity: "error",
    name: "expected-token",
    message: msg`Expected ${"expected"}, found ${"found"}.`,
    explanation:
      "The parser needed a particular token at this point, such as the `:` between a field's name and its value or the `=` of a validator declaration, and found something else. The message names both; the code frame points at what was found.",
  },
  E0101: {
    severity: "error",
    name: "unclosed-delimiter",
    message: msg`Expected ${"close"} to close ${"what"}, found ${"found"}.`,
    explanation:
      "Every `{`, `(`, `[` and `<` needs its partner. The related location shows where the open delimiter is. A missing `}` often shows up at the start of the next declaration: add it at the end of the block it belongs to.",
  },
  E0102: {
    severity: "error",
    name: "expected-declaration",
    message: msg`Expected a declaration, found ${"found"}.`,
    explanation:
      "At the top level of a file come imports (`import { … } from \"…\"`), an optional `universe`, and declarations: `record`, `enum`, `measurements`, `lattice`, `validator`, `organism`, `confluence` and `coalition`. Fields and members (`role: …`, `stream …`) belong inside a declaration's braces.",
  },
  E0103: {
    severity: "error",
    name: "expected-value",
    message: msg`Expected a value ${"where"}, found ${"found"}.`,
    explanation:
      "A value is a literal (`42`, `0.55`, `\"text\"`, `0x…`, `2s`, `30 ticks`, `true`), a name (`prophet`), a call (`pinned(prophet)`, `ReputationFloor(…)`), a record (`AgentContent { … }`), a list (`[a, b]`), or admission clauses joined with `&` and `|`. A name followed by `:` is not a value: it starts the next field, so the value before it is missing.",
  },
  E0104: {
    severity: "error",
    name: "expected-type",
    message: msg`Expected a type ${"where"}, found ${"found"}.`,
    explanation:
      "A type is a name, optionally with type arguments in angle brackets: `u32`, `string`, `digest`, `Forecast`, `list<u32>`, `option<string>`, `map<digest, MemberCard>`.",
  },
  E0105: {
    severity: "error",
    name: "expected-name",
    message: msg`Expected a name for ${"what"}, found ${"found"}.`,
    explanation:
      "Declarations, fields, streams and collections are named with an identifier: ASCII letters, digits and `_`, not starting with a digit. Write the name right after the keyword, e.g. `organism prophet { … }` or `stream forecasts: Forecast`.",
  },
  E0106: {
    severity: "error",
    name: "keyword-as-name",
    message: msg`${"keyword"} is a keyword and cannot be used as a name.`,
    explanation:
      "Keywords (`import`, `from`, `as`, `universe`, `record`, `enum`, `measurements`, `lattice`, `validator`, `organism`, `confluence`, `coalition`, `stream`, `collection`, `content`, `watchdog`, `heartbeat`, `on`, `every`, `ticks`, `true`, `false`) are reserved. Choose another name, for example by adding a suffix (`stream_`). Words such as `role`, `committee` or `atlas` are not keywords and may be used as names.",
  },
  E0107: {
    severity: "error",
    name: "unexpected-in-block",
    message: msg`Expected a member of ${"what"}, found ${"found"}.`,
    explanation:
      "Inside braces come members: fields (`name: value`), nested blocks (`committee { … }`), `stream` and `collection` declarations, `content`, `watchdog`, `heartbeat`, and in a `strategies` block names with optional arguments (`reputation(org, floor: 0.55)`). Members may be separated by commas or newlines. A record declaration holds `name: type` fields; an enum holds variants.",
  },
  E0108: {
    severity: "error",
    name: "missing-comma",
    message: msg`Expected ${"expected"} between ${"what"}, found ${"found"}.`,
    explanation:
      "Items inside `(…)`, `[…]` and `<…>` are separated by commas; a trailing comma is allowed. (Inside `{…}` commas are optional.)",
  },
  E0109: {
    severity: "error",
    name: "unexpected-token",
    message: msg`Did not expect ${"found"} ${"where"}.`,
    explanation:
      "The parser found a token that cannot appear at this point and skipped it. Remove it, or check the line above for an unfinished construct.",
  },
  W0001: {
    severity: "warning",
    name: "dangling-doc-comment",
    message: msg`This doc comment documents nothing.`,
    explanation:
      "Doc comments (`///`) attach to the declaration, field, variant or member that follows them, and flow into hover text and generated code. One that is followed by nothing documentable (the end of a block, an import, an expression) is dropped. Move it in front of what it describes, or make it an ordinary comment with `//`.",
  },
} as const satisfies Record<string, CatalogueEntry<any>>;

export type SyntaxCode = keyof typeof syntaxCatalogue;

export const syntaxDiagnostic = diagnosticFactory(syntaxCatalogue);
