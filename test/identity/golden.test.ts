// The shared golden vectors of spec 02 (../shared/testdata/golden/identity.json, read in place and
// never copied into the repository), each checked byte for byte by its own test. A vector is
// mapped to a computation by its name; a name no rule knows fails, so a vector added to the shared
// file is never skipped silently. A failing vector prints our derivation tree and the expected hex.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  admissionSignature,
  derive,
  encode,
  explain,
  fromHex,
  id,
  instanceId,
  list,
  map,
  marketSettlement,
  openSignature,
  option,
  parseDecimal,
  primitive,
  primitiveNames,
  reputationFloor,
  set,
  tdx,
  toHex,
  typeId,
  typeToString,
  type Admission,
  type Bytes,
  type Derivation,
  type EnumType,
  type PrimitiveName,
  type RecordType,
  type Type,
  type Value,
} from "@coal/runtime/identity";
import { sharedRoot } from "../support/files.js";
import { componentRef, retirementPolicy, successorPolicy } from "../support/std-types.js";

interface Vector {
  readonly name: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly expect: string;
}

/** What our side computed: the bytes, and how (a derivation tree, or an encoding's description). */
interface Outcome {
  readonly bytes: Bytes;
  readonly derivation?: Derivation;
  readonly description?: string;
}

const vectorsPath = join(sharedRoot, "testdata/golden/identity.json");
const file = JSON.parse(readFileSync(vectorsPath, "utf8")) as { readonly vectors: readonly Vector[] };

/** Vectors that need the standard library's types; the compiler's tests check them. */
function isExcluded(name: string): boolean {
  return name.startsWith("SCHEMA(") || name.startsWith("TYPEID(map<digest, MemberCard>)");
}

// ---- inputs ---------------------------------------------------------------------------------

/** The inputs each vector's rule has read, so an input no rule reads fails instead of being ignored. */
const read = new WeakMap<Vector, Set<string>>();

function input(vector: Vector, key: string): unknown {
  if (!(key in vector.inputs)) throw new Error(`vector ${JSON.stringify(vector.name)} has no input ${JSON.stringify(key)}`);
  let keys = read.get(vector);
  if (keys === undefined) read.set(vector, (keys = new Set()));
  keys.add(key);
  return vector.inputs[key];
}
function stringInput(vector: Vector, key: string): string {
  const value = input(vector, key);
  if (typeof value !== "string") throw new Error(`vector ${JSON.stringify(vector.name)}: input ${key} is not a string`);
  return value;
}
function integerInput(vector: Vector, key: string): bigint {
  const value = input(vector, key);
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === "string" && /^-?\d+$/.test(value)) return BigInt(value);
  throw new Error(`vector ${JSON.stringify(vector.name)}: input ${key} is not an integer`);
}
function hasInput(vector: Vector, key: string): boolean {
  return key in vector.inputs;
}

// ---- types of spec 06, built by hand --------------------------------------------------------

/** `list<u32>`, `map<string, option<u8>>`: primitives and their generic forms (no named types). */
function parseType(source: string): Type {
  let at = 0;
  const skip = () => {
    while (source[at] === " ") at++;
  };
  const word = (): string => {
    skip();
    const match = /^[a-z0-9_]+/i.exec(source.slice(at));
    if (match === null) throw new Error(`a type name expected at ${at} in ${JSON.stringify(source)}`);
    at += match[0].length;
    return match[0];
  };
  const punct = (c: string) => {
    skip();
    if (source[at] !== c) throw new Error(`${JSON.stringify(c)} expected at ${at} in ${JSON.stringify(source)}`);
    at++;
  };
  const parse = (): Type => {
    const name = word();
    if (name === "list" || name === "option" || name === "set") {
      punct("<");
      const element = parse();
      punct(">");
      return name === "list" ? list(element) : name === "option" ? option(element) : set(element);
    }
    if (name === "map") {
      punct("<");
      const key = parse();
      punct(",");
      const value = parse();
      punct(">");
      return map(key, value);
    }
    if ((primitiveNames as readonly string[]).includes(name)) return primitive(name as PrimitiveName);
    throw new Error(`type ${name} is not built in (named types need the standard library)`);
  };
  const type = parse();
  skip();
  if (at !== source.length) throw new Error(`trailing text in type ${JSON.stringify(source)}`);
  return type;
}

