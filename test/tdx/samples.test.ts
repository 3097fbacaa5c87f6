// The real quotes of ../shared/testdata/tdx: each parses to exactly what expected.json records and
// verifies (steps 1–6) inside its certificates' validity; with collateral (step 7) the statuses the
// issue requires, and a stale result outside the collateral's windows.
import { createHash, X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { evaluateTcb, intelRoot, parseQeIdentity, parseQuote, parseTcbInfo, verifyQuote, type PckExtension, type Quote, type TcbStatus, type VerifiedQuote } from "@coal/runtime/tdx";
import { testPki } from "../support/tdx-synth.js";
import { collateral, expected, hex, insideAllCertificates, sample, sampleNames } from "./samples.js";

const allStatuses: TcbStatus[] = ["UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded", "OutOfDate", "OutOfDateConfigurationNeeded", "TDRelaunchAdvised", "TDRelaunchAdvisedConfigurationNeeded", "Revoked", "TcbNotSupported"];

function parsed(name: string): Quote {
  const result = parseQuote(sample(name));
  if (!result.ok) throw new Error(`${name}: ${result.reason}: ${result.message}`);
  return result.quote;
}

function verified(name: string, now: number, options: Omit<Parameters<typeof verifyQuote>[1], "now"> = {}): VerifiedQuote {
  const result = verifyQuote(sample(name), { now, ...options });
  if (!result.ok) throw new Error(`${name}: step ${result.step} (${result.stepName}) ${result.reason}: ${result.message}`);
  return result;
}

describe("every real sample parses to expected.json", () => {
  it.each(sampleNames)("%s", (name) => {
    const e = expected[name]!;
    const quote = parsed(name);
    expect(quote.version).toBe(e.quoteVersion);
    expect(`0x${quote.teeType.toString(16)}`).toBe(e.teeType);
    expect(quote.attestationKeyType).toBe(e.attestationKeyType);
    expect(hex(quote.qeVendorId)).toBe(e.qeVendorId);
    expect(quote.signed.length).toBe(e.signedLength);
    expect(quote.signatureDataOffset).toBe(e.sigDataStart);
    expect(quote.signatureDataLength).toBe(e.sigDataLength);
    expect(quote.trailingBytes).toBe(e.trailingBytesAfterSigData);
    expect(quote.bytes.length + quote.trailingBytes).toBe(e.fileBytes);
    expect(quote.certificationDataType).toBe(e.outerCertDataType);
    expect(quote.pckCertificationDataType).toBe(e.innerCertDataType);
    expect(quote.qeAuthData.length).toBe(e.qeAuthDataLength);
    expect(quote.bodyType).toBe(e.quoteVersion === 4 ? 2 : 3);
    const body = quote.body;
    const fields = { teeTcbSvn: body.teeTcbSvn, mrSeam: body.mrSeam, mrSignerSeam: body.mrSignerSeam, seamAttributes: body.seamAttributes, tdAttributes: body.tdAttributes, xfam: body.xfam, mrTd: body.mrTd, mrConfigId: body.mrConfigId, mrOwner: body.mrOwner, mrOwnerConfig: body.mrOwnerConfig, rtmr0: body.rtmr0, rtmr1: body.rtmr1, rtmr2: body.rtmr2, rtmr3: body.rtmr3, reportData: body.reportData, teeTcbSvn2: body.teeTcbSvn2, mrServiceTd: body.mrServiceTd };
    for (const [field, value] of Object.entries(fields)) expect(hex(value), field).toBe(e[field]);
    const qe = quote.qeReport;
    expect({ cpuSvn: hex(qe.cpuSvn), miscSelect: qe.miscSelect, attributes: hex(qe.attributes), mrEnclave: hex(qe.mrEnclave), mrSigner: hex(qe.mrSigner), isvProdId: qe.isvProdId, isvSvn: qe.isvSvn, reportData: hex(qe.reportData) }).toEqual(e.qeReport);
    expect(quote.pckChain.map((der) => createHash("sha256").update(der).digest("hex").toUpperCase().match(/../g)!.join(":"))).toEqual(e.certChain.map((c) => c.fp));
    expect(quote.pckChain.map((der) => new X509Certificate(der).subject.split("\n")[0])).toEqual(e.certChain.map((c) => c.subject));
  });
});

describe("steps 1–6 pass for every sample inside its certificates' validity", () => {
  it.each(sampleNames)("%s", (name) => {
    const e = expected[name]!;
    const result = verified(name, insideAllCertificates);
    expect(hex(result.pck.fmspc)).toBe(e.pck.fmspc);
    expect(hex(result.pck.pceId)).toBe(e.pck.pceid);
    expect(result.pckChain.map((c) => [c.notBefore, c.notAfter])).toEqual(e.certChain.map((c) => [Date.parse(c.validFrom), Date.parse(c.validTo)]));
    expect(result.pckChain[2]!.fingerprint).toBe(intelRoot.certificate.fingerprint);
    // The window the verification holds in is the chain's; inside it, any time verifies.
    const middle = Math.floor((result.validFrom + result.validUntil) / 2);
    expect(verifyQuote(sample(name), { now: middle }).ok).toBe(true);
    expect(verifyQuote(sample(name), { now: result.validFrom }).ok).toBe(true);
    expect(verifyQuote(sample(name), { now: result.validUntil }).ok).toBe(true);
  });

  it.each(sampleNames)("%s is refused at step 5 before and after its chain's validity", (name) => {
    const { validFrom, validUntil } = verified(name, insideAllCertificates);
    expect(verifyQuote(sample(name), { now: validFrom - 1000 })).toMatchObject({ ok: false, step: 5, stepName: "pck-chain", reason: "not-yet-valid" });
    expect(verifyQuote(sample(name), { now: validUntil + 1000 })).toMatchObject({ ok: false, step: 5, reason: "expired" });
  });

  it("a real quote does not verify under another root (the chain must end at the pinned one)", () => {
    const result = verifyQuote(sample("dcap-qvl_tdx_quote.bin"), { now: insideAllCertificates, root: testPki().trusted });
    expect(result).toMatchObject({ ok: false, step: 5, reason: "untrusted-root" });
  });

  it("SPR_E4 lacks SEPT_VE_DISABLE: accepted by default, refused when the policy requires it (as dcap-qvl does)", () => {
    expect(verifyQuote(sample("go-tdx-guest_tdx_prod_quote_SPR_E4.dat"), { now: insideAllCertificates }).ok).toBe(true);
    expect(verifyQuote(sample("go-tdx-guest_tdx_prod_quote_SPR_E4.dat"), { now: insideAllCertificates, policy: { requireSeptVeDisable: true } })).toMatchObject({ ok: false, step: 6, reason: "sept-ve-disable" });
    expect(verifyQuote(sample("dcap-qvl_tdx_quote.bin"), { now: insideAllCertificates, policy: { requireSeptVeDisable: true } }).ok).toBe(true);
  });

  it("mosaik's own pinned MRTD matches dcap-qvl_tdx_quote.bin, and a wrong pin is refused at step 8", () => {
    const mrtd = Buffer.from("91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7", "hex");
    expect(verifyQuote(sample("dcap-qvl_tdx_quote.bin"), { now: insideAllCertificates, measurements: { baseline: { mrtd } } }).ok).toBe(true);
    expect(verifyQuote(sample("dcap-qvl_tdx_quote.bin"), { now: insideAllCertificates, measurements: { baseline: { rtmr3: new Uint8Array(48).fill(1) } } })).toMatchObject({ ok: false, step: 8, reason: "measurements" });
  });
});

describe("collateral (step 7)", () => {
  const june = Date.parse("2025-06-20T00:00:00Z");
  const february = Date.parse("2026-02-19T00:00:00Z");

  it("dcap-qvl_tdx_quote.bin with its own collateral at 2025-06-20 is UpToDate", () => {
    const result = verified("dcap-qvl_tdx_quote.bin", june, { collateral: collateral("dcap-qvl_tdx_quote_collateral.json") });
    expect(result.tcb).toMatchObject({ status: "UpToDate", advisoryIds: [], platform: { sgxLevel: 0, tdxLevel: 0, status: "UpToDate" }, tdxModule: { identity: "TDX_01", status: "UpToDate" }, qe: { status: "UpToDate", isvSvn: 6 } });
    // The verification holds until the first collateral item lapses (the PCK CRL's nextUpdate).
    expect(result.validUntil).toBe(Date.parse("2025-07-19T10:00:35Z"));
  });

  it("go-tdx-guest_quote_v5_sample.dat with dcap-qvl_tdx_quote_outdated_collateral.json at 2026-02-19 is UpToDate", () => {
    const result = verified("go-tdx-guest_quote_v5_sample.dat", february, { collateral: collateral("dcap-qvl_tdx_quote_outdated_collateral.json") });
    expect(result.tcb).toMatchObject({ status: "UpToDate", platform: { tdxLevel: 0 }, tdxModule: { identity: "TDX_01", status: "UpToDate" }, qe: { status: "UpToDate", isvSvn: 7 } });
  });

  it("dcap-qvl_tdx_quote_outdated_v5.bin with its own collateral at 2026-02-19 is TcbNotSupported: its SEAMLDR ACM SVN is below every TCB level", () => {
    const options = { collateral: collateral("dcap-qvl_tdx_quote_outdated_collateral.json") };
    const refused = verifyQuote(sample("dcap-qvl_tdx_quote_outdated_v5.bin"), { now: february, ...options });
    expect(refused).toMatchObject({ ok: false, step: 7, reason: "tcb-status", tcb: { status: "TcbNotSupported" } });
    // Why: the PCK certificate's SGX TCB component 8 — "SEAMLDR ACM" in the TCB info — is 3, and
    // every one of the TCB info's three levels requires at least 5. No level is selected, which
    // Intel's QVL reports as STATUS_TCB_NOT_SUPPORTED and Rust dcap-qvl as "No matching TCB level
    // found". The TDX module identities are consulted only once a level is selected, and would not
    // save it: TDX_01 with ISVSVN 7 (TEE_TCB_SVN 07 01 03) is UpToDate.
    const accepted = verified("dcap-qvl_tdx_quote_outdated_v5.bin", february, { ...options, policy: { acceptedTcbStatuses: allStatuses } });
    expect(accepted.pck.sgxTcbComponents).toEqual([3, 3, 2, 2, 4, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0]);
    const info = parseTcbInfo(options.collateral.tcb_info);
    expect(info.levels.map((level) => level.sgxComponents[7])).toEqual([5, 5, 5]);
    expect(JSON.parse(options.collateral.tcb_info).tcbLevels[0].tcb.sgxtcbcomponents[7]).toEqual({ svn: 5, category: "OS/VMM", type: "SEAMLDR ACM" });
    expect(accepted.tcb).toMatchObject({ status: "TcbNotSupported", platform: {}, tdxModule: {} });
    expect(accepted.tcb!.explanation).toContain("component 8 is 3 < 5");
    // A platform with that one component at 5 would be UpToDate, module identity included.
    const patched: PckExtension = { ...accepted.pck, sgxTcbComponents: accepted.pck.sgxTcbComponents.map((svn, i) => (i === 7 ? 5 : svn)) };
    const evaluation = evaluateTcb(accepted.quote, patched, info, parseQeIdentity(options.collateral.qe_identity));
    expect(evaluation).toMatchObject({ status: "UpToDate", platform: { sgxLevel: 0, tdxLevel: 0 }, tdxModule: { identity: "TDX_01", status: "UpToDate" } });
  });

  it("dcap-qvl_quote-from-tappd.hex with dcap-qvl_tdx_quote_collateral.json at 2025-06-20 is TcbNotSupported (an older TCB)", () => {
    const result = verifyQuote(sample("dcap-qvl_quote-from-tappd.hex"), { now: june, collateral: collateral("dcap-qvl_tdx_quote_collateral.json") });
    expect(result).toMatchObject({ ok: false, step: 7, reason: "tcb-status", tcb: { status: "TcbNotSupported" } });
  });

  it("outside the collateral's validity windows the result says the collateral is stale", () => {
    const bundle = collateral("dcap-qvl_tdx_quote_collateral.json");
    const after = verifyQuote(sample("dcap-qvl_tdx_quote.bin"), { now: Date.parse("2025-07-20T00:00:00Z"), collateral: bundle });
    expect(after).toMatchObject({ ok: false, step: 7, stepName: "collateral", reason: "stale" });
    expect(after.ok || after.message).toMatch(/stale.*TCB info expired/);
    const before = verifyQuote(sample("dcap-qvl_tdx_quote.bin"), { now: Date.parse("2025-06-19T00:00:00Z"), collateral: bundle });
    expect(before).toMatchObject({ ok: false, step: 7, reason: "stale" });
    const outdated = verifyQuote(sample("go-tdx-guest_quote_v5_sample.dat"), { now: Date.parse("2026-03-21T00:00:00Z"), collateral: collateral("dcap-qvl_tdx_quote_outdated_collateral.json") });
    expect(outdated).toMatchObject({ ok: false, step: 7, reason: "stale" });
  });

  it("collateral for another platform is refused (FMSPC)", () => {
    const result = verifyQuote(sample("dcap-qvl_tdx_quote.bin"), { now: february, collateral: collateral("dcap-qvl_tdx_quote_outdated_collateral.json") });
    expect(result).toMatchObject({ ok: false, step: 7, reason: "fmspc" });
  });

  it("a lookup by FMSPC finds the bundle, and a missing one is refused", () => {
    const bundle = collateral("dcap-qvl_tdx_quote_collateral.json");
    const asked: string[] = [];
    const lookup = (fmspc: string) => (asked.push(fmspc), fmspc === "b0c06f000000" ? bundle : undefined);
    expect(verified("dcap-qvl_tdx_quote.bin", june, { collateral: lookup }).tcb?.status).toBe("UpToDate");
    expect(verifyQuote(sample("go-tdx-guest_quote_v5_sample.dat"), { now: february, collateral: lookup })).toMatchObject({ ok: false, step: 7, reason: "missing" });
    expect(asked).toEqual(["b0c06f000000", "90c06f000000"]);
  });

  it("altered collateral is refused: documents, signatures, chains, CRLs", () => {
    const quote = sample("dcap-qvl_tdx_quote.bin");
    const bundle = collateral("dcap-qvl_tdx_quote_collateral.json");
    const flipHex = (text: string, at: number) => text.slice(0, at) + (text[at] === "0" ? "1" : "0") + text.slice(at + 1);
    const cases: [Partial<typeof bundle>, string][] = [
      [{ tcb_info: bundle.tcb_info.replace('"UpToDate"', '"UpToDate" ') }, "signature"],
      [{ qe_identity: bundle.qe_identity.replace('"isvprodid":2', '"isvprodid":3') }, "signature"],
      [{ tcb_info_signature: flipHex(bundle.tcb_info_signature, 10) }, "signature"],
      [{ qe_identity_signature: flipHex(bundle.qe_identity_signature, 100) }, "signature"],
      [{ tcb_info: "not json" }, "malformed"],
      [{ root_ca_crl: bundle.root_ca_crl.slice(0, -2) }, "malformed"],
      [{ pck_crl: flipHex(bundle.pck_crl, bundle.pck_crl.length - 20) }, "crl"],
      [{ root_ca_crl: flipHex(bundle.root_ca_crl, bundle.root_ca_crl.length - 20) }, "crl"],
      [{ tcb_info_issuer_chain: bundle.tcb_info_issuer_chain.split("-----END CERTIFICATE-----\n")[0] + "-----END CERTIFICATE-----\n" }, "chain"],
      [{ pck_crl_issuer_chain: bundle.tcb_info_issuer_chain }, "chain"],
      [{ qe_identity_issuer_chain: bundle.pck_crl_issuer_chain }, "chain"],
    ];
    for (const [change, reason] of cases) {
      const result = verifyQuote(quote, { now: june, collateral: { ...bundle, ...change } });
      expect(result, JSON.stringify(Object.keys(change))).toMatchObject({ ok: false, step: 7, reason });
    }
  });
});
