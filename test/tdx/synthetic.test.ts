// Synthetic quotes under a test root: what the parser refuses in the layout, what step 5 refuses
// in a chain (CA flags, path lengths, key usage, critical extensions, names, signatures, times),
// and what step 6 refuses in a TD. Production code pins Intel's root, so none of this verifies
// without injecting the test root — which the first test shows.
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseCertificate, parseQuote, pemCertificates, verifyQuote, type Verification } from "@coal/runtime/tdx";
import { der, issue, quoteHeaderAndBody, sgxExtension, synthQuote, testEpoch, testPki, year, defaultPlatform, type Issued, type QuoteSpec } from "../support/tdx-synth.js";

const pki = testPki();
const now = testEpoch;

function failure(result: Verification) {
  return result.ok ? { ok: true } : { ok: false, step: result.step, reason: result.reason };
}

const verify = (spec: Partial<QuoteSpec> = {}, options: Partial<Parameters<typeof verifyQuote>[1]> = {}) => verifyQuote(synthQuote({ pki, ...spec }), { now, root: pki.trusted, cache: false, ...options });

describe("synthetic quotes", () => {
  it.each([
    { version: 4, bodyType: 2, signed: 632 },
    { version: 5, bodyType: 2, signed: 638 },
    { version: 5, bodyType: 3, signed: 702 },
  ] as const)("v$version body type $bodyType verifies under the test root, signing $signed bytes", ({ version, bodyType, signed }) => {
    const mrTd = new Uint8Array(48).fill(0xab);
    const bytes = synthQuote({ pki, version, bodyType, mrTd, trailing: new Uint8Array(17).fill(9) });
    const result = verifyQuote(bytes, { now, root: pki.trusted });
    expect(failure(result)).toEqual({ ok: true });
    if (!result.ok) return;
    expect(result.quote.signed.length).toBe(signed);
    expect(result.quote.bodyType).toBe(bodyType);
    expect(result.quote.body.mrTd).toEqual(mrTd);
    expect(result.quote.trailingBytes).toBe(17);
    expect(result.pck.fmspc).toEqual(defaultPlatform.fmspc);
  });

  it("never verifies under the pinned Intel root (the default)", () => {
    expect(failure(verifyQuote(synthQuote({ pki }), { now }))).toEqual({ ok: false, step: 5, reason: "untrusted-root" });
  });
});

/** The chain with one certificate's padding bits set: same bytes, another text. */
function nonCanonical(chain: readonly Issued[]): string {
  const index = chain.findIndex((c) => c.pem.includes("=\n-----END"));
  expect(index).toBeGreaterThanOrEqual(0);
  const pem = chain[index]!.pem;
  const at = pem.search(/=+\n-----END/) - 1;
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const bumped = pem.slice(0, at) + alphabet[alphabet.indexOf(pem[at]!) + 1] + pem.slice(at + 1);
  expect(Buffer.from(bumped.split("\n").slice(1, -2).join(""), "base64")).toEqual(Buffer.from(pem.split("\n").slice(1, -2).join(""), "base64"));
  return chain.map((c, i) => (i === index ? bumped : c.pem)).join("");
}