// ---- admission leaves and expressions --------------------------------------------------------

function byName(name: string): Vector {
  const vector = file.vectors.find((v) => v.name === name);
  if (vector === undefined) throw new Error(`the vectors file has no vector ${JSON.stringify(name)}`);
  return vector;
}

function reputationFloorOf(vector: Vector): Derivation {
  return reputationFloor({ stableId: instanceId(stringInput(vector, "org_instance")) }, parseDecimal(stringInput(vector, "floor")), integerInput(vector, "window_ticks"));
}
function marketSettlementOf(vector: Vector): Derivation {
  return marketSettlement({ stableId: instanceId(stringInput(vector, "org_instance")) });
}
function tdxOf(vector: Vector): Derivation {
  return tdx({
    ...(hasInput(vector, "mrtd") ? { baseline: { mrtd: fromHex(stringInput(vector, "mrtd")) } } : {}),
    ...(hasInput(vector, "max_age_secs") ? { maxAgeMs: integerInput(vector, "max_age_secs") * 1000n } : {}),
  });
}

/**
 * The leaves an `expr` input names. The vectors file does not restate their inputs: each is the
 * leaf of the single-leaf vector of that kind (for `Tdx`, the one with a baseline and a max age,
 * as in the golden scenario).
 */
const expressionLeaves: Readonly<Record<string, () => Derivation>> = {
  ReputationFloor: () => reputationFloorOf(byName("acl ReputationFloor")),
  MarketSettlement: () => marketSettlementOf(byName("acl MarketSettlement")),
  Tdx: () => tdxOf(byName("acl Tdx(baseline mrtd, max_age 1h)")),
};

/** `A & (B | C)`: `&` binds tighter than `|` (spec 03). */
function parseAdmission(source: string, leaves: Readonly<Record<string, () => Derivation>>): Admission {
  const tokens = source.match(/[A-Za-z_][A-Za-z0-9_]*|[&|()]|\S/g) ?? [];
  let at = 0;
  const peek = () => tokens[at];
  const next = () => {
    const token = tokens[at++];
    if (token === undefined) throw new Error(`unexpected end of ${JSON.stringify(source)}`);
    return token;
  };
  const primary = (): Admission => {
    const token = next();
    if (token === "(") {
      const inner = anyOf();
      if (next() !== ")") throw new Error(`")" expected in ${JSON.stringify(source)}`);
      return inner;
    }
    const leaf = leaves[token];
    if (leaf === undefined) throw new Error(`unknown admission leaf ${JSON.stringify(token)} in ${JSON.stringify(source)}`);
    return { kind: "leaf", signature: leaf(), text: token };
  };
  const binary = (kind: "all" | "any", operator: string, operand: () => Admission) => (): Admission => {
    const operands = [operand()];
    while (peek() === operator) {
      at++;
      operands.push(operand());
    }
    return operands.length === 1 ? operands[0]! : { kind, operands };
  };
  const allOf = binary("all", "&", primary);
  const anyOf = binary("any", "|", allOf);
  const expression = anyOf();
  if (at !== tokens.length) throw new Error(`trailing ${JSON.stringify(tokens[at])} in ${JSON.stringify(source)}`);
  return expression;
}

// ---- the rules: vector name → computation ------------------------------------------------------

function derived(derivation: Derivation): Outcome {
  return { bytes: derivation.digest, derivation };
}
function encoded(type: Type, value: Value, shown: string): Outcome {
  const bytes = encode(type, value);
  return { bytes, description: `enc(${typeToString(type)}) of ${shown} = ${toHex(bytes)}` };
}

interface Rule {
  readonly pattern: RegExp;
  readonly compute: (vector: Vector, match: RegExpExecArray) => Outcome;
}

