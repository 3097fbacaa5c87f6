// Offline verification of a TDX quote at an explicit time, spec 05's steps 1–8:
//
//   1 parse          strict parse (quote.ts)
//   2 quote-signature the attestation key signs header ‖ body
//   3 qe-binding     QE REPORTDATA = SHA-256(attestation key ‖ QE auth data) ‖ 32 zero bytes
//   4 qe-signature   the PCK leaf signs the QE report — the step mosaik skips, without which a
//                    self-made attestation key passes
//   5 pck-chain      leaf ← intermediate(s) ← the pinned root, byte for byte; CA flags, path
//                    lengths, key usage, validity at `now`; the leaf carries the SGX extension
//   6 td-policy      debug off, reserved TDATTRIBUTES bits zero, SEAMATTRIBUTES zero, MRSERVICETD
//                    zero unless allowed
//   7 collateral     optional: TCB info, QE identity, CRLs (collateral.ts, tcb.ts) → a TCB status
//                    the policy must accept
//   8 measurements   optional baseline / any-of pins on MRTD and RTMR0..3
//
// Certificates are parsed before step 4 needs the leaf's key, so an unparseable certificate is a
// step-5 failure. Every failure names its step and a stable reason code. The chain work (parsing,
// signatures, the SGX extension) and the attestation key are cached per platform, so verifying
// many quotes from one platform costs a parse and two ECDSA verifications each.
import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from "node:crypto";
import type { Bytes } from "../identity/bytes.js";
import type { MeasurementsCriteria } from "../identity/admission.js";
import { checkCollateralTime, checkRevocation, CollateralError, collateralTcb, verifyCollateral, type Collateral } from "./collateral.js";
import { intelRoot } from "./intel-root.js";
import { judgeMeasurements } from "./measurements.js";
import { parseQuote, type Quote } from "./quote.js";
import { pckExtension, type PckExtension } from "./sgx-extension.js";
import type { TcbEvaluation, TcbStatus } from "./tcb.js";
import { CertificateError, checkWindow, parseChain, verifyChainStructure, type Certificate, type TrustedRoot, type ValidityWindow } from "./x509.js";

export const steps = { 1: "parse", 2: "quote-signature", 3: "qe-binding", 4: "qe-signature", 5: "pck-chain", 6: "td-policy", 7: "collateral", 8: "measurements" } as const;
export type Step = keyof typeof steps;
export type StepName = (typeof steps)[Step];

/** What a TD may be: defaults are the strict choice. */
export interface TdPolicy {
  /** Accept TDATTRIBUTES.DEBUG (a debuggable TD, whose memory the host can read). Default false. */
  readonly allowDebug?: boolean;
  /** Accept a non-zero MRSERVICETD (a TD bound to a service TD, TDX 1.5). Default false. */
  readonly allowServiceTd?: boolean;
  /** Require TDATTRIBUTES.SEPT_VE_DISABLE, as dcap-qvl does. Default false. */
  readonly requireSeptVeDisable?: boolean;
  /** TCB statuses accepted when collateral is given. Default: only UpToDate. */
  readonly acceptedTcbStatuses?: readonly TcbStatus[];
}

/** A collateral bundle, or where to find one for a platform (by FMSPC, lower-case hex). */
export type CollateralSource = Collateral | ((fmspc: string) => Collateral | undefined);

export interface VerifyOptions {
  /** Unix milliseconds: certificate, CRL and collateral windows are judged at this time. */
  readonly now: number;
  /** The root the PCK chain must end at. Default: the pinned Intel SGX Root CA. */
  readonly root?: TrustedRoot;
  /** Collateral for step 7: a bundle, or a lookup by the PCK certificate's FMSPC (lower-case hex). */
  readonly collateral?: CollateralSource;
  readonly policy?: TdPolicy;
  readonly measurements?: { readonly baseline?: MeasurementsCriteria; readonly anyOf?: readonly MeasurementsCriteria[] };
  /** Per-platform cache (PCK chains, attestation keys); `false` recomputes everything. Default: one shared cache. */
  readonly cache?: PlatformCache | false;
}

export interface VerifiedQuote {
  readonly ok: true;
  readonly quote: Quote;
  /** The PCK chain, leaf first, and the leaf's SGX extension (FMSPC, TCB components). */
  readonly pckChain: readonly Certificate[];
  readonly pck: PckExtension;
  /** Present when collateral was given: the TCB evaluation and the bundle that made it. */
  readonly tcb?: TcbEvaluation;
  readonly collateral?: Collateral;
  /** The span (unix ms) in which certificates and collateral all stay valid. */
  readonly validFrom: number;
  readonly validUntil: number;
}

export interface VerifyFailure {
  readonly ok: false;
  readonly step: Step;
  readonly stepName: StepName;
  /** Stable within its step (`truncated`, `bad-signature`, `stale`, …). */
  readonly reason: string;
  readonly message: string;
  /** The parsed quote, when step 1 passed. */
  readonly quote?: Quote;
  /** The TCB evaluation, when step 7 got that far (a status the policy refused). */
  readonly tcb?: TcbEvaluation;
}