describe("step 1: the parser refuses what the layout does not allow", () => {
  const signed = quoteHeaderAndBody({ pki, version: 5, bodyType: 3 });
  const withHeader = (patch: (bytes: Uint8Array) => void, spec: Partial<QuoteSpec> = {}) => {
    const bytes = Uint8Array.from(synthQuote({ pki, version: 5, bodyType: 3, ...spec }));
    patch(bytes);
    return parseQuote(bytes);
  };

  it.each([
    { what: "an SGX body (type 1)", patch: (b: Uint8Array) => b.set([1, 0], 48), reason: "unsupported-body-type" },
    { what: "a body size that is not the type's", patch: (b: Uint8Array) => b.set([0x89, 2], 50), reason: "bad-body-size" },
    { what: "attestation key type 3", patch: (b: Uint8Array) => b.set([3, 0], 2), reason: "unsupported-key-type" },
    { what: "an SGX TEE type", patch: (b: Uint8Array) => b.set([0, 0, 0, 0], 4), reason: "unsupported-tee" },
    { what: "version 3", patch: (b: Uint8Array) => b.set([3, 0], 0), reason: "unsupported-version" },
    { what: "certification data type 5 outside", patch: (b: Uint8Array) => b.set([5, 0], signed.length + 4 + 128), reason: "bad-certification-type" },
    { what: "a certification data size that overruns", patch: (b: Uint8Array) => b.set([0xff, 0xff, 0, 0], signed.length + 4 + 130), reason: "bad-length" },
    { what: "signature data over 64 KiB", patch: (b: Uint8Array) => b.set([0, 0, 2, 0], signed.length), reason: "too-large" },
  ])("$what → $reason", ({ patch, reason }) => {
    expect(withHeader(patch)).toMatchObject({ ok: false, reason });
  });

  it("an inner certification data type other than 5", () => {
    const bytes = Uint8Array.from(synthQuote({ pki }));
    const quote = parseQuote(bytes);
    if (!quote.ok) throw new Error(quote.message);
    const inner = quote.quote.signatureDataOffset + 134 + 384 + 64 + 2 + quote.quote.qeAuthData.length;
    bytes.set([3, 0], inner);
    expect(parseQuote(bytes)).toMatchObject({ ok: false, reason: "bad-certification-type" });
  });

  it.each([
    { what: "a blank line between certificates", chain: pki.pck.pem + "\n" + pki.platformCa.pem + pki.root.pem },
    { what: "CRLF line breaks", chain: (pki.pck.pem + pki.platformCa.pem + pki.root.pem).replace(/\n/g, "\r\n") },
    { what: "no final line break", chain: (pki.pck.pem + pki.platformCa.pem + pki.root.pem).trimEnd() },
    { what: "a private key block", chain: pki.pck.pem + "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" + pki.root.pem },
    { what: "non-canonical base64", chain: nonCanonical([pki.pck, pki.platformCa, pki.root]) },
    { what: "an unclosed block", chain: pki.pck.pem + "-----BEGIN CERTIFICATE-----\nAAAA\n" },
  ])("a PCK chain with $what → bad-pck-chain", ({ chain }) => {
    expect(parseQuote(synthQuote({ pki, chainPem: chain }))).toMatchObject({ ok: false, reason: "bad-pck-chain" });
  });

  it("QE auth data of any length is carried and bound", () => {
    for (const length of [0, 1, 32, 300]) expect(failure(verify({ qeAuthData: new Uint8Array(length).fill(3) }))).toEqual({ ok: true });
  });
});

describe("step 5: the PCK chain", () => {
  const root = pki.root;
  const chainWith = (leaf: Issued, ...middle: Issued[]) => ({ chainPem: [leaf, ...middle, root].map((c) => c.pem).join("") });
  const leafSpec = { name: "leaf", serial: 9n, notBefore: testEpoch - year, notAfter: testEpoch + year, ca: false as const, keyUsage: [0], extra: [sgxExtension(defaultPlatform)] };
  const caSpec = { name: "ca", serial: 8n, notBefore: testEpoch - year, notAfter: testEpoch + year, ca: { pathLength: 0 }, keyUsage: [5, 6], issuer: root };
  /** A quote whose QE report is signed by `leaf` and whose chain is `chain`. */
  const quoteBy = (leaf: Issued, chain: { chainPem: string }) => verify({ ...chain, pki: { ...pki, pck: leaf } });

  it.each([
    { what: "an intermediate that is not a CA", ca: { ...caSpec, ca: false as const }, reason: "not-ca" },
    { what: "an intermediate that may not sign certificates", ca: { ...caSpec, keyUsage: [6] }, reason: "key-usage" },
    { what: "an unknown critical extension", ca: { ...caSpec, extra: [der.seq(der.oid("1.2.3.4"), der.bool(true), der.octets(der.seq()))] }, reason: "critical-extension" },
  ])("$what → $reason", ({ ca, reason }) => {
    const intermediate = issue(ca);
    const leaf = issue({ ...leafSpec, issuer: intermediate });
    expect(failure(quoteBy(leaf, chainWith(leaf, intermediate)))).toEqual({ ok: false, step: 5, reason });
  });

  it("a path longer than the root's path length allows → path-length", () => {
    const first = issue({ ...caSpec, ca: {} });
    const second = issue({ ...caSpec, name: "ca 2", issuer: first });
    const leaf = issue({ ...leafSpec, issuer: second });
    expect(failure(quoteBy(leaf, chainWith(leaf, second, first)))).toEqual({ ok: false, step: 5, reason: "path-length" });
  });

  it("a leaf that is a CA → leaf-is-ca", () => {
    const leaf = issue({ ...leafSpec, ca: {}, issuer: pki.platformCa });
    expect(failure(quoteBy(leaf, chainWith(leaf, pki.platformCa)))).toEqual({ ok: false, step: 5, reason: "leaf-is-ca" });
  });

  it("a leaf signed by another key → bad-signature; naming another issuer → issuer-mismatch", () => {
    const forged = issue({ ...leafSpec, issuer: pki.platformCa, signingKey: generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey });
    expect(failure(quoteBy(forged, chainWith(forged, pki.platformCa)))).toEqual({ ok: false, step: 5, reason: "bad-signature" });
    const stranger = issue({ ...caSpec, name: "stranger" });
    const misnamed = issue({ ...leafSpec, issuer: stranger });
    expect(failure(quoteBy(misnamed, chainWith(misnamed, pki.platformCa)))).toEqual({ ok: false, step: 5, reason: "issuer-mismatch" });
  });

  it("a leaf without the SGX extension → bad-certificate", () => {
    const leaf = issue({ ...leafSpec, extra: [], issuer: pki.platformCa });
    expect(failure(quoteBy(leaf, chainWith(leaf, pki.platformCa)))).toEqual({ ok: false, step: 5, reason: "bad-certificate" });
  });

  it("a chain of the root alone → chain-length; a P-384 leaf → algorithm", () => {
    expect(failure(quoteBy(pki.pck, { chainPem: root.pem }))).toEqual({ ok: false, step: 5, reason: "chain-length" });
    const p384 = issue({ ...leafSpec, issuer: pki.platformCa, key: generateKeyPairSync("ec", { namedCurve: "P-384" }) });
    // Chain checks run before step 4 needs the leaf's key, so the leaf's curve is refused at step 5.
    expect(failure(quoteBy(pki.pck, chainWith(p384, pki.platformCa)))).toEqual({ ok: false, step: 5, reason: "algorithm" });
  });

  it("times: a leaf not yet valid, an expired intermediate", () => {
    const early = testPki({ pckNotBefore: now + 1000 });
    expect(failure(verifyQuote(synthQuote({ pki: early }), { now, root: early.trusted }))).toEqual({ ok: false, step: 5, reason: "not-yet-valid" });
    const intermediate = issue({ ...caSpec, notAfter: now - 1000 });
    const leaf = issue({ ...leafSpec, issuer: intermediate });
    expect(failure(quoteBy(leaf, chainWith(leaf, intermediate)))).toEqual({ ok: false, step: 5, reason: "expired" });
  });

  it("the DER reader is strict: a non-minimal length, an explicit critical FALSE, trailing bytes", () => {
    const good = pemCertificates(pki.pck.pem)[0]!;
    expect(() => parseCertificate(good)).not.toThrow();
    expect(() => parseCertificate(Uint8Array.from([...good, 0]))).toThrow(/bytes after the value/);
    const longForm = Uint8Array.from([0x30, 0x83, 0x00, good[2]!, good[3]!, ...good.subarray(4)]);
    expect(() => parseCertificate(longForm)).toThrow(/not minimally encoded/);
    const explicitFalse = issue({ ...leafSpec, issuer: pki.platformCa, extra: [sgxExtension(defaultPlatform), der.seq(der.oid("2.5.29.14"), der.bool(false), der.octets(der.octets(new Uint8Array(20))))] });
    expect(() => parseCertificate(explicitFalse.der)).toThrow(/critical FALSE/);
  });
});