const rules: readonly Rule[] = [
  {
    pattern: /^id of /,
    compute: (v) => {
      const s = stringInput(v, "s");
      const digest = id(s);
      return { bytes: digest, description: `id(${JSON.stringify(s)}) = ${toHex(digest)} (${/^[0-9a-f]{64}$/i.test(s) ? "64 hex digits: their bytes" : "H(text(s))"})` };
    },
  },
  {
    pattern: /^derive$/,
    compute: (v) => {
      const parent = fromHex(stringInput(v, "parent"));
      const info = stringInput(v, "info");
      const digest = derive(parent, info);
      return { bytes: digest, description: `derive(${toHex(parent)}, text(${JSON.stringify(info)})) = H(${toHex(parent)} ‖ ${toHex(new TextEncoder().encode(info.normalize("NFC")))}) = ${toHex(digest)}` };
    },
  },
  {
    pattern: /^instance id$/,
    compute: (v) => derived(hasInput(v, "universe") ? instanceId(stringInput(v, "name"), fromHex(stringInput(v, "universe"))) : instanceId(stringInput(v, "name"))),
  },
  {
    pattern: /^enc decimal /,
    compute: (v) => {
      const text = stringInput(v, "decimal");
      const value = parseDecimal(text);
      return encoded(primitive("decimal"), value, `${text} (canonical mantissa ${value.mantissa}, scale ${value.scale})`);
    },
  },
  {
    pattern: /^enc string/,
    compute: (v) => {
      const s = stringInput(v, "string");
      return encoded(primitive("string"), s, JSON.stringify(s));
    },
  },
  {
    pattern: /^enc set/,
    compute: (v) => {
      const elements = input(v, "set_of_u32");
      if (!Array.isArray(elements)) throw new Error("set_of_u32 is not a list");
      const values = elements.map((e: unknown) => {
        if (typeof e !== "number" || !Number.isSafeInteger(e)) throw new Error(`set element ${String(e)} is not an integer`);
        return BigInt(e);
      });
      return encoded(set(primitive("u32")), values, `[${values.join(", ")}]`);
    },
  },
  {
    pattern: /^enc RetirementPolicy\b/,
    compute: (v) => {
      const notice = integerInput(v, "notice_ms");
      return encoded(retirementPolicy, { fields: [notice] }, `RetirementPolicy { notice: ${notice} ms }`);
    },
  },
  {
    pattern: /^enc ComponentRef\b/,
    compute: (v) => {
      const stable = stringInput(v, "stable_id");
      const hash = hasInput(v, "content_hash") ? stringInput(v, "content_hash") : undefined;
      const value = { fields: [fromHex(stable), hash === undefined ? null : { some: fromHex(hash) }] };
      return encoded(componentRef, value, `ComponentRef { stable_id: ${stable}, content_hash: ${hash ?? "none"} }`);
    },
  },
  {
    pattern: /^enc SuccessorPolicy::(\w+)$/,
    compute: (_v, match) => {
      const variant = successorPolicy.variants.findIndex((candidate) => candidate.name === match[1]);
      if (variant < 0) throw new Error(`SuccessorPolicy has no variant ${match[1]}`);
      if (successorPolicy.variants[variant]!.fields.length > 0) throw new Error(`SuccessorPolicy::${match[1]} has a payload the vector does not give`);
      return encoded(successorPolicy, { variant, fields: [] }, `SuccessorPolicy::${match[1]} (variant ${variant})`);
    },
  },
  { pattern: /^TYPEID\((.+)\)$/, compute: (v) => derived(typeId(parseType(stringInput(v, "type")))) },
  { pattern: /^acl open$/, compute: () => derived(openSignature()) },
  { pattern: /^acl ReputationFloor$/, compute: (v) => derived(reputationFloorOf(v)) },
  { pattern: /^acl MarketSettlement$/, compute: (v) => derived(marketSettlementOf(v)) },
  { pattern: /^acl Tdx(\(|::new\(\))/, compute: (v) => derived(tdxOf(v)) },
  { pattern: /^acl .*[&|]/, compute: (v) => derived(admissionSignature(parseAdmission(stringInput(v, "expr"), expressionLeaves))) },
];

/** Our side of a vector; throws for a name no rule knows. */
function compute(vector: Vector): Outcome {
  const matching = rules.flatMap((rule) => {
    const match = rule.pattern.exec(vector.name);
    return match === null ? [] : [{ rule, match }];
  });
  if (matching.length === 0) {
    throw new Error(`no rule computes the golden vector ${JSON.stringify(vector.name)}: add one to test/identity/golden.test.ts (or exclude it with the reason)`);
  }
  if (matching.length > 1) throw new Error(`the golden vector ${JSON.stringify(vector.name)} matches ${matching.length} rules`);
  const [{ rule, match }] = matching as [{ rule: Rule; match: RegExpExecArray }];
  read.delete(vector);
  const outcome = rule.compute(vector, match);
  const unread = Object.keys(vector.inputs).filter((key) => !(read.get(vector)?.has(key) ?? false));
  if (unread.length > 0) throw new Error(`the rule for golden vector ${JSON.stringify(vector.name)} ignores its input(s) ${unread.join(", ")}: extend the rule in test/identity/golden.test.ts`);
  return outcome;
}

/** The failure report: the vector, the expected hex, ours, and how we derived ours. */
function report(vector: Vector, outcome: Outcome): string {
  const how = outcome.derivation !== undefined ? explain(outcome.derivation) : `${outcome.description ?? "(no derivation)"}\n`;
  return [
    `golden vector ${JSON.stringify(vector.name)} (${vectorsPath})`,
    `inputs:   ${JSON.stringify(vector.inputs)}`,
    `expected: ${vector.expect}`,
    `actual:   ${toHex(outcome.bytes)}`,
    "our derivation:",
    how,
  ].join("\n");
}

function check(vector: Vector): void {
  const outcome = compute(vector);
  expect(toHex(outcome.bytes), report(vector, outcome)).toBe(vector.expect.toLowerCase());
}

describe("golden identity vectors (shared)", () => {
  it("the vectors file has vectors, each with a name, inputs and a hex expectation", () => {
    expect(file.vectors.length).toBeGreaterThan(0);
    for (const vector of file.vectors) {
      expect(typeof vector.name, JSON.stringify(vector)).toBe("string");
      expect(typeof vector.inputs, vector.name).toBe("object");
      expect(vector.expect, vector.name).toMatch(/^([0-9a-fA-F]{2})+$/);
    }
    expect(new Set(file.vectors.map((v) => v.name)).size, "vector names are unique").toBe(file.vectors.length);
  });

  for (const vector of file.vectors) {
    if (isExcluded(vector.name)) continue;
    it(vector.name, () => check(vector));
  }
});

describe("the golden harness itself", () => {
  it("fails a vector whose name no rule knows", () => {
    expect(() => compute({ name: "acl Jwt(issuer)", inputs: {}, expect: "00" })).toThrow(/no rule computes the golden vector "acl Jwt\(issuer\)"/);
  });

  it("fails a vector with an input its rule would ignore", () => {
    const vector = byName("acl Tdx(baseline mrtd, max_age 1h)");
    expect(() => compute({ ...vector, inputs: { ...vector.inputs, rtmr0: "00".repeat(48) } })).toThrow(/ignores its input\(s\) rtmr0/);
  });

  it("a failing vector prints our derivation tree and the expected hex", () => {
    const vector = byName("acl A | B");
    const wrong = "00".repeat(32);
    let message = "";
    try {
      check({ ...vector, expect: wrong });
    } catch (error) {
      message = String(error);
    }
    const outcome = compute(vector);
    expect(message).toContain(wrong);
    expect(message).toContain(explain(outcome.derivation!).trimEnd());
    expect(message).toContain("ReputationFloor");
    expect(message).toContain("MarketSettlement");
  });

  it("a failing encoding vector prints our bytes and what they encode", () => {
    const vector = byName("enc decimal -0.050");
    let message = "";
    try {
      check({ ...vector, expect: "ff" });
    } catch (error) {
      message = String(error);
    }
    expect(message).toContain("expected: ff");
    expect(message).toContain("canonical mantissa -5, scale 2");
  });

  it("parses admission expressions with & binding tighter than |", () => {
    const leaf = (name: string) => (): Derivation => ({ label: name, rule: "id", parts: [], digest: id(name) });
    const leaves = { A: leaf("a"), B: leaf("b"), C: leaf("c") };
    const shape = (e: Admission): string => (e.kind === "leaf" ? e.text ?? "?" : `${e.kind}(${e.operands.map(shape).join(",")})`);
    expect(shape(parseAdmission("A | B & C", leaves))).toBe("any(A,all(B,C))");
    expect(shape(parseAdmission("(A | B) & C", leaves))).toBe("all(any(A,B),C)");
    expect(shape(parseAdmission("A & (B & C)", leaves))).toBe("all(A,all(B,C))");
  });
});