export type Verification = VerifiedQuote | VerifyFailure;

class StepFailure {
  constructor(
    readonly step: Step,
    readonly reason: string,
    readonly message: string,
    readonly tcb?: TcbEvaluation,
  ) {}
}

interface VerifiedChain {
  readonly chain: readonly Certificate[];
  readonly pck: PckExtension;
  readonly window: ValidityWindow;
}

/**
 * What verification learns about a platform and can reuse: its PCK chains, checked but for the
 * time (by root and chain text), and its attestation keys as key objects (by their bytes). A
 * platform's QE keeps one attestation key and one chain for many quotes, so with this cache a
 * quote costs its parse and two ECDSA verifications. Bounded; the oldest entries go first.
 */
export class PlatformCache {
  private readonly chains = new Map<string, Map<string, VerifiedChain | CertificateError>>();
  private readonly keys = new Map<string, KeyObject | undefined>();
  constructor(readonly capacity = 256) {}

  chain(root: TrustedRoot, pem: string, compute: () => VerifiedChain): VerifiedChain {
    let byText = this.chains.get(root.certificate.fingerprint);
    if (byText === undefined) this.chains.set(root.certificate.fingerprint, (byText = new Map()));
    let entry = byText.get(pem);
    if (entry === undefined) {
      try {
        entry = compute();
      } catch (error) {
        if (!(error instanceof CertificateError)) throw error;
        entry = error;
      }
      if (byText.size >= this.capacity) byText.delete(byText.keys().next().value!);
      byText.set(pem, entry);
    }
    if (entry instanceof CertificateError) throw entry;
    return entry;
  }

  /** The key object for raw x ‖ y, or undefined when it is not a P-256 point. */
  key(raw: Bytes): KeyObject | undefined {
    const id = Buffer.from(raw).toString("latin1");
    if (this.keys.has(id)) return this.keys.get(id);
    const key = attestationKey(raw);
    if (this.keys.size >= this.capacity) this.keys.delete(this.keys.keys().next().value!);
    this.keys.set(id, key);
    return key;
  }

  get size(): number {
    let chains = 0;
    for (const byText of this.chains.values()) chains += byText.size;
    return chains + this.keys.size;
  }
}

const sharedCache = new PlatformCache();

/** A P-256 public key from its raw x ‖ y; undefined when the bytes are not a point on the curve. */
function attestationKey(raw: Bytes): KeyObject | undefined {
  const b64 = (bytes: Bytes) => Buffer.from(bytes).toString("base64url");
  try {
    return createPublicKey({ key: { kty: "EC", crv: "P-256", x: b64(raw.subarray(0, 32)), y: b64(raw.subarray(32, 64)) }, format: "jwk" });
  } catch {
    return undefined;
  }
}

function p1363(data: Bytes, key: KeyObject, signature: Bytes): boolean {
  try {
    return cryptoVerify("sha256", data, { key, dsaEncoding: "ieee-p1363" }, signature);
  } catch {
    return false;
  }
}

function verifyChain(quote: Quote, root: TrustedRoot): VerifiedChain {
  const chain = parseChain(quote.pckChain, root);
  const window = verifyChainStructure(chain, root);
  return { chain, pck: pckExtension(chain[0]!), window };
}

/** TDATTRIBUTES bits (little-endian u64): DEBUG, SEPT_VE_DISABLE, and those reserved in TDX 1.0/1.5. */
const debugBit = 0n;
const septVeDisableBit = 28n;
/** Bits 1–7 (TUD), 8–27 and 29 (SEC), 32–62 (OTHER) are reserved; 30 (PKS), 31 (KL), 63 (PERFMON) are features. */
const reservedTdAttributes = (((1n << 28n) - 1n) & ~1n) | (1n << 29n) | (((1n << 63n) - 1n) & ~((1n << 32n) - 1n));

function u64le(bytes: Bytes): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  return value;
}

const allZero = (bytes: Bytes) => bytes.every((byte) => byte === 0);
const hex = (bytes: Bytes) => Buffer.from(bytes).toString("hex");

function tdPolicy(quote: Quote, policy: TdPolicy): void {
  const attributes = u64le(quote.body.tdAttributes);
  if ((attributes >> debugBit) & 1n && policy.allowDebug !== true) throw new StepFailure(6, "debug", "the TD is debuggable (TDATTRIBUTES.DEBUG is set)");
  if (attributes & reservedTdAttributes) throw new StepFailure(6, "reserved-attributes", `reserved TDATTRIBUTES bits are set (${hex(quote.body.tdAttributes)})`);
  if (policy.requireSeptVeDisable === true && ((attributes >> septVeDisableBit) & 1n) === 0n) throw new StepFailure(6, "sept-ve-disable", "TDATTRIBUTES.SEPT_VE_DISABLE is not set");
  if (!allZero(quote.body.seamAttributes)) throw new StepFailure(6, "seam-attributes", `SEAMATTRIBUTES are ${hex(quote.body.seamAttributes)}, not zero (a debug TDX module)`);
  if (quote.body.mrServiceTd !== undefined && !allZero(quote.body.mrServiceTd) && policy.allowServiceTd !== true) throw new StepFailure(6, "service-td", "MRSERVICETD is not zero: the TD is bound to a service TD");
}

