// What a user of fingerprints would notice (spec 02): canonical encodings that ignore how a value
// was written, admission signatures equal for equivalent expressions, Tdx signatures exactly as
// mosaik makes them, fingerprints that move when a folded input moves and only then, and
// `explain` trees that show every part. Properties run at most 200 cases each.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { successorPolicy } from "../support/std-types.js";
import {
  admissionSignature,
  coalitionId,
  concat,
  H,
  coalitionName,
  coalitionRoot,
  confluenceFingerprint,
  criteria,
  encode,
  explain,
  freshness,
  fromHex,
  id,
  IdentityError,
  instanceId,
  issuer,
  list,
  map,
  marketSettlement,
  moduleFingerprint,
  openSignature,
  option,
  organismContentHash,
  parseDecimal,
  primitive,
  reputationFloor,
  set,
  storeId,
  streamId,
  surfaceId,
  tdx,
  ticketIssuerFingerprint,
  toHex,
  typeId,
  type Admission,
  type Bytes,
  type CitizenConfig,
  type CitizenRef,
  type CoalitionMembers,
  type CollectionKind,
  type Decimal,
  type Derivation,
  type EnumType,
  type MeasurementsCriteria,
  type PrimitiveName,
  type RecordType,
  type SurfaceItem,
  type Type,
  type Value,
} from "@coal/runtime/identity";

const runs = { numRuns: 200 } as const;
const fewRuns = { numRuns: 100 } as const;

const hex = (bytes: Bytes): string => toHex(bytes);
const enc = (type: Type, value: Value): string => hex(encode(type, value));
const dec = (text: string): Decimal => parseDecimal(text);
const u32 = primitive("u32");
const digest = (seed: string): Bytes => id(seed);
const measurement = (byte: number): Bytes => new Uint8Array(48).fill(byte);

