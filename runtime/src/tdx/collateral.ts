// Offline collateral (spec 05, step 7) in the JSON shape of Rust dcap-qvl's `QuoteCollateralV3`:
// Intel's TCB info and TD QE identity, each with the issuer chain and ECDSA signature Intel's PCS
// served it with, and the root CA and PCK CRLs (hex DER). Everything is checked against the same
// pinned root as the PCK chain: the signing chains, both signatures, both CRLs' issuers and
// signatures, and the time windows (a document or CRL outside its window is *stale*, a result of
// its own so callers can tell "fetch newer collateral" from "this platform is bad"). The
// time-independent work is done once per collateral object and root and kept in a WeakMap.
import { verify as cryptoVerify } from "node:crypto";
import { fromHex, type Bytes } from "../identity/bytes.js";
import { evaluateTcb, parseQeIdentity, parseTcbInfo, TcbError, type QeIdentity, type TcbEvaluation, type TcbInfo } from "./tcb.js";
import type { Quote } from "./quote.js";
import type { PckExtension } from "./sgx-extension.js";
import { CertificateError, checkWindow, parseChain, parseCrl, pemCertificates, verifyChainStructure, verifyCrl, type Certificate, type Crl, type TrustedRoot, type ValidityWindow } from "./x509.js";

/** Collateral as dcap-qvl serialises `QuoteCollateralV3` to JSON (CRLs and signatures in hex). */
export interface Collateral {
  readonly pck_crl_issuer_chain: string;
  readonly root_ca_crl: string;
  readonly pck_crl: string;
  readonly tcb_info_issuer_chain: string;
  readonly tcb_info: string;
  readonly tcb_info_signature: string;
  readonly qe_identity_issuer_chain: string;
  readonly qe_identity: string;
  readonly qe_identity_signature: string;
}

export type CollateralReason = "missing" | "malformed" | "stale" | "chain" | "crl" | "signature" | "revoked" | "fmspc" | "tcb-info" | "qe-identity" | "tdx-module" | "tcb-status";

export class CollateralError extends Error {
  override readonly name = "CollateralError";
  constructor(
    readonly reason: CollateralReason,
    message: string,
    readonly tcb?: TcbEvaluation,
  ) {
    super(message);
  }
}

/** A time span a collateral item is good for, named for messages. */
interface Window {
  readonly what: string;
  readonly notBefore: number;
  readonly notAfter: number;
}

/** Collateral whose signatures, chains and CRL issuers have been checked against one root. */
export interface VerifiedCollateral {
  readonly tcbInfo: TcbInfo;
  readonly qeIdentity: QeIdentity;
  readonly rootCrl: Crl;
  readonly pckCrl: Crl;
  /** Every window `now` must lie in, and their intersection. */
  readonly windows: readonly Window[];
  readonly window: ValidityWindow;
  /** Certificates of the collateral's own chains that the root CA CRL must not list. */
  readonly signingCertificates: readonly Certificate[];
  /** PCK CRL issuers already checked, by certificate fingerprint. */
  readonly crlIssuers: Set<string>;
}

function hexBytes(text: unknown, what: string): Bytes {
  if (typeof text !== "string" || text.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(text)) throw new CollateralError("malformed", `${what} is not hex`);
  return fromHex(text);
}

function text(value: unknown, what: string): string {
  if (typeof value !== "string") throw new CollateralError("malformed", `${what} is missing or not a string`);
  return value;
}

/** A signing chain from the collateral, to the pinned root. */
function signingChain(pem: unknown, root: TrustedRoot, what: string, leaf: "end-entity" | "crl-issuer" = "end-entity"): { readonly chain: Certificate[]; readonly window: ValidityWindow } {
  try {
    const chain = parseChain(pemCertificates(text(pem, what)), root);
    return { chain, window: verifyChainStructure(chain, root, leaf) };
  } catch (error) {
    if (error instanceof CertificateError) throw new CollateralError("chain", `${what}: ${error.message}`);
    throw error;
  }
}

/** ECDSA P-256 r ‖ s (hex) over the document's exact text, by the chain's leaf. */
function checkSignature(document: string, signatureHex: unknown, signer: Certificate, what: string): void {
  const signature = hexBytes(signatureHex, `${what} signature`);
  if (signature.length !== 64) throw new CollateralError("malformed", `${what} signature is ${signature.length} bytes, not 64`);
  let ok = false;
  try {
    ok = verifyP1363(document, signature, signer);
  } catch {
    ok = false;
  }
  if (!ok) throw new CollateralError("signature", `${what} is not signed by ${signer.subjectText}`);
}

function verifyP1363(document: string, signature: Bytes, signer: Certificate): boolean {
  return cryptoVerify("sha256", Buffer.from(document, "utf8"), { key: signer.publicKey, dsaEncoding: "ieee-p1363" }, signature);
}

function crl(hex: unknown, what: string): Crl {
  try {
    const parsed = parseCrl(hexBytes(hex, what));
    if (parsed.nextUpdate === undefined) throw new CollateralError("malformed", `${what} has no nextUpdate`);
    return parsed;
  } catch (error) {
    if (error instanceof CertificateError) throw new CollateralError("malformed", `${what}: ${error.message}`);
    throw error;
  }
}