function run(input: Bytes, options: VerifyOptions, parsed: { quote?: Quote }): VerifiedQuote {
  if (!Number.isFinite(options.now)) throw new RangeError(`verifyQuote needs a time (unix ms), not ${options.now}`);
  const root = options.root ?? intelRoot;
  const policy = options.policy ?? {};

  // 1. Parse.
  const parse = parseQuote(input);
  if (!parse.ok) throw new StepFailure(1, parse.reason, `${parse.message} (offset ${parse.offset})`);
  const quote = parse.quote;
  parsed.quote = quote;

  // 2. The quote signature.
  const cache = options.cache === undefined ? sharedCache : options.cache;
  const key = cache === false ? attestationKey(quote.attestationKey) : cache.key(quote.attestationKey);
  if (key === undefined) throw new StepFailure(2, "bad-attestation-key", "the attestation key is not a P-256 point");
  if (!p1363(quote.signed, key, quote.signature)) throw new StepFailure(2, "bad-signature", `the quote signature does not verify under the attestation key over the first ${quote.signed.length} bytes`);

  // 3. The QE report binds the attestation key and the QE auth data.
  const binding = createHash("sha256").update(quote.attestationKey).update(quote.qeAuthData).digest();
  if (!binding.equals(quote.qeReport.reportData.subarray(0, 32))) throw new StepFailure(3, "report-data-mismatch", "the QE report's REPORTDATA is not SHA-256(attestation key ‖ QE auth data)");
  if (!allZero(quote.qeReport.reportData.subarray(32))) throw new StepFailure(3, "report-data-tail", "the QE report's REPORTDATA[32..64) is not zero");

  // Certificates (step 5's input; step 4 needs the leaf).
  let chain: VerifiedChain;
  try {
    chain = cache === false ? verifyChain(quote, root) : cache.chain(root, quote.pckChainPem, () => verifyChain(quote, root));
  } catch (error) {
    if (error instanceof CertificateError) throw new StepFailure(5, error.reason, error.message);
    throw error;
  }

  // 4. The PCK leaf signs the QE report.
  if (!p1363(quote.qeReport.raw, chain.chain[0]!.publicKey, quote.qeReportSignature)) throw new StepFailure(4, "bad-signature", "the QE report is not signed by the PCK certificate's key");

  // 5. The chain (checked above but for the time).
  try {
    checkWindow(chain.window, options.now, "the PCK chain");
  } catch (error) {
    throw new StepFailure(5, (error as CertificateError).reason, (error as Error).message);
  }

  // 6. TD policy.
  tdPolicy(quote, policy);

  // 7. Collateral.
  let tcb: TcbEvaluation | undefined;
  let used: Collateral | undefined;
  let validFrom = chain.window.notBefore;
  let validUntil = chain.window.notAfter;
  if (options.collateral !== undefined) {
    const fmspc = hex(chain.pck.fmspc);
    const collateral = typeof options.collateral === "function" ? options.collateral(fmspc) : options.collateral;
    if (collateral === undefined) throw new StepFailure(7, "missing", `no collateral for FMSPC ${fmspc}`);
    used = collateral;
    try {
      const verified = verifyCollateral(collateral, root);
      checkCollateralTime(verified, options.now);
      checkRevocation(verified, chain.chain);
      tcb = collateralTcb(verified, quote, chain.pck);
      validFrom = Math.max(validFrom, verified.window.notBefore);
      validUntil = Math.min(validUntil, verified.window.notAfter);
    } catch (error) {
      if (error instanceof CollateralError) throw new StepFailure(7, error.reason, error.message);
      throw error;
    }
    const accepted = policy.acceptedTcbStatuses ?? ["UpToDate"];
    if (!accepted.includes(tcb.status)) throw new StepFailure(7, "tcb-status", `the TCB status is ${tcb.status} (accepted: ${accepted.join(", ")}): ${tcb.explanation}`, tcb);
  }

  // 8. Measurements.
  if (options.measurements !== undefined) {
    const why = judgeMeasurements(quote.body, options.measurements.baseline, options.measurements.anyOf);
    if (why !== undefined) throw new StepFailure(8, "measurements", why, tcb);
  }

  return { ok: true, quote, pckChain: chain.chain, pck: chain.pck, ...(tcb === undefined ? {} : { tcb, collateral: used! }), validFrom, validUntil };
}

/** Verifies a TDX quote at `options.now`; never throws for bad input (a missing `now` is a programming error). */
export function verifyQuote(input: Bytes, options: VerifyOptions): Verification {
  const parsed: { quote?: Quote } = {};
  try {
    return run(input, options, parsed);
  } catch (error) {
    if (!(error instanceof StepFailure)) throw error;
    return {
      ok: false,
      step: error.step,
      stepName: steps[error.step],
      reason: error.reason,
      message: error.message,
      ...(parsed.quote === undefined ? {} : { quote: parsed.quote }),
      ...(error.tcb === undefined ? {} : { tcb: error.tcb }),
    };
  }
}