/** A deterministic shuffle driven by fast-check's seed. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

// ---- CE1 ------------------------------------------------------------------------------------

describe("CE1: decimals are canonical", () => {
  it("0.60 and 0.6 encode equally, as do 2.0 and 2, and a non-canonical (mantissa, scale) pair", () => {
    const decimal = primitive("decimal");
    expect(enc(decimal, dec("0.60"))).toBe(enc(decimal, dec("0.6")));
    expect(enc(decimal, dec("2.0"))).toBe(enc(decimal, dec("2")));
    expect(enc(decimal, { mantissa: 600n, scale: 3 })).toBe(enc(decimal, dec("0.6")));
    expect(enc(decimal, dec("0.6"))).toBe("060000000000000001");
  });

  it("zero, however written, is (0, 0)", () => {
    for (const text of ["0", "0.0", "0.000", "-0", "-0.00", "00.0"]) {
      expect(dec(text), text).toEqual({ mantissa: 0n, scale: 0 });
      expect(enc(primitive("decimal"), dec(text)), text).toBe("000000000000000000");
    }
    expect(enc(primitive("decimal"), { mantissa: 0n, scale: 7 })).toBe("000000000000000000");
  });

  it("two decimals encode equally exactly when they are the same number", () => {
    const decimal = fc.record({ mantissa: fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), scale: fc.integer({ min: 0, max: 6 }) });
    fc.assert(
      fc.property(decimal, decimal, (a, b) => {
        const same = a.mantissa * 10n ** BigInt(b.scale) === b.mantissa * 10n ** BigInt(a.scale);
        expect(enc(primitive("decimal"), a) === enc(primitive("decimal"), b)).toBe(same);
      }),
      runs,
    );
  });

  it("trailing zeros never change the encoding", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }), (mantissa, scale, zeros) => {
        const written = { mantissa: mantissa * 10n ** BigInt(zeros), scale: scale + zeros };
        expect(enc(primitive("decimal"), written)).toBe(enc(primitive("decimal"), { mantissa, scale }));
      }),
      runs,
    );
  });

  it("more than 18 digits after the point is an error", () => {
    expect(() => dec("0.0000000000000000001")).toThrow(IdentityError);
    expect(() => encode(primitive("decimal"), { mantissa: 1n, scale: 19 })).toThrow(IdentityError);
    // 18 is allowed, and trailing zeros beyond 18 do not count.
    expect(enc(primitive("decimal"), dec("0.000000000000000001"))).toBe("010000000000000012");
    expect(enc(primitive("decimal"), dec("0.1000000000000000000000"))).toBe(enc(primitive("decimal"), dec("0.1")));
  });

  it("a mantissa outside i64 is an error", () => {
    const decimal = primitive("decimal");
    expect(enc(decimal, dec("9223372036854775807"))).toBe("ffffffffffffff7f00");
    expect(enc(decimal, dec("-9223372036854775808"))).toBe("000000000000008000");
    expect(() => encode(decimal, dec("9223372036854775808"))).toThrow(IdentityError);
    expect(() => encode(decimal, dec("-9223372036854775809"))).toThrow(IdentityError);
    expect(() => encode(decimal, dec("92233720368547758.08"))).toThrow(IdentityError);
    // ...but a long literal whose canonical form fits is fine.
    expect(enc(decimal, dec("0.50000000000000000000"))).toBe(enc(decimal, dec("0.5")));
  });

  it("a text that is not a decimal is an error", () => {
    for (const text of ["", "1.", ".5", "1e3", "0x10", "1.2.3", "--1"]) expect(() => dec(text), text).toThrow(IdentityError);
  });
});

describe("CE1: integers have fixed widths and ranges", () => {
  const widths: readonly [PrimitiveName, number, boolean][] = [
    ["u8", 1, false],
    ["u16", 2, false],
    ["u32", 4, false],
    ["u64", 8, false],
    ["i8", 1, true],
    ["i16", 2, true],
    ["i32", 4, true],
    ["i64", 8, true],
  ];

  it("the edges: u8 256, i8 -129, u64 2^64 and negative unsigned values throw", () => {
    expect(() => encode(primitive("u8"), 256n)).toThrow(IdentityError);
    expect(() => encode(primitive("u8"), -1n)).toThrow(IdentityError);
    expect(() => encode(primitive("i8"), -129n)).toThrow(IdentityError);
    expect(() => encode(primitive("i8"), 128n)).toThrow(IdentityError);
    expect(() => encode(primitive("u64"), 2n ** 64n)).toThrow(IdentityError);
    expect(() => encode(primitive("duration"), -1n)).toThrow(IdentityError);
    expect(enc(primitive("u8"), 255n)).toBe("ff");
    expect(enc(primitive("i8"), -128n)).toBe("80");
    expect(enc(primitive("i16"), -2n)).toBe("feff");
    expect(enc(primitive("u64"), 2n ** 64n - 1n)).toBe("ffffffffffffffff");
    expect(enc(primitive("u32"), 0x01020304n)).toBe("04030201");
  });

  it("a value in range is its little-endian two's complement; one out of range throws", () => {
    for (const [name, bytes, signed] of widths) {
      const bits = BigInt(bytes * 8);
      const min = signed ? -(1n << (bits - 1n)) : 0n;
      const max = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
      fc.assert(
        fc.property(fc.bigInt({ min: min - 1000n, max: max + 1000n }), (value) => {
          if (value < min || value > max) {
            expect(() => encode(primitive(name), value)).toThrow(IdentityError);
            return;
          }
          const out = encode(primitive(name), value);
          expect(out.length).toBe(bytes);
          let decoded = 0n;
          for (let i = bytes - 1; i >= 0; i--) decoded = (decoded << 8n) | BigInt(out[i]!);
          expect(signed ? BigInt.asIntN(bytes * 8, decoded) : decoded).toBe(value);
        }),
        { numRuns: 50 },
      );
    }
  });

  it("a number is not an integer value (no IEEE floats in a preimage)", () => {
    expect(() => encode(primitive("u32"), 1 as unknown as Value)).toThrow(IdentityError);
  });
});

describe("CE1: sets and maps", () => {
  it("set element order never changes the encoding", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }), { maxLength: 12 }), fc.integer(), (elements, seed) => {
        expect(enc(set(u32), shuffled(elements, seed))).toBe(enc(set(u32), elements));
      }),
      runs,
    );
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ maxLength: 6 }), { maxLength: 8, selector: (s) => s.normalize("NFC") }), fc.integer(), (elements, seed) => {
        expect(enc(set(primitive("string")), shuffled(elements, seed))).toBe(enc(set(primitive("string")), elements));
      }),
      runs,
    );
  });

  it("set elements are sorted by their encoded bytes, not by their value", () => {
    // u32 256 is 00010000, 1 is 01000000: 256 comes first.
    expect(enc(set(u32), [1n, 256n])).toBe("02000000" + "00010000" + "01000000");
    // A string's length prefix comes first: "b" sorts before "aa".
    expect(enc(set(primitive("string")), ["aa", "b"])).toBe("02000000" + "0100000062" + "020000006161");
  });

  it("a set with duplicate elements is an error, including duplicates after canonicalisation", () => {
    expect(() => encode(set(u32), [3n, 1n, 3n])).toThrow(IdentityError);
    expect(() => encode(set(primitive("decimal")), [dec("0.6"), { mantissa: 60n, scale: 2 }])).toThrow(IdentityError);
    // "é" precomposed and decomposed are one string after NFC.
    expect(() => encode(set(primitive("string")), ["\u00e9", "e\u0301"])).toThrow(IdentityError);
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 100n }), { minLength: 1, maxLength: 8 }), fc.nat(), (elements, pick) => {
        const duplicate = elements[pick % elements.length]!;
        expect(() => encode(set(u32), [...elements, duplicate])).toThrow(IdentityError);
      }),
      fewRuns,
    );
  });

  it("map entries are sorted by encoded key, whatever the order given", () => {
    const m = map(primitive("string"), primitive("u8"));
    expect(
      enc(m, [
        ["aa", 2n],
        ["b", 1n],
      ]),
    ).toBe("02000000" + "0100000062" + "01" + "020000006161" + "02");
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }), fc.bigInt({ min: 0n, max: 255n })), { maxLength: 10, selector: ([k]) => k }), fc.integer(), (entries, seed) => {
        const type = map(u32, primitive("u8"));
        const sorted = [...entries].sort((a, b) => (hex(encode(u32, a[0])) < hex(encode(u32, b[0])) ? -1 : 1));
        const expected = hex(encode(u32, BigInt(entries.length))) + sorted.map(([k, v]) => hex(encode(u32, k)) + hex(encode(primitive("u8"), v))).join("");
        expect(enc(type, shuffled(entries, seed))).toBe(expected);
      }),
      runs,
    );
  });

  it("duplicate map keys are an error, even with different values", () => {
    const m = map(primitive("string"), u32);
    expect(() =>
      encode(m, [
        ["k", 1n],
        ["k", 2n],
      ]),
    ).toThrow(IdentityError);
    expect(() =>
      encode(m, [
        ["k", 1n],
        ["k", 1n],
      ]),
    ).toThrow(IdentityError);
    expect(() =>
      encode(m, [
        ["\u00e9", 1n],
        ["e\u0301", 2n],
      ]),
    ).toThrow(IdentityError);
  });
});

describe("CE1: records and enums", () => {
  const base: RecordType = { kind: "record", name: "Quote", fields: [{ name: "price", type: u32 }] };
  const extended = (extra: number): RecordType => ({
    kind: "record",
    name: "Quote",
    fields: [...base.fields, ...Array.from({ length: extra }, (_, i) => ({ name: `note${i}`, type: option(primitive("string")) }))],
  });

  it("appending optional fields left unset does not change the encoding; setting one does", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }), fc.integer({ min: 1, max: 4 }), fc.boolean(), (price, extra, explicitNulls) => {
        const before = enc(base, { fields: [price] });
        const unset = explicitNulls ? [price, ...Array.from({ length: extra }, () => null)] : [price];
        expect(enc(extended(extra), { fields: unset })).toBe(before);
        const set = [price, ...Array.from({ length: extra }, (_, i) => (i === extra - 1 ? { some: "" } : null))];
        expect(enc(extended(extra), { fields: set })).not.toBe(before);
      }),
      fewRuns,
    );
  });

  it("the field count counts what remains; an absent option before a present field is kept as 00", () => {
    const r: RecordType = {
      kind: "record",
      name: "R",
      fields: [
        { name: "a", type: option(u32) },
        { name: "b", type: u32 },
        { name: "c", type: option(u32) },
      ],
    };
    expect(enc(r, { fields: [null, 7n, null] })).toBe("0200" + "00" + "07000000");
    expect(enc(r, { fields: [null, 7n, { some: 1n }] })).toBe("0300" + "00" + "07000000" + "01" + "01000000");
    expect(() => encode(r, { fields: [null] })).toThrow(IdentityError);
    expect(() => encode(r, { fields: [null, 7n, null, null] })).toThrow(IdentityError);
  });

  it("an enum's unit variant has payload 0000; a variant with a payload encodes it as a record", () => {
    const successor = successorPolicy;
    expect(enc(successor, { variant: 0, fields: [] })).toBe("00000000" + "0000");
    expect(enc(successor, { variant: 2, fields: [] })).toBe("02000000" + "0000");
    const stable = digest("someone");
    expect(enc(successor, { variant: 1, fields: [{ fields: [stable, null] }] })).toBe("01000000" + "0100" + "0100" + hex(stable));
    expect(() => encode(successor, { variant: 3, fields: [] })).toThrow(IdentityError);
    expect(() => encode(successor, { variant: 1, fields: [] })).toThrow(IdentityError);
  });
});

// ---- admission ------------------------------------------------------------------------------

const orgs = ["signals.accuracy-reputation", "signals.forecasting-market", "signals.prophet"] as const;
const ref = (name: string, pinned?: string): CitizenRef => (pinned === undefined ? { stableId: instanceId(name) } : { stableId: instanceId(name), contentHash: digest(pinned) });

/** Real leaves with varied inputs; some differ only in one input. */
const pool: readonly Derivation[] = [
  reputationFloor(ref(orgs[0]), dec("0.55"), 30n),
  reputationFloor(ref(orgs[0]), dec("0.56"), 30n),
  reputationFloor(ref(orgs[0]), dec("0.55"), 31n),
  reputationFloor(ref(orgs[0], "v2"), dec("0.55"), 30n),
  marketSettlement(ref(orgs[1])),
  marketSettlement(ref(orgs[2])),
  tdx({ baseline: { mrtd: measurement(0xaa) }, maxAgeMs: 3_600_000n }),
  tdx({ baseline: { mrtd: measurement(0xaa) } }),
  freshness(ref(orgs[2]), 60_000n),
  issuer(digest("root")),
];

