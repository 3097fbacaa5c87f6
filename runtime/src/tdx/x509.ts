// Certificates, chains and revocation lists, as DCAP uses them: ECDSA P-256 with SHA-256
// everywhere, chains that end at one pinned root. The strict DER reader reads every field
// verification needs — validity times, basic constraints with path length, key usage, critical
// extensions, raw issuer and subject names, the SGX extension, and CRLs, which node:crypto cannot
// read at all — and node:crypto loads keys and checks signatures. (node's X509Certificate would
// add nothing the reader does not check, and was measured at ~0.2 ms a certificate, most of a
// first verification's budget; see docs/tdx.md.)
import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from "node:crypto";
import { equalBytes, type Bytes } from "../identity/bytes.js";
import { bitFlags, bitStringBytes, boolean, children, DerError, expectTag, oid, readDer, sequence, smallUnsigned, Tag, time, unsigned, type Node } from "./der.js";

const ecdsaWithSha256 = "1.2.840.10045.4.3.2";
const ecPublicKey = "1.2.840.10045.2.1";
const prime256v1 = "1.2.840.10045.3.1.7";
const basicConstraintsOid = "2.5.29.19";
const keyUsageOid = "2.5.29.15";
/** Extensions this verifier understands, so they may be marked critical. */
const understood = new Set([basicConstraintsOid, keyUsageOid]);

/** Why a certificate, chain or CRL was refused. Stable: results and logs key on them. */
export type CertificateReason =
  | "bad-certificate"
  | "bad-crl"
  | "chain-length"
  | "untrusted-root"
  | "algorithm"
  | "issuer-mismatch"
  | "bad-signature"
  | "not-ca"
  | "path-length"
  | "key-usage"
  | "leaf-is-ca"
  | "critical-extension"
  | "not-yet-valid"
  | "expired";

export class CertificateError extends Error {
  override readonly name = "CertificateError";
  constructor(
    readonly reason: CertificateReason,
    message: string,
  ) {
    super(message);
  }
}

export interface Certificate {
  readonly der: Bytes;
  /** SHA-256 of the DER, lower-case hex. */
  readonly fingerprint: string;
  /** The signed part (TBSCertificate), and the outer signature (DER ECDSA). */
  readonly tbs: Bytes;
  readonly signature: Bytes;
  readonly signatureAlgorithm: string;
  readonly serial: bigint;
  /** Issuer and subject Names as DER, compared byte for byte. */
  readonly issuer: Bytes;
  readonly subject: Bytes;
  /** The subject as text (`CN=…`), for messages. */
  readonly subjectText: string;
  /** Unix milliseconds, inclusive. */
  readonly notBefore: number;
  readonly notAfter: number;
  readonly publicKey: KeyObject;
  /** Whether the key is ECDSA on P-256. */
  readonly p256: boolean;
  /** Absent when the certificate has no basic constraints extension. */
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLength?: number };
  /** Whether key usage allows signing certificates / CRLs; undefined without a key usage extension. */
  readonly keyCertSign?: boolean;
  readonly crlSign?: boolean;
  /** Critical extensions this verifier does not understand (RFC 5280 says refuse). */
  readonly unknownCritical: readonly string[];
  /** Extension values (the content of extnValue), by OID. */
  readonly extensions: ReadonlyMap<string, Bytes>;
}

export function sha256Hex(bytes: Bytes): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * The key object of a certificate. A P-256 point is loaded as a JWK, which node:crypto (OpenSSL 3)
 * reads measurably faster than SPKI DER; either way the point is checked to lie on the curve.
 */
