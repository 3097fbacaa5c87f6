// CE1 decoding of untrusted bytes: every canonical encoding decodes back to the same bytes, and
// anything else is refused with a reason code.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decode, DecodeError, encode, fromHex, list, map, option, primitive, set, type EnumType, type RecordType, type Type, type Value } from "@coal/runtime/identity";

const leafTypes: Type[] = ["bool", "u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "string", "bytes", "digest", "measurement", "decimal", "duration"].map((n) => primitive(n as never));

const typeArbitrary: fc.Arbitrary<Type> = fc.letrec<{ type: Type }>((tie) => ({
  type: fc.oneof(
    { depthSize: "small" },
    fc.constantFrom(...leafTypes),
    tie("type").map((t) => list(t)),
    tie("type").map((t) => option(t)),
    fc.constantFrom(...leafTypes).map((t) => set(t)),
    fc.tuple(fc.constantFrom(...leafTypes), tie("type")).map(([k, v]) => map(k, v)),
    fc.array(tie("type"), { maxLength: 4 }).map((fields): RecordType => ({ kind: "record", name: "R", fields: fields.map((type, i) => ({ name: `f${i}`, type })) })),
    fc.array(fc.array(tie("type"), { maxLength: 2 }), { minLength: 1, maxLength: 3 }).map((variants): EnumType => ({ kind: "enum", name: "E", variants: variants.map((fields, i) => ({ name: `V${i}`, fields: fields.map((type, j) => ({ name: `g${j}`, type })) })) })),
  ),
})).type;

function valueOf(type: Type): fc.Arbitrary<Value> {
  switch (type.kind) {
    case "primitive": {
      const ints: Record<string, [bigint, bigint]> = { u8: [0n, 255n], u16: [0n, 65535n], u32: [0n, 2n ** 32n - 1n], u64: [0n, 2n ** 64n - 1n], i8: [-128n, 127n], i16: [-32768n, 32767n], i32: [-(2n ** 31n), 2n ** 31n - 1n], i64: [-(2n ** 63n), 2n ** 63n - 1n], duration: [0n, 2n ** 64n - 1n] };
      if (type.name in ints) return fc.bigInt(ints[type.name]![0], ints[type.name]![1]);
      switch (type.name) {
        case "bool":
          return fc.boolean();
        case "string":
          return fc.string({ unit: "grapheme", maxLength: 8 }).map((s) => s.normalize("NFC"));
        case "bytes":
          return fc.uint8Array({ maxLength: 8 });
        case "digest":
          return fc.uint8Array({ minLength: 32, maxLength: 32 });
        case "measurement":
          return fc.uint8Array({ minLength: 48, maxLength: 48 });
        default:
          return fc.record({ mantissa: fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n), scale: fc.integer({ min: 0, max: 18 }) }).map(({ mantissa, scale }) => {
            while (scale > 0 && mantissa % 10n === 0n) scale--, (mantissa /= 10n);
            return { mantissa, scale: mantissa === 0n ? 0 : scale };
          });
      }
    }
    case "option":
      return fc.option(valueOf(type.element).map((some) => ({ some })), { nil: null });
    case "list":
      return fc.array(valueOf(type.element), { maxLength: 3 });
    case "set":
      return fc.array(valueOf(type.element), { maxLength: 3 }).map((values) => dedupe(type.element, values));
    case "map":
      return fc.array(fc.tuple(valueOf(type.key), valueOf(type.value)), { maxLength: 3 }).map((entries) => {
        const seen = new Set<string>();
        return entries.filter(([k]) => {
          const key = Buffer.from(encode(type.key, k)).toString("hex");
          return seen.has(key) ? false : (seen.add(key), true);
        });
      });
    case "record":
      return fc.tuple(...type.fields.map((f) => valueOf(f.type))).map((fields) => ({ fields }));
    case "enum":
      return fc.nat({ max: type.variants.length - 1 }).chain((variant) => fc.tuple(...type.variants[variant]!.fields.map((f) => valueOf(f.type))).map((fields) => ({ variant, fields })));
  }
}

function dedupe(type: Type, values: Value[]): Value[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const key = Buffer.from(encode(type, v)).toString("hex");
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

describe("CE1 decode", () => {
  it("decodes every encoding back to the same bytes (random types and values)", () => {
    fc.assert(
      fc.property(typeArbitrary.chain((type) => fc.tuple(fc.constant(type), valueOf(type))), ([type, value]) => {
        const bytes = encode(type, value);
        expect(encode(type, decode(type, bytes))).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a truncated or extended encoding (random types and values)", () => {
    fc.assert(
      fc.property(typeArbitrary.chain((type) => fc.tuple(fc.constant(type), valueOf(type))), ([type, value]) => {
        const bytes = encode(type, value);
        expect(() => decode(type, Uint8Array.of(...bytes, 0))).toThrow(DecodeError);
        if (bytes.length > 0) expect(() => decode(type, bytes.subarray(0, bytes.length - 1))).toThrow(DecodeError);
      }),
      { numRuns: 300 },
    );
  });

  const reason = (type: Type, hex: string) => {
    try {
      decode(type, fromHex(hex));
    } catch (error) {
      return (error as DecodeError).reason;
    }
    return "accepted";
  };
  const record = (fields: Type[]): RecordType => ({ kind: "record", name: "R", fields: fields.map((type, i) => ({ name: `f${i}`, type })) });

  it("names what is wrong with non-canonical input", () => {
    expect(reason(primitive("bool"), "02")).toBe("bad-bool");
    expect(reason(option(primitive("u8")), "0201")).toBe("bad-option-tag");
    expect(reason(primitive("decimal"), "3c0000000000000002")).toBe("non-canonical-decimal"); // 0.60
    expect(reason(primitive("decimal"), "010000000000000013")).toBe("decimal-scale");
    expect(reason(set(primitive("u32")), "020000000200000001000000")).toBe("unsorted");
    expect(reason(set(primitive("u32")), "020000000100000001000000")).toBe("duplicate");
    expect(reason(primitive("string"), "02000000c328")).toBe("bad-utf8");
    expect(reason(primitive("string"), "0300000065cc81")).toBe("not-nfc"); // e + combining acute
    expect(reason(record([primitive("u8"), option(primitive("u8"))]), "02000700")).toBe("field-count"); // trailing absent option kept
    expect(reason(record([primitive("u8")]), "0000")).toBe("field-count");
    expect(reason({ kind: "enum", name: "E", variants: [{ name: "A", fields: [] }] }, "010000000000")).toBe("bad-variant");
    expect(reason(list(primitive("u8")), "ffffffff")).toBe("too-large");
    expect(reason(primitive("u32"), "010000")).toBe("truncated");
  });
});