type Tree = { readonly kind: "leaf"; readonly index: number } | { readonly kind: "all" | "any"; readonly operands: readonly Tree[] };

const treeArbitrary: fc.Arbitrary<Tree> = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ kind: fc.constant("leaf" as const), index: fc.nat({ max: pool.length - 1 }) }),
    fc.record({ kind: fc.constantFrom("all" as const, "any" as const), operands: fc.array(tie("tree"), { minLength: 1, maxLength: 4 }) }),
  ),
})).tree;

function toAdmission(tree: Tree): Admission {
  return tree.kind === "leaf" ? { kind: "leaf", signature: pool[tree.index]! } : { kind: tree.kind, operands: tree.operands.map(toAdmission) };
}
const signatureOf = (tree: Tree): string => hex(admissionSignature(toAdmission(tree)).digest);

/** The same expression with every operator's operands in another order. */
function shuffleTree(tree: Tree, seed: number): Tree {
  if (tree.kind === "leaf") return tree;
  return { kind: tree.kind, operands: shuffled(tree.operands, seed).map((operand, i) => shuffleTree(operand, seed * 31 + i + 1)) };
}
/** The same expression with some operands repeated. */
function duplicateTree(tree: Tree, seed: number): Tree {
  if (tree.kind === "leaf") return tree;
  const operands = tree.operands.map((operand, i) => duplicateTree(operand, seed * 17 + i + 1));
  const extra = operands.filter((_, i) => (seed + i) % 2 === 0);
  return { kind: tree.kind, operands: [...operands, ...extra] };
}
/** The same expression with runs of operands regrouped under an operator of the same kind. */
function renestTree(tree: Tree, seed: number): Tree {
  if (tree.kind === "leaf") return tree;
  const operands = tree.operands.map((operand, i) => renestTree(operand, seed * 13 + i + 1));
  if (operands.length < 2) return { kind: tree.kind, operands: [{ kind: tree.kind, operands }] };
  const cut = 1 + (Math.abs(seed) % (operands.length - 1));
  return { kind: tree.kind, operands: [...operands.slice(0, cut), { kind: tree.kind, operands: operands.slice(cut) }] };
}