function publicKey(p256: boolean, point: Bytes, spki: Bytes): KeyObject {
  if (p256 && point.length === 65 && point[0] === 4) {
    const b64 = (bytes: Bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("base64url");
    return createPublicKey({ key: { kty: "EC", crv: "P-256", x: b64(point.subarray(1, 33)), y: b64(point.subarray(33)) }, format: "jwk" });
  }
  return createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
}

const attributeNames: Record<string, string> = { "2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O", "2.5.4.11": "OU" };

/** A Name as `CN=…, O=…` (for messages; names are compared as DER). */
function nameText(name: Node): string {
  const parts: string[] = [];
  for (const rdn of children(name)) {
    for (const attribute of sequence(rdn, "relative distinguished name", Tag.set)) {
      const [type, value] = sequence(attribute, "attribute");
      const id = oid(type);
      parts.push(`${attributeNames[id] ?? id}=${value === undefined ? "" : Buffer.from(value.content).toString("utf8")}`);
    }
  }
  return parts.join(", ");
}

function fail(message: string): never {
  throw new DerError(message);
}

function algorithm(node: Node | undefined, what: string): string {
  return oid(sequence(node, what)[0], `${what} OID`);
}

/** Parses one DER certificate, strictly; throws `CertificateError("bad-certificate")`. */
export function parseCertificate(der: Bytes): Certificate {
  try {
    const [tbsNode, outerAlgorithm, signatureNode, ...rest] = sequence(readDer(der), "certificate");
    if (rest.length > 0) throw new DerError("certificate has extra fields");
    const tbs = sequence(tbsNode, "TBSCertificate");
    let index = 0;
    const version = tbs[0]?.tag === 0xa0 ? smallUnsigned(children(tbs[index++]!)[0], "version", 2) : 0;
    const serial = unsigned(tbs[index++], "serial number");
    const innerAlgorithm = algorithm(tbs[index++], "signature algorithm");
    const issuer = expectTag(tbs[index++], Tag.sequence, "issuer");
    const [notBefore, notAfter, ...extraValidity] = sequence(tbs[index++], "validity");
    if (extraValidity.length > 0) throw new DerError("validity has extra fields");
    const subject = expectTag(tbs[index++], Tag.sequence, "subject");
    const spkiNode = tbs[index++];
    const spki = sequence(spkiNode, "subject public key info");
    const keyAlgorithm = sequence(spki[0], "key algorithm");
    const p256 = oid(keyAlgorithm[0]) === ecPublicKey && keyAlgorithm[1]?.tag === Tag.oid && oid(keyAlgorithm[1]) === prime256v1;
    const point = bitStringBytes(spki[1], "subject public key");
    while (tbs[index] !== undefined && (tbs[index]!.tag === 0x81 || tbs[index]!.tag === 0x82)) index++;
    const extensions = new Map<string, Bytes>();
    const unknownCritical: string[] = [];
    let basicConstraints: Certificate["basicConstraints"];
    let keyCertSign: boolean | undefined;
    let crlSign: boolean | undefined;
    if (tbs[index]?.tag === 0xa3) {
      if (version !== 2) throw new DerError("extensions in a certificate that is not v3");
      for (const extension of sequence(children(tbs[index++]!)[0], "extensions")) {
        const fields = sequence(extension, "extension");
        if (fields.length < 2 || fields.length > 3) throw new DerError("extension has the wrong number of fields");
        const id = oid(fields[0], "extension OID");
        // DER omits a DEFAULT value: an explicit `critical FALSE` is not DER.
        const critical = fields.length === 3 && (boolean(fields[1], "critical") || fail("an explicit critical FALSE is not DER"));
        const value = expectTag(fields[fields.length - 1], Tag.octetString, "extension value").content;
        if (extensions.has(id)) throw new DerError(`extension ${id} appears twice`);
        extensions.set(id, value);
        if (critical && !understood.has(id)) unknownCritical.push(id);
        if (id === basicConstraintsOid) {
          const constraints = sequence(readDer(value), "basic constraints");
          let at = 0;
          const ca = constraints[0]?.tag === Tag.boolean ? boolean(constraints[at++], "cA") || fail("an explicit cA FALSE is not DER") : false;
          const pathLength = constraints[at] === undefined ? undefined : smallUnsigned(constraints[at++], "path length", 255);
          if (at !== constraints.length) throw new DerError("basic constraints has extra fields");
          basicConstraints = pathLength === undefined ? { ca } : { ca, pathLength };
        } else if (id === keyUsageOid) {
          const usage = bitFlags(readDer(value), "key usage");
          keyCertSign = usage(5);
          crlSign = usage(6);
        }
      }
    }
    if (index !== tbs.length) throw new DerError("TBSCertificate has unexpected fields");
    return {
      der,
      fingerprint: sha256Hex(der),
      tbs: tbsNode!.bytes,
      signature: bitStringBytes(signatureNode, "signature"),
      signatureAlgorithm: innerAlgorithm === algorithm(outerAlgorithm, "outer signature algorithm") ? innerAlgorithm : "mismatched",
      serial,
      issuer: issuer.bytes,
      subject: subject.bytes,
      subjectText: nameText(subject),
      notBefore: time(notBefore, "notBefore"),
      notAfter: time(notAfter, "notAfter"),
      publicKey: publicKey(p256, point, spkiNode!.bytes),
      p256,
      ...(basicConstraints === undefined ? {} : { basicConstraints }),
      ...(keyCertSign === undefined ? {} : { keyCertSign }),
      ...(crlSign === undefined ? {} : { crlSign }),
      unknownCritical,
      extensions,
    };
  } catch (error) {
    if (error instanceof CertificateError) throw error;
    throw new CertificateError("bad-certificate", `a certificate does not parse: ${(error as Error).message}`);
  }
}

/**
 * Parses a chain's certificates; one that is byte for byte the trusted root is not parsed again
 * (its key object is the costly part, and the root's is already made).
 */
export function parseChain(ders: readonly Bytes[], root: TrustedRoot): Certificate[] {
  return ders.map((der) => (equalBytes(der, root.certificate.der) ? root.certificate : parseCertificate(der)));
}

/** A root of trust: a self-signed CA certificate, checked once when it is made. */
export interface TrustedRoot {
  readonly certificate: Certificate;
}

/** Makes a trusted root from PEM or DER; throws if it is not a self-signed P-256 CA. */
export function trustedRoot(input: string | Bytes): TrustedRoot {
  const der = typeof input === "string" ? onlyOne(pemCertificates(input)) : input;
  const certificate = parseCertificate(der);
  if (certificate.basicConstraints?.ca !== true) throw new CertificateError("not-ca", `the root ${certificate.subjectText} is not a CA`);
  if (!equalBytes(certificate.issuer, certificate.subject) || !signedBy(certificate, certificate)) throw new CertificateError("bad-signature", `the root ${certificate.subjectText} is not self-signed`);
  if (certificate.signatureAlgorithm !== ecdsaWithSha256 || !certificate.p256) throw new CertificateError("algorithm", "the root is not an ECDSA P-256 certificate");
  return { certificate };
}

function onlyOne(ders: Bytes[]): Bytes {
  if (ders.length !== 1) throw new CertificateError("bad-certificate", `expected one certificate, found ${ders.length}`);
  return ders[0]!;
}

function signedBy(subject: { readonly tbs: Bytes; readonly signature: Bytes }, issuer: Certificate): boolean {
  try {
    return cryptoVerify("sha256", subject.tbs, issuer.publicKey, subject.signature);
  } catch {
    return false;
  }
}

const begin = "-----BEGIN CERTIFICATE-----";
const end = "-----END CERTIFICATE-----";

/**
 * The certificates of a PEM text, as DER. Strict: only CERTIFICATE blocks, one after another, `\n`
 * line breaks, no blank lines, lines of at most 76 characters, canonical base64 — so one chain has
 * one text, and no byte of it can change without changing a certificate; it ends with a line
 * break, then optionally one NUL (DCAP quotes often carry one). Throws
 * `CertificateError("bad-certificate")`.
 */
export function pemCertificates(text: string): Bytes[] {
  const body = text.endsWith("\0") ? text.slice(0, -1) : text;
  if (!body.endsWith("\n")) throw new CertificateError("bad-certificate", "a PEM chain must end with a line break");
  const lines = body.slice(0, -1).split("\n");
  const out: Bytes[] = [];
  let block: string[] | undefined;
  for (const line of lines) {
    if (block === undefined) {
      if (line !== begin) throw new CertificateError("bad-certificate", `unexpected text in a PEM chain: ${JSON.stringify(line.slice(0, 40))}`);
      block = [];
    } else if (line === end) {
      const encoded = block.join("");
      // Decoding skips what is not base64, and re-encoding writes the canonical form: the round
      // trip is equal only for canonical base64 of the alphabet, padded, with zero pad bits.
      const der = Buffer.from(encoded, "base64");
      if (encoded.length === 0 || der.toString("base64") !== encoded) throw new CertificateError("bad-certificate", "a PEM block is not canonical base64");
      out.push(new Uint8Array(der));
      block = undefined;
    } else {
      if (line.length === 0 || line.length > 76) throw new CertificateError("bad-certificate", "a PEM line is empty or longer than 76 characters");
      block.push(line);
    }
  }
  if (block !== undefined) throw new CertificateError("bad-certificate", "a PEM block is not closed");
  if (out.length === 0) throw new CertificateError("bad-certificate", "no certificate in the PEM text");
  return out;
}

/** The window in which a chain is valid: the latest notBefore and the earliest notAfter. */
export interface ValidityWindow {
  readonly notBefore: number;
  readonly notAfter: number;
}

/** Longest chain accepted, root included: Intel's are 2 (signing) and 3 (PCK). */
const maxChainLength = 5;

/**
 * The time-independent checks of a chain `[leaf, …, root]` ending at `root` (byte for byte):
 * algorithms, names, signatures, CA flags, path lengths, key usage, critical extensions. The leaf
 * is an end entity (a PCK or signing certificate) or, for a CRL's issuer chain, a CA that may sign
 * CRLs. Returns the window in which every certificate is valid; `checkWindow` then judges a time
 * against it. Throws `CertificateError`.
 */
export function verifyChainStructure(chain: readonly Certificate[], root: TrustedRoot, leaf: "end-entity" | "crl-issuer" = "end-entity"): ValidityWindow {
  if (chain.length < 2 || chain.length > maxChainLength) throw new CertificateError("chain-length", `a chain of ${chain.length} certificates (2 to ${maxChainLength} accepted)`);
  const top = chain[chain.length - 1]!;
  if (!equalBytes(top.der, root.certificate.der)) throw new CertificateError("untrusted-root", `the chain ends at ${top.subjectText} (SHA-256 ${top.fingerprint}), not the pinned root (${root.certificate.fingerprint})`);
  let notBefore = -Infinity;
  let notAfter = Infinity;
  chain.forEach((certificate, index) => {
    notBefore = Math.max(notBefore, certificate.notBefore);
    notAfter = Math.min(notAfter, certificate.notAfter);
    if (certificate.signatureAlgorithm !== ecdsaWithSha256 || !certificate.p256) throw new CertificateError("algorithm", `${certificate.subjectText} is not ECDSA P-256 with SHA-256`);
    if (certificate.unknownCritical.length > 0) throw new CertificateError("critical-extension", `${certificate.subjectText} has critical extensions this verifier does not understand: ${certificate.unknownCritical.join(", ")}`);
    if (index === chain.length - 1) return;
    const issuer = chain[index + 1]!;
    if (!equalBytes(certificate.issuer, issuer.subject)) throw new CertificateError("issuer-mismatch", `${certificate.subjectText} names another issuer than ${issuer.subjectText}`);
    if (!signedBy(certificate, issuer)) throw new CertificateError("bad-signature", `${certificate.subjectText} is not signed by ${issuer.subjectText}`);
    if (issuer.basicConstraints?.ca !== true) throw new CertificateError("not-ca", `${issuer.subjectText} signs certificates but is not a CA`);
    // Intermediate CAs below this issuer (the leaf is not one).
    const below = index;
    const limit = issuer.basicConstraints.pathLength;
    if (limit !== undefined && below > limit) throw new CertificateError("path-length", `${issuer.subjectText} allows ${limit} intermediate CAs below it, the chain has ${below}`);
    if (issuer.keyCertSign === false) throw new CertificateError("key-usage", `${issuer.subjectText} may not sign certificates (key usage)`);
  });
  const first = chain[0]!;
  if (leaf === "end-entity" && first.basicConstraints?.ca === true) throw new CertificateError("leaf-is-ca", `the leaf ${first.subjectText} is a CA`);
  if (leaf === "crl-issuer" && (first.basicConstraints?.ca !== true || first.crlSign === false)) throw new CertificateError("key-usage", `${first.subjectText} may not sign CRLs`);
  return { notBefore, notAfter };
}

/** Whether `now` (unix ms) lies in a validity window; throws `CertificateError` if not. */
export function checkWindow(window: ValidityWindow, now: number, what: string): void {
  if (now < window.notBefore) throw new CertificateError("not-yet-valid", `${what} is not valid before ${new Date(window.notBefore).toISOString()}`);
  if (now > window.notAfter) throw new CertificateError("expired", `${what} expired at ${new Date(window.notAfter).toISOString()}`);
}

/** A certificate revocation list. */
export interface Crl {
  readonly tbs: Bytes;
  readonly signature: Bytes;
  readonly signatureAlgorithm: string;
  readonly issuer: Bytes;
  readonly thisUpdate: number;
  readonly nextUpdate?: number;
  /** Revoked serial numbers. */
  readonly revoked: ReadonlySet<bigint>;
}

/** Parses a DER CRL, strictly; throws `CertificateError("bad-crl")`. */
export function parseCrl(der: Bytes): Crl {
  try {
    const [tbsNode, outerAlgorithm, signatureNode, ...rest] = sequence(readDer(der), "CRL");
    if (rest.length > 0) throw new DerError("CRL has extra fields");
    const tbs = sequence(tbsNode, "TBSCertList");
    let index = 0;
    if (tbs[0]?.tag === Tag.integer) smallUnsigned(tbs[index++], "CRL version", 1);
    const innerAlgorithm = algorithm(tbs[index++], "CRL signature algorithm");
    const issuer = expectTag(tbs[index++], Tag.sequence, "CRL issuer");
    const thisUpdate = time(tbs[index++], "thisUpdate");
    const next = tbs[index];
    const nextUpdate = next !== undefined && (next.tag === Tag.utcTime || next.tag === Tag.generalizedTime) ? time(tbs[index++], "nextUpdate") : undefined;
    const revoked = new Set<bigint>();
    if (tbs[index]?.tag === Tag.sequence) {
      for (const entry of sequence(tbs[index++], "revoked certificates")) {
        const fields = sequence(entry, "revoked certificate");
        revoked.add(unsigned(fields[0], "revoked serial number"));
        time(fields[1], "revocationDate");
        if (fields.length > 3 || (fields[2] !== undefined && fields[2].tag !== Tag.sequence)) throw new DerError("a revoked entry is malformed");
      }
    }
    if (tbs[index]?.tag === 0xa0) index++;
    if (index !== tbs.length) throw new DerError("TBSCertList has unexpected fields");
    const outer = algorithm(outerAlgorithm, "CRL outer signature algorithm");
    return {
      tbs: tbsNode!.bytes,
      signature: bitStringBytes(signatureNode, "CRL signature"),
      signatureAlgorithm: innerAlgorithm === outer ? innerAlgorithm : "mismatched",
      issuer: issuer.bytes,
      thisUpdate,
      ...(nextUpdate === undefined ? {} : { nextUpdate }),
      revoked,
    };
  } catch (error) {
    throw new CertificateError("bad-crl", `a CRL does not parse: ${(error as Error).message}`);
  }
}

/** Checks that `crl` is issued and signed by `issuer` (ECDSA P-256, SHA-256). Throws `CertificateError`. */
export function verifyCrl(crl: Crl, issuer: Certificate, what: string): void {
  if (!equalBytes(crl.issuer, issuer.subject)) throw new CertificateError("issuer-mismatch", `${what} is not issued by ${issuer.subjectText}`);
  if (crl.signatureAlgorithm !== ecdsaWithSha256) throw new CertificateError("algorithm", `${what} is not signed with ECDSA SHA-256`);
  if (!signedBy(crl, issuer)) throw new CertificateError("bad-signature", `${what} is not signed by ${issuer.subjectText}`);
}
