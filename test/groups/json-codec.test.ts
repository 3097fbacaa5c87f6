// jsonCodec skips its bigint replacer and reviver when a value cannot need them (they made JSON
// several times slower on every entry of every member); the bytes and the values must be exactly
// those the replacer and reviver give, bigints or not.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { jsonCodec } from "@coal/runtime/groups";

// The codec as it was: replacer and reviver on every value.
const reference = {
  encode: (value: unknown) => new TextEncoder().encode(JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? { $bigint: v.toString() } : v))),
  decode: (bytes: Uint8Array) =>
    JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes), (_, v: unknown) =>
      typeof v === "object" && v !== null && "$bigint" in v && typeof (v as { $bigint: unknown }).$bigint === "string" ? BigInt((v as { $bigint: string }).$bigint) : v,
    ) as unknown,
};

const values = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small", maxDepth: 4 }, fc.jsonValue({ maxDepth: 2 }), fc.bigInt(), fc.array(tie("value"), { maxLength: 5 }), fc.dictionary(fc.oneof(fc.string(), fc.constant("$bigint")), tie("value"), { maxKeys: 5 })),
})).value;

describe("jsonCodec", () => {
  it("encodes and decodes exactly as the replacer and reviver do", () => {
    const codec = jsonCodec<unknown>();
    fc.assert(
      fc.property(values, (value) => {
        const bytes = codec.encode(value);
        expect(bytes).toEqual(reference.encode(value));
        // Including what neither can decode ({"$bigint": "x"} is no bigint): the same error.
        const outcome = (decode: (bytes: Uint8Array) => unknown) => {
          try {
            return { value: decode(bytes) };
          } catch (error) {
            return { error: String(error) };
          }
        };
        expect(outcome(codec.decode)).toEqual(outcome(reference.decode));
      }),
      { numRuns: 500 },
    );
  });

  it("revives an escaped $bigint name as the reviver does", () => {
    const bytes = new TextEncoder().encode(String.raw`{"a":{"\u0024bigint":"12"},"b":{"$bigint":"3"},"c":"$bigint"}`);
    expect(jsonCodec<unknown>().decode(bytes)).toEqual({ a: 12n, b: 3n, c: "$bigint" });
    expect(jsonCodec<unknown>().decode(new TextEncoder().encode(`{"n":1}`))).toEqual({ n: 1 });
  });
});