/** Every operator has at least one operand (any() of nothing is an error, tested on its own). */
const tree = treeArbitrary;

describe("admission signatures are normalised", () => {
  const A = pool[0]!;
  const B = pool[4]!;
  const C = pool[6]!;
  const leaf = (signature: Derivation): Admission => ({ kind: "leaf", signature });
  const all = (...operands: Admission[]): Admission => ({ kind: "all", operands });
  const any = (...operands: Admission[]): Admission => ({ kind: "any", operands });
  const sig = (e: Admission): string => hex(admissionSignature(e).digest);

  it("the leaf pool's signatures are distinct (else the properties below prove little)", () => {
    expect(new Set(pool.map((d) => hex(d.digest))).size).toBe(pool.length);
  });

  it("merges a group that reduces to the parent's kind: A & (B & C | C & B) = A & B & C", () => {
    expect(sig(all(leaf(A), any(all(leaf(B), leaf(C)), all(leaf(C), leaf(B)))))).toBe(sig(all(leaf(A), leaf(B), leaf(C))));
    expect(sig(any(leaf(A), all(any(leaf(B), leaf(C)))))).toBe(sig(any(leaf(A), leaf(B), leaf(C))));
  });

  it("is invariant under shuffling operands", () => {
    fc.assert(
      fc.property(tree, fc.integer(), (t, seed) => {
        expect(signatureOf(shuffleTree(t, seed))).toBe(signatureOf(t));
      }),
      runs,
    );
  });

  it("is invariant under duplicating operands", () => {
    fc.assert(
      fc.property(tree, fc.integer({ min: 0, max: 1000 }), (t, seed) => {
        expect(signatureOf(duplicateTree(t, seed))).toBe(signatureOf(t));
      }),
      runs,
    );
  });

  it("is invariant under re-nesting operators of the same kind", () => {
    fc.assert(
      fc.property(tree, fc.integer({ min: 0, max: 1000 }), (t, seed) => {
        expect(signatureOf(renestTree(t, seed))).toBe(signatureOf(t));
      }),
      runs,
    );
  });

  it("A & (B & A) = A & B = B & A, and likewise for |", () => {
    expect(sig(all(leaf(A), all(leaf(B), leaf(A))))).toBe(sig(all(leaf(A), leaf(B))));
    expect(sig(all(leaf(B), leaf(A)))).toBe(sig(all(leaf(A), leaf(B))));
    expect(sig(any(leaf(A), any(leaf(B), leaf(A))))).toBe(sig(any(leaf(A), leaf(B))));
  });

  it("all() of nothing is open, as is no admission rule; any() of nothing is an error", () => {
    expect(sig(all())).toBe(hex(openSignature().digest));
    expect(sig(all(all(), all()))).toBe(hex(openSignature().digest));
    expect(hex(admissionSignature(undefined).digest)).toBe(hex(openSignature().digest));
    expect(hex(openSignature().digest)).toBe(hex(id("coalition.acl.open.v1")));
    expect(() => admissionSignature(any())).toThrow(IdentityError);
    expect(() => admissionSignature(all(leaf(A), any()))).toThrow(IdentityError);
  });

  it("a single operand, or one operand repeated, is that operand's signature", () => {
    fc.assert(
      fc.property(fc.nat({ max: pool.length - 1 }), fc.integer({ min: 1, max: 4 }), fc.constantFrom("all" as const, "any" as const), (index, copies, kind) => {
        const operand = leaf(pool[index]!);
        expect(sig({ kind, operands: Array.from({ length: copies }, () => operand) })).toBe(hex(pool[index]!.digest));
      }),
      fewRuns,
    );
  });

  it("A & B differs from A | B, and from A & B & C", () => {
    expect(sig(all(leaf(A), leaf(B)))).not.toBe(sig(any(leaf(A), leaf(B))));
    expect(sig(all(leaf(A), leaf(B)))).not.toBe(sig(all(leaf(A), leaf(B), leaf(C))));
    expect(sig(all(leaf(A), any(leaf(B), leaf(C))))).not.toBe(sig(any(all(leaf(A), leaf(B)), all(leaf(A), leaf(C)))));
  });

  it("every input of a leaf is folded", () => {
    const variants = [
      reputationFloor(ref(orgs[0]), dec("0.55"), 30n),
      reputationFloor(ref(orgs[1]), dec("0.55"), 30n),
      reputationFloor(ref(orgs[0], "pin"), dec("0.55"), 30n),
      reputationFloor(ref(orgs[0]), dec("0.5"), 30n),
      reputationFloor(ref(orgs[0]), dec("0.55"), 29n),
      freshness(ref(orgs[0]), 1000n),
      freshness(ref(orgs[0]), 2000n),
    ];
    expect(new Set(variants.map((d) => hex(d.digest))).size).toBe(variants.length);
    // The floor is canonical: 0.550 is 0.55.
    expect(hex(reputationFloor(ref(orgs[0]), { mantissa: 550n, scale: 3 }, 30n).digest)).toBe(hex(variants[0]!.digest));
    expect(() => reputationFloor(ref(orgs[0]), dec("0.5"), 2n ** 32n)).toThrow(IdentityError);
  });
});

