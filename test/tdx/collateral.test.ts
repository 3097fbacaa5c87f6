// Step 7 with synthetic collateral under the test root: revocation, staleness, the QE identity,
// TCB-level selection over SGX components (from the PCK certificate) and TDX components
// (TEE_TCB_SVN, with Intel's rule for the module bytes), the TDX module identities, the relaunch
// check of TDX 1.5, and how statuses converge — each as Intel's QVL decides it.
import { describe, expect, it } from "vitest";
import { verifyQuote, type TcbStatus, type Verification } from "@coal/runtime/tdx";
import { intelQeMrSigner, level, synthCollateral, synthQuote, testEpoch, testPki, type CollateralSpec, type QuoteSpec } from "../support/tdx-synth.js";

const pki = testPki();
const now = testEpoch;
const day = 86_400_000;
const window = { issued: now - day, nextUpdate: now + 29 * day };
const all: TcbStatus[] = ["UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded", "OutOfDate", "OutOfDateConfigurationNeeded", "TDRelaunchAdvised", "TDRelaunchAdvisedConfigurationNeeded", "Revoked", "TcbNotSupported"];
const pad = (values: readonly number[]) => [...values, ...new Array(16 - values.length).fill(0)];
const svn = (...values: number[]) => Uint8Array.from(pad(values));
/** The default platform's SGX components and PCE SVN (see tdx-synth.ts). */
const sgx = pad([4, 4, 2, 2, 4, 1, 0, 5]);

function run(quote: Partial<QuoteSpec> = {}, collateral: Partial<CollateralSpec> = {}, at = now): Verification {
  return verifyQuote(synthQuote({ pki, ...quote }), { now: at, root: pki.trusted, collateral: synthCollateral(pki, { ...window, ...collateral }), policy: { acceptedTcbStatuses: all } });
}

function status(result: Verification): string {
  if (!result.ok) throw new Error(`step ${result.step} ${result.reason}: ${result.message}`);
  return result.tcb!.status;
}

function refusal(result: Verification) {
  return result.ok ? { ok: true } : { ok: false, step: result.step, reason: result.reason };
}

describe("verification and revocation", () => {
  it("a current, genuine bundle gives UpToDate, and the verification holds until the bundle lapses", () => {
    const result = run();
    expect(status(result)).toBe("UpToDate");
    expect(result.ok && result.validUntil).toBe(window.nextUpdate);
  });

  it("by default only UpToDate is accepted; the refusal carries the evaluation", () => {
    const bytes = synthQuote({ pki });
    const bundle = synthCollateral(pki, { ...window, tcbLevels: [level(sgx, 13, pad([5, 0, 3]), "OutOfDate")] });
    const result = verifyQuote(bytes, { now, root: pki.trusted, collateral: bundle });
    expect(result).toMatchObject({ ok: false, step: 7, reason: "tcb-status", tcb: { status: "OutOfDate" } });
    expect(verifyQuote(bytes, { now, root: pki.trusted, collateral: bundle, policy: { acceptedTcbStatuses: ["UpToDate", "OutOfDate"] } }).ok).toBe(true);
  });

  it("a revoked PCK certificate, a revoked platform CA, a revoked signing certificate → revoked", () => {
    expect(refusal(run({}, { revokedPck: [pki.pck.serial] }))).toEqual({ ok: false, step: 7, reason: "revoked" });
    expect(refusal(run({}, { revokedCa: [pki.platformCa.serial] }))).toEqual({ ok: false, step: 7, reason: "revoked" });
    expect(refusal(run({}, { revokedCa: [pki.tcbSigning.serial] }))).toEqual({ ok: false, step: 7, reason: "revoked" });
    expect(status(run({}, { revokedPck: [pki.pck.serial + 1n, 77n] }))).toBe("UpToDate");
  });

  it("collateral made for another PKI (another root) fails its chains", () => {
    const other = testPki();
    const result = verifyQuote(synthQuote({ pki }), { now, root: pki.trusted, collateral: synthCollateral(other, window) });
    expect(refusal(result)).toEqual({ ok: false, step: 7, reason: "chain" });
  });

  it("a PCK CRL from another issuer than the PCK certificate's → crl", () => {
    const other = testPki();
    const bundle = synthCollateral(pki, window);
    const foreign = synthCollateral(other, window);
    // The foreign CRL with its own issuer chain is internally consistent, but it is not the PCK leaf's issuer's.
    const mixed = { ...bundle, pck_crl: foreign.pck_crl, pck_crl_issuer_chain: foreign.pck_crl_issuer_chain };
    expect(refusal(verifyQuote(synthQuote({ pki }), { now, root: pki.trusted, collateral: mixed }))).toEqual({ ok: false, step: 7, reason: "chain" });
    const sameName = testPki();
    const lookalike = synthCollateral(sameName, window);
    const swapped = { ...bundle, pck_crl: lookalike.pck_crl };
    expect(refusal(verifyQuote(synthQuote({ pki }), { now, root: pki.trusted, collateral: swapped }))).toEqual({ ok: false, step: 7, reason: "crl" });
  });

  it("stale before its issue date and after its next update; current at both ends", () => {
    expect(refusal(run({}, {}, window.issued - 1))).toEqual({ ok: false, step: 7, reason: "stale" });
    expect(refusal(run({}, {}, window.nextUpdate + 1))).toEqual({ ok: false, step: 7, reason: "stale" });
    expect(status(run({}, {}, window.issued))).toBe("UpToDate");
    expect(status(run({}, {}, window.nextUpdate))).toBe("UpToDate");
  });
});