function prepare(collateral: Collateral, root: TrustedRoot): VerifiedCollateral {
  if (typeof collateral !== "object" || collateral === null) throw new CollateralError("malformed", "the collateral is not an object");
  const tcbText = text(collateral.tcb_info, "tcb_info");
  const qeText = text(collateral.qe_identity, "qe_identity");
  let tcbInfo: TcbInfo;
  let qeIdentity: QeIdentity;
  try {
    tcbInfo = parseTcbInfo(tcbText);
    qeIdentity = parseQeIdentity(qeText);
  } catch (error) {
    if (error instanceof TcbError) throw new CollateralError("malformed", error.message);
    throw error;
  }
  const rootCrl = crl(collateral.root_ca_crl, "root_ca_crl");
  const pckCrl = crl(collateral.pck_crl, "pck_crl");
  const tcbChain = signingChain(collateral.tcb_info_issuer_chain, root, "tcb_info_issuer_chain");
  const qeChain = signingChain(collateral.qe_identity_issuer_chain, root, "qe_identity_issuer_chain");
  const pckCrlChain = signingChain(collateral.pck_crl_issuer_chain, root, "pck_crl_issuer_chain", "crl-issuer");
  try {
    verifyCrl(rootCrl, root.certificate, "the root CA CRL");
    verifyCrl(pckCrl, pckCrlChain.chain[0]!, "the PCK CRL");
  } catch (error) {
    if (error instanceof CertificateError) throw new CollateralError("crl", error.message);
    throw error;
  }
  checkSignature(tcbText, collateral.tcb_info_signature, tcbChain.chain[0]!, "the TCB info");
  checkSignature(qeText, collateral.qe_identity_signature, qeChain.chain[0]!, "the QE identity");
  const windows: Window[] = [
    { what: "the TCB info", notBefore: tcbInfo.issueDate, notAfter: tcbInfo.nextUpdate },
    { what: "the QE identity", notBefore: qeIdentity.issueDate, notAfter: qeIdentity.nextUpdate },
    { what: "the root CA CRL", notBefore: rootCrl.thisUpdate, notAfter: rootCrl.nextUpdate! },
    { what: "the PCK CRL", notBefore: pckCrl.thisUpdate, notAfter: pckCrl.nextUpdate! },
    { what: "the TCB info signing chain", ...tcbChain.window },
    { what: "the QE identity signing chain", ...qeChain.window },
    { what: "the PCK CRL issuer chain", ...pckCrlChain.window },
  ];
  // The root CA CRL must not list any certificate below the root in the collateral's chains.
  const signingCertificates = [tcbChain, qeChain, pckCrlChain].flatMap(({ chain }) => chain.slice(0, -1));
  for (const certificate of signingCertificates) {
    if (rootCrl.revoked.has(certificate.serial)) throw new CollateralError("revoked", `${certificate.subjectText} (serial ${certificate.serial.toString(16)}) is revoked by the root CA CRL`);
  }
  return {
    tcbInfo,
    qeIdentity,
    rootCrl,
    pckCrl,
    windows,
    window: { notBefore: Math.max(...windows.map((w) => w.notBefore)), notAfter: Math.min(...windows.map((w) => w.notAfter)) },
    signingCertificates,
    crlIssuers: new Set(),
  };
}

const prepared = new WeakMap<object, Map<string, VerifiedCollateral | CollateralError>>();

/**
 * Checks a collateral bundle's signatures, chains and CRL issuers against `root`, once per
 * (object, root); later calls return the same result. Throws `CollateralError`.
 */
export function verifyCollateral(collateral: Collateral, root: TrustedRoot): VerifiedCollateral {
  if (typeof collateral !== "object" || collateral === null) throw new CollateralError("malformed", "the collateral is not an object");
  let byRoot = prepared.get(collateral);
  if (byRoot === undefined) prepared.set(collateral, (byRoot = new Map()));
  let result = byRoot.get(root.certificate.fingerprint);
  if (result === undefined) {
    try {
      result = prepare(collateral, root);
    } catch (error) {
      if (!(error instanceof CollateralError)) throw error;
      result = error;
    }
    byRoot.set(root.certificate.fingerprint, result);
  }
  if (result instanceof CollateralError) throw result;
  return result;
}

/** Whether every item of the collateral is current at `now` (unix ms); throws `CollateralError("stale")`. */
export function checkCollateralTime(collateral: VerifiedCollateral, now: number): void {
  for (const window of collateral.windows) {
    try {
      checkWindow(window, now, window.what);
    } catch (error) {
      throw new CollateralError("stale", `the collateral is stale: ${(error as Error).message}`);
    }
  }
}

/** The PCK chain against the CRLs: the PCK CRL's issuer must be the leaf's issuer; nothing revoked. */
export function checkRevocation(collateral: VerifiedCollateral, pckChain: readonly Certificate[]): void {
  const issuer = pckChain[1]!;
  if (!collateral.crlIssuers.has(issuer.fingerprint)) {
    try {
      verifyCrl(collateral.pckCrl, issuer, "the PCK CRL");
    } catch (error) {
      if (error instanceof CertificateError) throw new CollateralError("crl", `${error.message} (the PCK certificate's issuer)`);
      throw error;
    }
    collateral.crlIssuers.add(issuer.fingerprint);
  }
  const leaf = pckChain[0]!;
  if (collateral.pckCrl.revoked.has(leaf.serial)) throw new CollateralError("revoked", `the PCK certificate (serial ${leaf.serial.toString(16)}) is revoked by the PCK CRL`);
  for (const intermediate of pckChain.slice(1, -1)) {
    if (collateral.rootCrl.revoked.has(intermediate.serial)) throw new CollateralError("revoked", `${intermediate.subjectText} (serial ${intermediate.serial.toString(16)}) is revoked by the root CA CRL`);
  }
}

/** TCB evaluation against verified collateral; mismatches become `CollateralError`s. */
export function collateralTcb(collateral: VerifiedCollateral, quote: Quote, pck: PckExtension): TcbEvaluation {
  try {
    return evaluateTcb(quote, pck, collateral.tcbInfo, collateral.qeIdentity);
  } catch (error) {
    if (error instanceof TcbError) throw new CollateralError(error.reason, error.message);
    throw error;
  }
}