// ---- Tdx ------------------------------------------------------------------------------------

describe("Tdx signatures", () => {
  const registers = ["mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3"] as const;

  it("a duration that is not whole seconds is an error", () => {
    expect(() => tdx({ maxAgeMs: 1500n })).toThrow(IdentityError);
    expect(() => tdx({ maxLifetimeMs: 999n })).toThrow(IdentityError);
    expect(hex(tdx({ maxAgeMs: 2000n }).digest)).not.toBe(hex(tdx().digest));
  });

  it("pinning any register changes the signature, and which register matters", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 48, maxLength: 48 }), (pin) => {
        const unpinned = hex(tdx().digest);
        const signatures = registers.map((register) => hex(tdx({ baseline: { [register]: pin } }).digest));
        const fillers = [0x09, 0x01, 0x02, 0x03, 0x04];
        registers.forEach((register, i) => {
          // Pinning a register to its own filler is indistinguishable from not pinning it (spec).
          if (pin.every((byte) => byte === fillers[i])) return;
          expect(signatures[i], register).not.toBe(unpinned);
        });
        // Unless the pin is one byte repeated (possibly a filler), each register signs differently.
        if (!pin.every((byte) => byte === pin[0])) expect(new Set(signatures).size).toBe(registers.length);
      }),
      fewRuns,
    );
  });

  it("a pin must be 48 bytes", () => {
    expect(() => tdx({ baseline: { mrtd: new Uint8Array(32) } })).toThrow(IdentityError);
    expect(() => criteria({ rtmr3: new Uint8Array(49) })).toThrow(IdentityError);
  });

  it("any-of criteria order matters, and any-of is not the baseline", () => {
    const c1: MeasurementsCriteria = { mrtd: measurement(0x11) };
    const c2: MeasurementsCriteria = { mrtd: measurement(0x22), rtmr0: measurement(0x33) };
    expect(hex(tdx({ anyOf: [c1, c2] }).digest)).not.toBe(hex(tdx({ anyOf: [c2, c1] }).digest));
    expect(hex(tdx({ anyOf: [c1] }).digest)).not.toBe(hex(tdx({ baseline: c1 }).digest));
    expect(hex(tdx({ anyOf: [c1, c1] }).digest)).not.toBe(hex(tdx({ anyOf: [c1] }).digest));
  });

  it("max_age, not_before and max_lifetime are each folded in their own slot", () => {
    const signatures = [tdx(), tdx({ maxAgeMs: 60_000n }), tdx({ notBefore: 60n }), tdx({ maxLifetimeMs: 60_000n }), tdx({ notBefore: -60n })].map((d) => hex(d.digest));
    expect(new Set(signatures).size).toBe(signatures.length);
  });
});

// ---- fingerprints ---------------------------------------------------------------------------

describe("stream and store ids", () => {
  const point: RecordType = {
    kind: "record",
    name: "Point",
    fields: [
      { name: "x", type: primitive("i32") },
      { name: "y", type: primitive("i32") },
    ],
  };
  const types: readonly Type[] = [u32, primitive("u64"), list(u32), set(u32), option(u32), map(primitive("string"), u32), point, { ...point, name: "Pair" }, { ...point, fields: [point.fields[1]!, point.fields[0]!] }];
  const names = ["forecasts", "Forecasts", "forecast", "settled"];
  const citizens = ["signals.prophet", "signals.oracle"];

  it("a stream id depends on the stable id, the name and the type, each", () => {
    const input = fc.tuple(fc.constantFrom(...citizens), fc.constantFrom(...names), fc.nat({ max: types.length - 1 }));
    fc.assert(
      fc.property(input, input, ([c1, n1, t1], [c2, n2, t2]) => {
        const a = hex(streamId(instanceId(c1), n1, types[t1]!).digest);
        const b = hex(streamId(instanceId(c2), n2, types[t2]!).digest);
        expect(a === b).toBe(c1 === c2 && n1 === n2 && t1 === t2);
      }),
      runs,
    );
  });

  it("a store id depends on the stable id, the name, the kind and the parameters in order", () => {
    const kinds: readonly CollectionKind[] = ["map", "vec", "set", "cell", "once", "priority_queue"];
    const parameters: readonly (readonly Type[])[] = [[], [u32], [primitive("string"), u32], [u32, primitive("string")], [point]];
    const input = fc.tuple(fc.constantFrom(...citizens), fc.constantFrom(...names), fc.constantFrom(...kinds), fc.nat({ max: parameters.length - 1 }));
    fc.assert(
      fc.property(input, input, ([c1, n1, k1, p1], [c2, n2, k2, p2]) => {
        const a = hex(storeId(instanceId(c1), n1, k1, parameters[p1]!).digest);
        const b = hex(storeId(instanceId(c2), n2, k2, parameters[p2]!).digest);
        expect(a === b).toBe(c1 === c2 && n1 === n2 && k1 === k2 && p1 === p2);
      }),
      runs,
    );
  });

  it("a stream and a collection of the same name and type have different ids", () => {
    const stable = instanceId("signals.prophet");
    expect(hex(streamId(stable, "x", u32).digest)).not.toBe(hex(storeId(stable, "x", "cell", [u32]).digest));
  });

  it("a named type is identified by its structure, not by the object that declares it", () => {
    const copy: RecordType = JSON.parse(JSON.stringify(point)) as RecordType;
    const stable = instanceId("signals.prophet");
    expect(hex(streamId(stable, "points", copy).digest)).toBe(hex(streamId(stable, "points", point).digest));
    expect(hex(typeId(list(copy)).digest)).toBe(hex(typeId(list(point)).digest));
  });

  it("surface ids do not move when the citizen's content, admission or tdx pin rotates", () => {
    fc.assert(
      fc.property(fc.constantFrom(...variations), (variation) => {
        const changed = variation.change(baseConfig);
        if (changed.instanceName !== baseConfig.instanceName) return;
        for (const [i, item] of baseConfig.surface.entries()) {
          const changedItem = changed.surface[i];
          if (changedItem !== item) continue;
          expect(hex(surfaceId(instanceId(changed.instanceName), changedItem).digest)).toBe(hex(surfaceId(instanceId(baseConfig.instanceName), item).digest));
        }
      }),
      fewRuns,
    );
  });
});