describe("the QE identity", () => {
  it("another QE (MRSIGNER) → qe-identity", () => {
    expect(refusal(run({ qeMrSigner: Uint8Array.from(intelQeMrSigner).fill(1, 0, 1) }))).toEqual({ ok: false, step: 7, reason: "qe-identity" });
  });

  it("the QE's ISVSVN selects its level: below every level → TcbNotSupported; an OutOfDate QE makes the TD OutOfDate", () => {
    expect(status(run({ qeIsvSvn: 3 }))).toBe("TcbNotSupported");
    const levels = [{ tcb: { isvsvn: 8 }, tcbDate: "2025-06-01T00:00:00Z", tcbStatus: "UpToDate" }, { tcb: { isvsvn: 4 }, tcbDate: "2024-06-01T00:00:00Z", tcbStatus: "OutOfDate", advisoryIDs: ["INTEL-SA-QE"] }];
    const result = run({ qeIsvSvn: 7 }, { qeLevels: levels });
    expect(result.ok && result.tcb).toMatchObject({ status: "OutOfDate", advisoryIds: ["INTEL-SA-QE"], qe: { status: "OutOfDate", isvSvn: 7 } });
    expect(status(run({ qeIsvSvn: 7 }, { qeLevels: [{ ...levels[1]!, tcbStatus: "Revoked" }] }))).toBe("Revoked");
  });
});

describe("TCB level selection", () => {
  it("the first level the SGX components, PCE SVN and TDX components all meet decides, with its advisories", () => {
    const levels = [level(pad([5, 4, 2, 2, 4, 1, 0, 5]), 13, pad([5, 0, 3]), "UpToDate"), level(sgx, 14, pad([5, 0, 3]), "SWHardeningNeeded"), level(sgx, 13, pad([5, 0, 5]), "ConfigurationNeeded"), level(sgx, 13, pad([5, 0, 4]), "OutOfDate")];
    (levels[3] as { advisoryIDs?: string[] }).advisoryIDs = ["INTEL-SA-1", "INTEL-SA-2"];
    const result = run({}, { tcbLevels: levels });
    expect(result.ok && result.tcb).toMatchObject({ status: "OutOfDate", advisoryIds: ["INTEL-SA-1", "INTEL-SA-2"], platform: { sgxLevel: 2, tdxLevel: 3 } });
    expect(status(run({}, { tcbLevels: [level(sgx, 13, pad([5, 0, 3]), "SWHardeningNeeded")] }))).toBe("SWHardeningNeeded");
    expect(status(run({}, { tcbLevels: [level(sgx, 13, pad([5, 0, 3]), "ConfigurationAndSWHardeningNeeded")] }))).toBe("ConfigurationAndSWHardeningNeeded");
  });

  it("no level the SGX components meet, or none the TDX components meet → TcbNotSupported", () => {
    const sgxTooLow = run({}, { tcbLevels: [level(pad([4, 4, 2, 2, 4, 1, 0, 6]), 13, pad([5, 0, 3]), "UpToDate")] });
    expect(status(sgxTooLow)).toBe("TcbNotSupported");
    expect(sgxTooLow.ok && sgxTooLow.tcb!.explanation).toContain("component 8 is 5 < 6");
    expect(status(run({}, { tcbLevels: [level(sgx, 14, pad([5, 0, 3]), "UpToDate")] }))).toBe("TcbNotSupported");
    expect(status(run({ teeTcbSvn: svn(11, 1, 2) }, { tcbLevels: [level(sgx, 13, pad([5, 0, 3]), "UpToDate")] }))).toBe("TcbNotSupported");
  });

  it("with a TDX module version (TEE_TCB_SVN[1] > 0) the module bytes are the identity's to judge, not the level's", () => {
    // The level asks for a module SVN of 9; the TD's is 7, which its module identity (TDX_01, ≥ 6) accepts.
    const levels = [level(sgx, 13, pad([9, 0, 3]), "UpToDate")];
    expect(status(run({ teeTcbSvn: svn(7, 1, 3) }, { tcbLevels: levels }))).toBe("UpToDate");
    // Module version 0: no identity applies, and all sixteen bytes are compared.
    expect(status(run({ teeTcbSvn: svn(7, 0, 3) }, { tcbLevels: levels }))).toBe("TcbNotSupported");
    expect(status(run({ teeTcbSvn: svn(9, 0, 3) }, { tcbLevels: levels }))).toBe("UpToDate");
  });
});

