// Input generators for the fuzzer: random .coal files built from the grammar (with random
// whitespace and comments between tokens), and random mutations of the test corpora.
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { keywordNames } from "@coal/language";
import { coalFiles, repoRoot, sharedRoot } from "../support/files.js";

type Tokens = string[];

const keywords = new Set<string>(keywordNames);
const names = ["prophet", "market", "acc", "a", "b", "x_1", "role", "instance", "committee", "atlas", "members", "tdx", "fee", "window", "ticks_", "Forecast", "AgentContent", "InAtlas"];
const name = fc.oneof(fc.constantFrom(...names), fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/).filter((word) => !keywords.has(word)));
const typeName = fc.constantFrom("u8", "u32", "u64", "i64", "string", "bytes", "digest", "measurement", "decimal", "duration", "bool", "Forecast", "EvidencePointer");

const hexDigits = (count: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${count}}$`));
const literal: fc.Arbitrary<Tokens> = fc.oneof(
  fc.integer({ min: -1000, max: 1_000_000 }).map((n) => [String(n)]),
  fc.constantFrom("1_000", "0x2a", "0xffff_ffff", "0", "-0").map((t) => [t]),
  fc.tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 9999 })).map(([a, b]) => [`${a}.${b}`]),
  fc.constantFrom("500ms", "2s", "5m", "1h", "7d", "1h30m").map((t) => [t]),
  fc.integer({ min: 0, max: 100 }).map((n) => [String(n), "ticks"]),
  fc.constantFrom("true", "false").map((t) => [t]),
  fc.string({ maxLength: 12 }).map((s) => [JSON.stringify(s).replace(/\\u([0-9a-f]{4})/g, "\\u{$1}").replace(/\\[bf]/g, "")]),
  fc.constantFrom('"tab\\t quote\\" \\\\ \\u{1F600}"', '"prophète 予言"', '""').map((t) => [t]),
  hexDigits(64).map((h) => ["0x" + h]),
  hexDigits(96).map((h) => ["0x" + h]),
);

const type: fc.Arbitrary<Tokens> = fc.letrec<{ type: Tokens }>((tie) => ({
  type: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    typeName.map((t) => [t]),
    fc.tuple(fc.constantFrom("list", "option", "set"), tie("type")).map(([t, inner]) => [t, "<", ...inner, ">"]),
    fc.tuple(tie("type"), tie("type")).map(([k, v]) => ["map", "<", ...k, ",", ...v, ">"]),
  ),
})).type;

const { expr } = fc.letrec<{ expr: Tokens; primary: Tokens; args: Tokens }>((tie) => ({
  primary: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    literal,
    name.map((n) => [n]),
    fc.tuple(name, name).map(([a, b]) => [a, ".", b]),
    fc.tuple(name, tie("args")).map(([callee, args]) => [callee, "(", ...args, ")"]),
    fc.tuple(name, fc.array(fc.tuple(name, tie("expr")), { maxLength: 3 })).map(([type, fields]) => [type, "{", ...fields.flatMap(([field, value]) => [field, ":", ...value]), "}"]),
    fc.array(tie("expr"), { maxLength: 3 }).map((items) => ["[", ...items.flatMap((item, index) => (index > 0 ? [",", ...item] : item)), "]"]),
    tie("expr").map((inner) => ["(", ...inner, ")"]),
  ),
  expr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    tie("primary"),
    fc.tuple(tie("primary"), fc.array(fc.tuple(fc.constantFrom("&", "|"), tie("primary")), { minLength: 1, maxLength: 3 })).map(([first, rest]) => [
      ...first,
      ...rest.flatMap(([op, operand]) => [op, ...operand]),
    ]),
  ),
  args: fc.array(fc.tuple(fc.option(name, { nil: undefined }), tie("expr")), { maxLength: 3 }).map((args) =>
    args.flatMap(([argName, value], index) => [...(index > 0 ? [","] : []), ...(argName === undefined ? [] : [argName, ":"]), ...value]),
  ),
}));

const { entry } = fc.letrec<{ entry: Tokens; block: Tokens }>((tie) => ({
  block: fc.array(tie("entry"), { maxLength: 4 }).map((entries) => ["{", ...entries.flat(), "}"]),
  entry: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.tuple(name, expr).map(([n, value]) => [n, ":", ...value]),
    fc.tuple(name, tie("block")).map(([n, body]) => [n, ...body]),
    fc.tuple(name, fc.option(fc.array(expr, { maxLength: 2 }), { nil: undefined })).map(([n, args]) =>
      args === undefined ? [n] : [n, "(", ...args.flatMap((arg, index) => (index > 0 ? [",", ...arg] : arg)), ")"],
    ),
    fc.tuple(fc.constantFrom("stream", "collection"), name, type).map(([keyword, n, t]) => [keyword, n, ":", ...t]),
    expr.map((value) => ["content", ":", ...value]),
    fc.array(fc.tuple(name, fc.option(type, { nil: undefined }), expr), { maxLength: 3 }).map((fields) => [
      "content",
      "{",
      ...fields.flatMap(([n, t, value]) => (t === undefined ? [n, ":", ...value] : [n, ":", ...t, "=", ...value])),
      "}",
    ]),
    fc.tuple(name, fc.option(tie("block"), { nil: undefined })).map(([n, body]) => ["watchdog", n, ...(body ?? [])]),
    fc.tuple(name, expr).map(([target, period]) => ["heartbeat", "on", target, "every", ...period]),
  ),
}));

const field = fc.tuple(name, type).map(([n, t]) => [n, ":", ...t]);
const declaration: fc.Arbitrary<Tokens> = fc.oneof(
  fc.tuple(fc.array(fc.tuple(name, fc.option(name, { nil: undefined })), { maxLength: 3 }), fc.constantFrom('"std/types"', '"./other.coal"')).map(([imported, path]) => [
    "import",
    "{",
    ...imported.flatMap(([n, alias], index) => [...(index > 0 ? [","] : []), n, ...(alias === undefined ? [] : ["as", alias])]),
    "}",
    "from",
    path,
  ]),
  expr.map((value) => ["universe", ...value]),
  fc.tuple(name, fc.array(field, { maxLength: 4 }), fc.boolean()).map(([n, fields, commas]) => ["record", n, "{", ...fields.flatMap((f) => (commas ? [...f, ","] : f)), "}"]),
  fc.tuple(name, fc.array(fc.tuple(name, fc.option(fc.array(field, { maxLength: 2 }), { nil: undefined })), { maxLength: 4 })).map(([n, variants]) => [
    "enum",
    n,
    "{",
    ...variants.flatMap(([variant, fields], index) => [
      ...(index > 0 ? [","] : []),
      variant,
      ...(fields === undefined ? [] : ["(", ...fields.flatMap((f, i) => (i > 0 ? [",", ...f] : f)), ")"]),
    ]),
    "}",
  ]),
  fc.tuple(name, expr).map(([n, value]) => ["validator", n, "=", ...value]),
  fc
    .tuple(fc.constantFrom("measurements", "lattice", "organism", "confluence", "coalition"), name, fc.array(entry, { maxLength: 6 }))
    .map(([keyword, n, entries]) => [keyword, n, "{", ...entries.flat(), "}"]),
);

const separators = [" ", " ", " ", "\n", "\n  ", "\n\n", "\t", " /* c */ ", " // note\n", "\n// own line\n", "\n/// doc\n", "\r\n", "/**/"];

/** A whole file: declarations, with a random separator between every two tokens. */
export const generatedFile: fc.Arbitrary<string> = fc
  .tuple(fc.array(declaration, { maxLength: 5 }), fc.infiniteStream(fc.nat({ max: separators.length - 1 })))
  .map(([declarations, picks]) => {
    const iterator = picks[Symbol.iterator]();
    let text = "";
    for (const token of declarations.flat()) {
      text += token + separators[iterator.next().value as number]!;
    }
    return text;
  });

// ---------------------------------------------------------------------------------------------
// Mutations of the corpora

const corpus = [
  ...coalFiles(join(repoRoot, "test/parser/ok")),
  ...coalFiles(join(repoRoot, "test/parser/err")),
  join(sharedRoot, "testdata/golden/forecasters.coal"),
].map((path) => readFileSync(path, "utf8"));

const insertions = [
  "{", "}", "(", ")", "[", "]", "<", ">", ",", ":", "=", "&", "|", ".", '"', "'", "/*", "*/", "//", "///", "\n", " ", "0x", "0x" + "a".repeat(64),
  "1", "-", "_", "e", "\\", "\\u{", "é", "“", "”", "…", "\u0000", "\u200b", "\uFEFF", "🙂", ...keywordNames,
];

type Mutation =
  | { kind: "delete"; at: number; length: number }
  | { kind: "insert"; at: number; text: string }
  | { kind: "duplicate"; at: number; length: number; to: number }
  | { kind: "truncate"; at: number }
  | { kind: "swap"; a: number; b: number; length: number };

const fraction = fc.double({ min: 0, max: 1, noNaN: true });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fraction, length: fc.integer({ min: 1, max: 12 }) }).map((m) => ({ ...m, at: m.at })),
  fc.record({ kind: fc.constant("insert" as const), at: fraction, text: fc.oneof(fc.constantFrom(...insertions), fc.string({ maxLength: 3 })) }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fraction, length: fc.integer({ min: 1, max: 40 }), to: fraction }),
  fc.record({ kind: fc.constant("truncate" as const), at: fraction }),
  fc.record({ kind: fc.constant("swap" as const), a: fraction, b: fraction, length: fc.integer({ min: 1, max: 20 }) }),
) as fc.Arbitrary<Mutation>;

function apply(text: string, change: Mutation): string {
  const position = (f: number) => Math.floor(f * text.length);
  switch (change.kind) {
    case "delete": {
      const at = position(change.at);
      return text.slice(0, at) + text.slice(at + change.length);
    }
    case "insert": {
      const at = position(change.at);
      return text.slice(0, at) + change.text + text.slice(at);
    }
    case "duplicate": {
      const at = position(change.at);
      const piece = text.slice(at, at + change.length);
      const to = position(change.to);
      return text.slice(0, to) + piece + text.slice(to);
    }
    case "truncate":
      return text.slice(0, position(change.at));
    case "swap": {
      const [a, b] = [position(change.a), position(change.b)].sort((x, y) => x - y) as [number, number];
      const length = Math.min(change.length, Math.max(0, b - a));
      return text.slice(0, a) + text.slice(b, b + length) + text.slice(a + length, b) + text.slice(a, a + length) + text.slice(b + length);
    }
  }
}

/** A corpus file with a few random mutations. */
export const mutatedFile: fc.Arbitrary<string> = fc
  .tuple(fc.nat({ max: corpus.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([index, changes]) => changes.reduce(apply, corpus[index]!));