const contentType: RecordType = {
  kind: "record",
  name: "ForecastFabricContent",
  fields: [
    { name: "fee", type: u32 },
    { name: "threshold", type: primitive("decimal") },
    { name: "label", type: primitive("string") },
  ],
};
const surface: readonly SurfaceItem[] = [
  { kind: "stream", name: "forecasts", type: list(u32) },
  { kind: "collection", name: "book", collection: "map", parameters: [primitive("string"), u32] },
];
const baseConfig: CitizenConfig = {
  instanceName: "signals.forecast-fabric",
  spans: [],
  content: { type: contentType, value: { fields: [25n, dec("0.5"), "fabric"] } },
  surface,
  admission: admissionSignature({ kind: "all", operands: [{ kind: "leaf", signature: pool[0]! }, { kind: "leaf", signature: pool[4]! }] }),
};

interface Variation {
  readonly name: string;
  readonly change: (c: CitizenConfig) => CitizenConfig;
}

/** Each changes exactly one folded input. */
const variations: readonly Variation[] = [
  { name: "instance name", change: (c) => ({ ...c, instanceName: "signals.forecast-fabric-2" }) },
  { name: "instance name, NFC-distinct", change: (c) => ({ ...c, instanceName: "signals.forecast-fabric\u00e9" }) },
  { name: "content value: fee", change: (c) => ({ ...c, content: { ...c.content, value: { fields: [26n, dec("0.5"), "fabric"] } } }) },
  { name: "content value: threshold", change: (c) => ({ ...c, content: { ...c.content, value: { fields: [25n, dec("0.51"), "fabric"] } } }) },
  { name: "content value: label", change: (c) => ({ ...c, content: { ...c.content, value: { fields: [25n, dec("0.5"), "Fabric"] } } }) },
  { name: "content type name", change: (c) => ({ ...c, content: { ...c.content, type: { ...contentType, name: "OtherContent" } } }) },
  { name: "content field type", change: (c) => ({ ...c, content: { ...c.content, type: { ...contentType, fields: [{ name: "fee", type: primitive("u64") }, ...contentType.fields.slice(1)] } } }) },
  { name: "surface: stream name", change: (c) => ({ ...c, surface: [{ kind: "stream", name: "forecast", type: list(u32) }, c.surface[1]!] }) },
  { name: "surface: stream type", change: (c) => ({ ...c, surface: [{ kind: "stream", name: "forecasts", type: list(primitive("u64")) }, c.surface[1]!] }) },
  { name: "surface: collection kind", change: (c) => ({ ...c, surface: [c.surface[0]!, { kind: "collection", name: "book", collection: "priority_queue", parameters: [primitive("string"), u32] }] }) },
  { name: "surface: parameter order", change: (c) => ({ ...c, surface: [c.surface[0]!, { kind: "collection", name: "book", collection: "map", parameters: [u32, primitive("string")] }] }) },
  { name: "surface: item order", change: (c) => ({ ...c, surface: [c.surface[1]!, c.surface[0]!] }) },
  { name: "surface: one more item", change: (c) => ({ ...c, surface: [...c.surface, { kind: "stream", name: "extra", type: u32 }] }) },
  { name: "surface: one item fewer", change: (c) => ({ ...c, surface: c.surface.slice(0, 1) }) },
  { name: "admission", change: (c) => ({ ...c, admission: admissionSignature({ kind: "any", operands: [{ kind: "leaf", signature: pool[0]! }, { kind: "leaf", signature: pool[4]! }] }) }) },
  { name: "admission: open", change: (c) => ({ ...c, admission: openSignature() }) },
  { name: "tdx pin: some", change: (c) => ({ ...c, tdxPin: criteria({ mrtd: measurement(0xaa) }) }) },
  { name: "spans", change: (c) => ({ ...c, spans: [ref(orgs[0]), ref(orgs[1])] }) },
];

