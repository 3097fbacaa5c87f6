// Altered quotes: a flipped byte in each region fails at the step that covers it; a forged quote
// (a new attestation key with a recomputed QE REPORTDATA — what mosaik's check accepts) fails at
// step 4; every truncation is refused without a throw; and a fuzzer drives the parser and the
// verifier with random and mutated input, which must only ever produce typed results.
import { createHash, generateKeyPairSync, X509Certificate } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseQuote, verifyQuote, type Quote, type Verification } from "@coal/runtime/tdx";
import { rawKey, signP1363 } from "../support/tdx-synth.js";
import { insideAllCertificates, sample, sampleNames } from "./samples.js";

const seed = Number(process.env["COAL_FUZZ_SEED"] ?? 20261123);
const now = insideAllCertificates;

function parsed(bytes: Uint8Array): Quote {
  const result = parseQuote(bytes);
  if (!result.ok) throw new Error(result.message);
  return result.quote;
}

function flip(bytes: Uint8Array, at: number, mask = 0x01): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[at]! ^= mask;
  return copy;
}

/** Where each region of a quote starts, from the parse. */
function regions(quote: Quote) {
  const sig = quote.signatureDataOffset;
  const qe = sig + 64 + 64 + 6;
  const body = quote.version === 5 ? 54 : 48;
  return { header: 20, body: body + 136 + 5, signature: sig + 5, attestationKey: sig + 64 + 5, qeReport: qe + 70, qeReportData: qe + 320 + 3, qeReportSignature: qe + 384 + 3, authData: qe + 384 + 64 + 2 + 3, sizes: sig - 4 };
}

/** The quote with certificate `index` of its chain rewritten by `change` (same length, re-encoded). */
function withCertificate(bytes: Uint8Array, index: number, change: (der: Uint8Array) => Uint8Array): Uint8Array {
  const quote = parsed(bytes);
  const original = Buffer.from(quote.pckChain[index]!).toString("base64");
  const changed = Buffer.from(change(Uint8Array.from(quote.pckChain[index]!))).toString("base64");
  const wrap = (b64: string) => b64.match(/.{1,64}/g)!.join("\n");
  const text = Buffer.from(bytes).toString("latin1");
  const at = text.indexOf(wrap(original));
  expect(at).toBeGreaterThan(0);
  const out = Uint8Array.from(bytes);
  out.set(Buffer.from(wrap(changed), "latin1"), at);
  return out;
}

/** Flips the last byte of a certificate's serial number (inside the signed TBSCertificate). */
function alterSerial(der: Uint8Array): Uint8Array {
  // Certificate ::= SEQ(82 len) { TBS SEQ(82 len) { [0] (a0 03 02 01 02), INTEGER serial … } }
  expect([der[13], der[8]]).toEqual([0x02, 0xa0]);
  return flip(der, 15 + der[14]! - 1);
}

function failure(result: Verification) {
  return result.ok ? { ok: true } : { ok: false, step: result.step, reason: result.reason };
}

describe.each(["dcap-qvl_tdx_quote.bin", "go-tdx-guest_quote_v5_sample.dat"])("a flipped byte in %s fails at the step that covers it", (name) => {
  const bytes = sample(name);
  const quote = parsed(bytes);
  const at = regions(quote);

  it("the unaltered quote verifies", () => expect(verifyQuote(bytes, { now }).ok).toBe(true));

  it.each([
    { region: "header (QE vendor id)", offset: at.header, step: 2, reason: "bad-signature" },
    { region: "body (MRTD)", offset: at.body, step: 2, reason: "bad-signature" },
    { region: "quote signature", offset: at.signature, step: 2, reason: "bad-signature" },
    { region: "QE report (MRENCLAVE)", offset: at.qeReport, step: 4, reason: "bad-signature" },
    { region: "QE report's REPORTDATA", offset: at.qeReportData, step: 3, reason: "report-data-mismatch" },
    { region: "QE report signature", offset: at.qeReportSignature, step: 4, reason: "bad-signature" },
    { region: "QE auth data", offset: at.authData, step: 3, reason: "report-data-mismatch" },
    { region: "signature data length", offset: at.sizes + 1, mask: 0x80, step: 1, reason: "truncated" },
    { region: "header (version)", offset: 0, mask: 0x02, step: 1, reason: "unsupported-version" },
    { region: "header (TEE type)", offset: 4, step: 1, reason: "unsupported-tee" },
  ])("$region → step $step ($reason)", ({ offset, mask, step, reason }) => {
    expect(failure(verifyQuote(flip(bytes, offset, mask), { now }))).toEqual({ ok: false, step, reason });
  });

  it("attestation key → step 2 (no longer the key that signed, or not a point at all)", () => {
    const result = verifyQuote(flip(bytes, at.attestationKey), { now });
    expect(result).toMatchObject({ ok: false, step: 2 });
    expect(["bad-signature", "bad-attestation-key"]).toContain(result.ok ? "" : result.reason);
  });

  it.each([
    { index: 0, certificate: "PCK leaf", reason: "bad-signature" },
    { index: 1, certificate: "PCK platform CA", reason: "bad-signature" },
    { index: 2, certificate: "root", reason: "untrusted-root" },
  ])("the $certificate certificate's serial number → step 5 ($reason)", ({ index, reason }) => {
    expect(failure(verifyQuote(withCertificate(bytes, index, alterSerial), { now, cache: false }))).toEqual({ ok: false, step: 5, reason });
  });

  it("the PCK leaf's public key → step 4 or 5 (the QE report is not signed by it, or it is no key)", () => {
    const leaf = new X509Certificate(quote.pckChain[0]!);
    const x = Buffer.from(leaf.publicKey.export({ format: "jwk" }).x!, "base64url");
    const altered = withCertificate(bytes, 0, (der) => flip(der, Buffer.from(der).indexOf(x) + 7));
    const result = verifyQuote(altered, { now, cache: false });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : [result.step, result.reason]).toSatisfy(([step, reason]: [number, string]) => (step === 4 && reason === "bad-signature") || (step === 5 && reason === "bad-certificate"));
  });

  it("a PEM character of the chain → step 1 or 5", () => {
    const start = Buffer.from(bytes).indexOf("MII") + 100;
    const result = verifyQuote(flip(bytes, start, 0x20), { now, cache: false });
    expect(result).toMatchObject({ ok: false });
    expect([1, 5]).toContain(result.ok ? 0 : result.step);
  });

  it("bytes after the quote are ignored, whatever they are", () => {
    const padded = Uint8Array.from([...bytes.subarray(0, quote.bytes.length), 1, 2, 3, 0xff]);
    expect(verifyQuote(padded, { now }).ok).toBe(true);
  });
});