describe("step 6: TD policy", () => {
  const attributes = (bits: number[]) => {
    const bytes = new Uint8Array(8);
    for (const bit of bits) bytes[bit >> 3]! |= 1 << (bit & 7);
    return bytes;
  };

  it.each([
    { what: "DEBUG", tdAttributes: attributes([0, 28]), reason: "debug" },
    { what: "a reserved TUD bit", tdAttributes: attributes([1, 28]), reason: "reserved-attributes" },
    { what: "a reserved SEC bit", tdAttributes: attributes([27, 28]), reason: "reserved-attributes" },
    { what: "bit 29", tdAttributes: attributes([29]), reason: "reserved-attributes" },
    { what: "a reserved OTHER bit", tdAttributes: attributes([40, 28]), reason: "reserved-attributes" },
  ])("TDATTRIBUTES with $what → $reason", ({ tdAttributes, reason }) => {
    expect(failure(verify({ tdAttributes }))).toEqual({ ok: false, step: 6, reason });
  });

  it("PKS, KL and PERFMON are features, not reserved", () => {
    expect(failure(verify({ tdAttributes: attributes([28, 30, 31, 63]) }))).toEqual({ ok: true });
  });

  it("a debuggable TD passes only when the policy allows it", () => {
    expect(failure(verify({ tdAttributes: attributes([0]) }, { policy: { allowDebug: true } }))).toEqual({ ok: true });
  });

  it("non-zero SEAMATTRIBUTES (a debug TDX module) → seam-attributes", () => {
    expect(failure(verify({ seamAttributes: Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0) }))).toEqual({ ok: false, step: 6, reason: "seam-attributes" });
  });

  it("a non-zero MRSERVICETD is refused unless allowed", () => {
    const spec = { version: 5 as const, bodyType: 3 as const, mrServiceTd: new Uint8Array(48).fill(1) };
    expect(failure(verify(spec))).toEqual({ ok: false, step: 6, reason: "service-td" });
    expect(failure(verify(spec, { policy: { allowServiceTd: true } }))).toEqual({ ok: true });
  });
});