describe("organism content hashes", () => {
  const contentHash = (c: CitizenConfig): string => hex(organismContentHash(c.instanceName, c).digest);

  it("change when any folded input changes", () => {
    const base = contentHash(baseConfig);
    for (const variation of variations) expect(contentHash(variation.change(baseConfig)), variation.name).not.toBe(base);
  });

  it("every two different configurations have different hashes", () => {
    const all = [baseConfig, ...variations.map((v) => v.change(baseConfig))].map(contentHash);
    expect(new Set(all).size).toBe(all.length);
  });

  it("change with the tdx pin, and with which pin", () => {
    const pinned = (byte: number) => contentHash({ ...baseConfig, tdxPin: criteria({ mrtd: measurement(byte) }) });
    expect(pinned(0xaa)).not.toBe(pinned(0xab));
    expect(pinned(0xaa)).not.toBe(contentHash(baseConfig));
  });

  it("change with a span's pinned content hash, and with span order", () => {
    const spans = (s: CitizenRef[]) => contentHash({ ...baseConfig, spans: s });
    expect(spans([ref(orgs[0]), ref(orgs[1])])).not.toBe(spans([ref(orgs[0], "pin"), ref(orgs[1])]));
    expect(spans([ref(orgs[0]), ref(orgs[1])])).not.toBe(spans([ref(orgs[1]), ref(orgs[0])]));
  });

  it("do not depend on how a value was written: 0.50 is 0.5, NFD is NFC, the same admission in another shape", () => {
    const base = contentHash(baseConfig);
    expect(contentHash({ ...baseConfig, content: { ...baseConfig.content, value: { fields: [25n, { mantissa: 500n, scale: 3 }, "fabric"] } } })).toBe(base);
    const named = (name: string) => contentHash({ ...baseConfig, instanceName: name });
    expect(named("signals.caf\u00e9")).toBe(named("signals.cafe\u0301"));
    const reshaped = admissionSignature({ kind: "all", operands: [{ kind: "leaf", signature: pool[4]! }, { kind: "all", operands: [{ kind: "leaf", signature: pool[0]! }, { kind: "leaf", signature: pool[4]! }] }] });
    expect(contentHash({ ...baseConfig, admission: reshaped })).toBe(base);
  });

  it("an organism and a confluence of the same configuration differ", () => {
    const c = { ...baseConfig, spans: [ref(orgs[0]), ref(orgs[1])] };
    expect(hex(organismContentHash("x", c).digest)).not.toBe(hex(confluenceFingerprint("x", c).digest));
  });

  it("the label passed for the tree does not fold", () => {
    expect(hex(organismContentHash("one label", baseConfig).digest)).toBe(hex(organismContentHash("another", baseConfig).digest));
  });
});

describe("coalition roots", () => {
  const A = ref("signals.prophet");
  const B = ref("signals.oracle");
  const name = coalitionName("signals");
  const root = (members: Partial<CoalitionMembers>) => hex(coalitionRoot(name, { lattices: [], organisms: [], confluences: [], ...members }).digest);

  it("a lattice and an organism with the same reference differ (the reason for length prefixes)", () => {
    expect(root({ lattices: [A], organisms: [] })).not.toBe(root({ lattices: [], organisms: [A] }));
    expect(root({ lattices: [A, B], organisms: [] })).not.toBe(root({ lattices: [A], organisms: [B] }));
  });

  it("list order, pinning, confluences, the ticket issuer and the coalition name all fold", () => {
    const base = root({ lattices: [A, B] });
    const roots = [
      base,
      root({ lattices: [B, A] }),
      root({ lattices: [A, { ...B, contentHash: digest("pin") }] }),
      root({ lattices: [A, B], confluences: [digest("c")] }),
      root({ lattices: [A, B], ticketIssuer: ticketIssuerFingerprint("signals.tickets", openSignature()) }),
      hex(coalitionRoot(coalitionName("signals-2"), { lattices: [A, B], organisms: [], confluences: [] }).digest),
    ];
    expect(new Set(roots).size).toBe(roots.length);
  });

  it("a citizen's own ids and content hash do not change when a coalition references it", () => {
    const before = [hex(instanceId(baseConfig.instanceName).digest), hex(organismContentHash("fabric", baseConfig).digest), ...baseConfig.surface.map((item) => hex(surfaceId(instanceId(baseConfig.instanceName), item).digest))];
    coalitionRoot(name, { lattices: [], organisms: [{ stableId: instanceId(baseConfig.instanceName), contentHash: organismContentHash("fabric", baseConfig) }], confluences: [] });
    const after = [hex(instanceId(baseConfig.instanceName).digest), hex(organismContentHash("fabric", baseConfig).digest), ...baseConfig.surface.map((item) => hex(surfaceId(instanceId(baseConfig.instanceName), item).digest))];
    expect(after).toEqual(before);
  });

  it("coalition_id: appending an optional RetirementPolicy field left unset changes nothing; setting it does", () => {
    const rootDigest = coalitionRoot(name, { lattices: [A], organisms: [], confluences: [] });
    const policy: RecordType = { kind: "record", name: "RetirementPolicy", fields: [{ name: "notice", type: primitive("duration") }] };
    const grown: RecordType = { ...policy, fields: [...policy.fields, { name: "grace", type: option(primitive("duration")) }] };
    const idOf = (type: RecordType, fields: Value[]) => hex(coalitionId(rootDigest, {}, { type, value: { fields } }).digest);
    expect(idOf(grown, [86_400_000n, null])).toBe(idOf(policy, [86_400_000n]));
    expect(idOf(grown, [86_400_000n, { some: 0n }])).not.toBe(idOf(policy, [86_400_000n]));
    expect(idOf(policy, [86_400_001n])).not.toBe(idOf(policy, [86_400_000n]));
  });
});

// ---- explain --------------------------------------------------------------------------------