describe("a forged quote", () => {
  it("a new attestation key with a recomputed QE REPORTDATA passes steps 1–3 and fails at step 4", () => {
    const bytes = sample("dcap-qvl_tdx_quote.bin");
    const quote = parsed(bytes);
    const forged = Uint8Array.from(bytes);
    // Claim another MRTD…
    forged.set(new Uint8Array(48).fill(0x66), 184);
    // …sign it with a key of our own…
    const key = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const sig = quote.signatureDataOffset;
    forged.set(rawKey(key.publicKey), sig + 64);
    // …and make the QE report bind that key, as the genuine QE would have.
    const qe = sig + 134;
    forged.set(createHash("sha256").update(rawKey(key.publicKey)).update(quote.qeAuthData).digest(), qe + 320);
    forged.set(signP1363(forged.subarray(0, quote.signed.length), key.privateKey), sig);

    const result = verifyQuote(forged, { now });
    expect(failure(result)).toEqual({ ok: false, step: 4, reason: "bad-signature" });
    expect(result.ok ? undefined : result.quote?.body.mrTd).toEqual(new Uint8Array(48).fill(0x66));
  });
});

describe("truncation", () => {
  it.each(sampleNames)("every prefix of %s shorter than the quote is refused, without a throw", (name) => {
    const bytes = sample(name);
    const length = parsed(bytes).bytes.length;
    for (let n = 0; n < length; n++) {
      const result = parseQuote(bytes.subarray(0, n));
      if (result.ok) throw new Error(`a ${n}-byte prefix parsed`);
      if (result.reason !== "truncated") throw new Error(`a ${n}-byte prefix: ${result.reason}`);
    }
    for (let n = length; n <= bytes.length; n++) expect(parseQuote(bytes.subarray(0, n)).ok).toBe(true);
  });

  it("verification refuses every prefix of a quote at step 1", () => {
    const bytes = sample("go-tdx-guest_quote_v5_sample.dat");
    for (let n = 0; n < bytes.length; n++) {
      const result = verifyQuote(bytes.subarray(0, n), { now });
      if (result.ok || result.step !== 1) throw new Error(`a ${n}-byte prefix: ${JSON.stringify(failure(result))}`);
    }
  });
});

describe("fuzz", () => {
  const real = sampleNames.map(sample);

  it("the parser never throws on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 6000 }), (bytes) => {
        const result = parseQuote(bytes);
        return result.ok ? result.quote.bytes.length <= bytes.length : typeof result.reason === "string" && result.offset >= 0;
      }),
      { numRuns: 3000, seed },
    );
  });

  it("the parser never throws on a real quote's header with random bytes after it", () => {
    fc.assert(
      fc.property(fc.constantFrom(...real), fc.nat(5000), fc.uint8Array({ maxLength: 6000 }), (quote, keep, tail) => {
        const result = parseQuote(Uint8Array.from([...quote.subarray(0, Math.min(keep, quote.length)), ...tail]));
        return result.ok || typeof result.reason === "string";
      }),
      { numRuns: 2000, seed },
    );
  });

  it("mutated real quotes never throw and never verify", () => {
    const mutation = fc.record({ sample: fc.nat(real.length - 1), flips: fc.array(fc.record({ at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 4 }) });
    fc.assert(
      fc.property(mutation, ({ sample: which, flips }) => {
        const original = real[which]!;
        const length = parsed(original).bytes.length;
        const bytes = Uint8Array.from(original);
        for (const { at, mask } of flips) bytes[at % length]! ^= mask;
        if (Buffer.from(bytes).equals(Buffer.from(original))) return true;
        const result = verifyQuote(bytes, { now, cache: false });
        return !result.ok && result.step >= 1 && result.step <= 6;
      }),
      { numRuns: 600, seed },
    );
  });
});