describe("TDX module identities", () => {
  it("the module's ISVSVN selects its level: OutOfDate converges the TD to OutOfDate; below every level → TcbNotSupported", () => {
    const result = run({ teeTcbSvn: svn(3, 1, 3) });
    expect(result.ok && result.tcb).toMatchObject({ status: "OutOfDate", advisoryIds: ["INTEL-SA-TEST"], tdxModule: { identity: "TDX_01", status: "OutOfDate" } });
    expect(status(run({ teeTcbSvn: svn(1, 1, 3) }))).toBe("TcbNotSupported");
  });

  it("a ConfigurationNeeded platform with an OutOfDate module → OutOfDateConfigurationNeeded", () => {
    expect(status(run({ teeTcbSvn: svn(3, 1, 3) }, { tcbLevels: [level(sgx, 13, pad([5, 0, 3]), "ConfigurationNeeded")] }))).toBe("OutOfDateConfigurationNeeded");
  });

  it("no identity for the module version, another MRSIGNERSEAM, or SEAMATTRIBUTES outside the mask → tdx-module", () => {
    expect(refusal(run({ teeTcbSvn: svn(7, 2, 3) }))).toEqual({ ok: false, step: 7, reason: "tdx-module" });
    expect(refusal(run({ mrSignerSeam: new Uint8Array(48).fill(1) }))).toEqual({ ok: false, step: 7, reason: "tdx-module" });
    expect(refusal(run({ teeTcbSvn: svn(7, 0, 3), mrSignerSeam: new Uint8Array(48).fill(1) }, { tcbLevels: [level(sgx, 13, pad([5, 0, 3]), "UpToDate")] }))).toEqual({ ok: false, step: 7, reason: "tdx-module" });
  });

  it("identity ids match case-insensitively, as Intel's QVL uppercases them", () => {
    const identity = { id: "tdx_01", mrsigner: "00".repeat(48), attributes: "0000000000000000", attributesMask: "FFFFFFFFFFFFFFFF", tcbLevels: [{ tcb: { isvsvn: 6 }, tcbDate: "2025-01-01T00:00:00Z", tcbStatus: "UpToDate" }] };
    expect(status(run({}, { tdxModuleIdentities: [identity] }))).toBe("UpToDate");
  });
});

describe("TDX 1.5: the relaunch check", () => {
  const levels = [level(sgx, 13, pad([5, 0, 3]), "UpToDate"), level(sgx, 13, pad([5, 0, 2]), "OutOfDate")];

  it("an OutOfDate TD whose TEE_TCB_SVN_2 already meets the latest levels is advised to relaunch", () => {
    const spec = { version: 5, bodyType: 3, teeTcbSvn: svn(3, 1, 2) } as const;
    expect(status(run({ ...spec, teeTcbSvn2: svn(6, 1, 3) }, { tcbLevels: levels }))).toBe("TDRelaunchAdvised");
    expect(status(run({ ...spec, teeTcbSvn2: svn(5, 1, 3) }, { tcbLevels: levels }))).toBe("OutOfDate");
    expect(status(run({ ...spec, teeTcbSvn2: svn(6, 1, 2) }, { tcbLevels: levels }))).toBe("OutOfDate");
    const configuration = [levels[0]!, level(sgx, 13, pad([5, 0, 2]), "OutOfDateConfigurationNeeded")];
    expect(status(run({ ...spec, teeTcbSvn2: svn(6, 1, 3) }, { tcbLevels: configuration }))).toBe("TDRelaunchAdvisedConfigurationNeeded");
  });

  it("a TDX 1.0 body never gets a relaunch status", () => {
    expect(status(run({ version: 5, bodyType: 2, teeTcbSvn: svn(3, 1, 2) }, { tcbLevels: levels }))).toBe("OutOfDate");
  });
});