/** Labels and digests `explain` must show: every part, descending into every non-`id` derivation. */
function expectedLines(d: Derivation): { labels: string[]; digests: string[] } {
  const labels: string[] = [d.label];
  const digests: string[] = [hex(d.digest)];
  for (const p of d.parts) {
    labels.push(p.label);
    if (p.from !== undefined && p.from.rule !== "id") {
      const inner = expectedLines(p.from);
      labels.push(...inner.labels);
      digests.push(...inner.digests);
    }
  }
  return { labels, digests };
}

/** Every node of the tree re-hashes to its digest, and a part that came from a digest carries it. */
function checkFaithful(d: Derivation): void {
  const preimage = concat(...d.parts.map((p) => p.bytes));
  expect(hex(H(preimage)), `${d.label}: H(parts) is the digest`).toBe(hex(d.digest));
  for (const p of d.parts) {
    if (p.from === undefined) continue;
    expect(hex(p.bytes).endsWith(hex(p.from.digest)), `${d.label}: part ${p.label} carries its digest`).toBe(true);
    checkFaithful(p.from);
  }
}

describe("explain", () => {
  const samples = (): readonly Derivation[] => {
    const rootDigest = coalitionRoot(coalitionName("signals"), { lattices: [ref("l")], organisms: [{ stableId: instanceId("o"), contentHash: organismContentHash("o", baseConfig) }], confluences: [] });
    return [
      instanceId("signals.prophet"),
      typeId(map(primitive("string"), list(u32))),
      ...pool,
      tdx({ baseline: { mrtd: measurement(1) }, anyOf: [{ rtmr0: measurement(2) }], maxAgeMs: 1000n, notBefore: 5n, maxLifetimeMs: 2000n }),
      organismContentHash("fabric", { ...baseConfig, tdxPin: criteria({ mrtd: measurement(3) }), spans: [ref("a", "p"), ref("b")] }),
      streamId(instanceId("x"), "s", { kind: "record", name: "R", fields: [{ name: "a", type: u32 }] }),
      rootDigest,
      moduleFingerprint(rootDigest, "almanac", { content: { type: { kind: "record", name: "AlmanacContent", fields: [{ name: "cadence", type: primitive("duration") }] }, value: { fields: [1000n] } }, admission: openSignature() }),
      coalitionId(rootDigest, { almanac: digest("m") }, { type: { kind: "record", name: "RetirementPolicy", fields: [{ name: "notice", type: primitive("duration") }] }, value: { fields: [1n] } }),
    ];
  };

  it("shows every part label and every digest of the tree", () => {
    for (const d of samples()) {
      const text = explain(d);
      const { labels, digests } = expectedLines(d);
      for (const label of labels) expect(text, `${d.label}: label ${label}`).toContain(label);
      for (const digestHex of digests) expect(text, `${d.label}: digest ${digestHex}`).toContain(digestHex);
      expect(text.startsWith(`${d.label} = ${hex(d.digest)}`)).toBe(true);
    }
  });

  it("is faithful: each node's parts, concatenated and hashed, give its digest", () => {
    for (const d of samples()) checkFaithful(d);
    fc.assert(
      fc.property(tree, (t) => checkFaithful(admissionSignature(toAdmission(t)))),
      fewRuns,
    );
  });

  it("shows every part label and digest of random admission trees", () => {
    fc.assert(
      fc.property(tree, (t) => {
        const d = admissionSignature(toAdmission(t));
        const text = explain(d);
        const { labels, digests } = expectedLines(d);
        for (const label of labels) expect(text).toContain(label);
        for (const digestHex of digests) expect(text).toContain(digestHex);
      }),
      fewRuns,
    );
  });

  it("a part's bytes appear in hex (abbreviated beyond maxBytes)", () => {
    const d = instanceId("signals.prophet");
    const text = explain(d);
    for (const p of d.parts) expect(text).toContain(hex(p.bytes));
    const content = organismContentHash("fabric", baseConfig);
    const contentBytes = content.parts.find((p) => p.label === "content")!.bytes;
    expect(contentBytes.length).toBeGreaterThan(8);
    expect(explain(content, { maxBytes: 8 })).toContain(`· content: ${hex(contentBytes.subarray(0, 4))}…${hex(contentBytes.subarray(contentBytes.length - 8))} (${contentBytes.length} bytes)`);
  });

  it("maxDepth stops expanding nested derivations", () => {
    const d = pool[0]!;
    expect(explain(d, { maxDepth: 0 })).toBe(`${d.label} = ${hex(d.digest)}\n`);
    const shallow = explain(d, { maxDepth: 1 });
    // Depth 1: the nested derivation is named with its digest, but its parts are not shown.
    expect(shallow).toContain(`instance_id("${orgs[0]}") = `);
    expect(shallow).not.toContain('"instance|"');
    expect(explain(d)).toContain('"instance|"');
  });

  it("renders origins through the caller's function", () => {
    const d = instanceId("signals.prophet", undefined, { line: 7 });
    expect(explain(d, { origin: (o) => `line ${(o as { line: number }).line}` })).toContain("(line 7)");
  });
});

describe("primitives", () => {
  it("id of 64 hex digits is those bytes in either case; anything else is hashed", () => {
    const h = "ab".repeat(32);
    expect(hex(id(h))).toBe(h);
    expect(hex(id(h.toUpperCase()))).toBe(h);
    expect(hex(id(`0x${h}`))).not.toBe(h);
    expect(hex(id(h.slice(2)))).not.toBe(h.slice(2));
    expect(fromHex(h)).toEqual(id(h));
  });
});
