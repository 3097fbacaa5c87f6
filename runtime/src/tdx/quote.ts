// A strict parser for Intel TDX DCAP quotes, v4 and v5 (body types 2 and 3: TD reports of TDX 1.0
// and 1.5), following Intel's "TDX DCAP Quoting Library API", appendix A. Every length is checked
// against the bytes present before it is used, nested sizes must add up exactly, and the quote is
// sized from its own signature-data length, so bytes after it (zero padding, junk) are ignored.
// Bad input is a value with a stable reason code and the offset where reading stopped, never a
// throw. The parse copies what it keeps, so later changes to the caller's buffer change nothing.
import type { Bytes } from "../identity/bytes.js";
import { pemCertificates } from "./x509.js";

export type QuoteParseReason =
  | "truncated"
  | "unsupported-version"
  | "unsupported-key-type"
  | "unsupported-tee"
  | "unsupported-body-type"
  | "bad-body-size"
  | "bad-certification-type"
  | "bad-length"
  | "bad-pck-chain"
  | "too-large";

/** The TD report a quote carries (TDREPORT of TDX 1.0; the two TDX 1.5 fields when body type 3). */
export interface TdReport {
  readonly teeTcbSvn: Bytes;
  readonly mrSeam: Bytes;
  readonly mrSignerSeam: Bytes;
  readonly seamAttributes: Bytes;
  readonly tdAttributes: Bytes;
  readonly xfam: Bytes;
  readonly mrTd: Bytes;
  readonly mrConfigId: Bytes;
  readonly mrOwner: Bytes;
  readonly mrOwnerConfig: Bytes;
  readonly rtmr0: Bytes;
  readonly rtmr1: Bytes;
  readonly rtmr2: Bytes;
  readonly rtmr3: Bytes;
  readonly reportData: Bytes;
  /** TDX 1.5 (body type 3) only. */
  readonly teeTcbSvn2?: Bytes;
  readonly mrServiceTd?: Bytes;
}

/** The quoting enclave's SGX report (384 bytes). */
export interface EnclaveReport {
  readonly raw: Bytes;
  readonly cpuSvn: Bytes;
  readonly miscSelect: number;
  readonly attributes: Bytes;
  readonly mrEnclave: Bytes;
  readonly mrSigner: Bytes;
  readonly isvProdId: number;
  readonly isvSvn: number;
  readonly reportData: Bytes;
}

export interface Quote {
  /** The quote's own bytes (a copy), without anything that followed it. */
  readonly bytes: Bytes;
  readonly version: 4 | 5;
  readonly attestationKeyType: number;
  readonly teeType: number;
  /** Header bytes 8..12: the QE and PCE SVNs the quote was made with (informational). */
  readonly qeSvn: number;
  readonly pceSvn: number;
  readonly qeVendorId: Bytes;
  readonly userData: Bytes;
  /** 2: TD report of TDX 1.0; 3: of TDX 1.5. A v4 quote is always 2. */
  readonly bodyType: 2 | 3;
  readonly body: TdReport;
  /** Header and body, as the attestation key signs them (632, 638 or 702 bytes). */
  readonly signed: Bytes;
  readonly signatureDataOffset: number;
  readonly signatureDataLength: number;
  /** ECDSA P-256 r ‖ s by the attestation key over `signed`. */
  readonly signature: Bytes;
  /** The attestation public key, x ‖ y. */
  readonly attestationKey: Bytes;
  /** Outer certification data type: 6, the QE report certification data. */
  readonly certificationDataType: number;
  readonly qeReport: EnclaveReport;
  /** ECDSA P-256 r ‖ s by the PCK key over the QE report. */
  readonly qeReportSignature: Bytes;
  readonly qeAuthData: Bytes;
  /** Inner certification data type: 5, the PCK certificate chain as PEM. */
  readonly pckCertificationDataType: number;
  readonly pckChainPem: string;
  /** The PCK chain as DER, leaf first. */
  readonly pckChain: readonly Bytes[];
  /** Bytes after the quote in the input (ignored). */
  readonly trailingBytes: number;
}

export type QuoteParse = { readonly ok: true; readonly quote: Quote } | { readonly ok: false; readonly reason: QuoteParseReason; readonly message: string; readonly offset: number };

const headerBytes = 48;
const td10Bytes = 584;
const td15Bytes = 648;
const enclaveReportBytes = 384;
/** Intel's chains are about 4 KiB; anything much larger is refused before it is read. */
const maxSignatureDataBytes = 64 * 1024;

export const teeTypeTdx = 0x81;
export const attestationKeyEcdsaP256 = 2;
export const certificationQeReport = 6;
export const certificationPckChain = 5;

class Fail {
  constructor(
    readonly reason: QuoteParseReason,
    readonly message: string,
    readonly offset: number,
  ) {}
}

/** A bounds-checked cursor; reading past the end is a `truncated` failure, never a throw. */
class Cursor {
  offset = 0;
  constructor(
    readonly bytes: Bytes,
    readonly end: number,
  ) {}

  take(n: number, what: string): Bytes {
    if (n > this.end - this.offset) throw new Fail("truncated", `${what} needs ${n} bytes at offset ${this.offset}, ${Math.max(0, this.end - this.offset)} left`, this.offset);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  u16(what: string): number {
    const b = this.take(2, what);
    return b[0]! | (b[1]! << 8);
  }

  u32(what: string): number {
    const b = this.take(4, what);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }
}

function tdReport(cursor: Cursor, bodyType: 2 | 3): TdReport {
  const field = (n: number, what: string) => cursor.take(n, `TD report ${what}`);
  const report = {
    teeTcbSvn: field(16, "TEE_TCB_SVN"),
    mrSeam: field(48, "MRSEAM"),
    mrSignerSeam: field(48, "MRSIGNERSEAM"),
    seamAttributes: field(8, "SEAMATTRIBUTES"),
    tdAttributes: field(8, "TDATTRIBUTES"),
    xfam: field(8, "XFAM"),
    mrTd: field(48, "MRTD"),
    mrConfigId: field(48, "MRCONFIGID"),
    mrOwner: field(48, "MROWNER"),
    mrOwnerConfig: field(48, "MROWNERCONFIG"),
    rtmr0: field(48, "RTMR0"),
    rtmr1: field(48, "RTMR1"),
    rtmr2: field(48, "RTMR2"),
    rtmr3: field(48, "RTMR3"),
    reportData: field(64, "REPORTDATA"),
  };
  if (bodyType === 2) return report;
  return { ...report, teeTcbSvn2: field(16, "TEE_TCB_SVN_2"), mrServiceTd: field(48, "MRSERVICETD") };
}

function enclaveReport(cursor: Cursor): EnclaveReport {
  const raw = cursor.take(enclaveReportBytes, "QE report");
  const u16 = (at: number) => raw[at]! | (raw[at + 1]! << 8);
  return {
    raw,
    cpuSvn: raw.subarray(0, 16),
    miscSelect: (raw[16]! | (raw[17]! << 8) | (raw[18]! << 16) | (raw[19]! << 24)) >>> 0,
    attributes: raw.subarray(48, 64),
    mrEnclave: raw.subarray(64, 96),
    mrSigner: raw.subarray(128, 160),
    isvProdId: u16(256),
    isvSvn: u16(258),
    reportData: raw.subarray(320, 384),
  };
}

function parse(input: Bytes): Quote {
  // Read from a copy sized by the quote's own lengths: first find the length, then copy.
  const peek = new Cursor(input, input.length);
  const version = peek.u16("version");
  if (version !== 4 && version !== 5) throw new Fail("unsupported-version", `quote version ${version} (4 and 5 are supported)`, 0);
  const attestationKeyType = peek.u16("attestation key type");
  if (attestationKeyType !== attestationKeyEcdsaP256) throw new Fail("unsupported-key-type", `attestation key type ${attestationKeyType} (2, ECDSA P-256, is supported)`, 2);
  const teeType = peek.u32("TEE type");
  if (teeType !== teeTypeTdx) throw new Fail("unsupported-tee", `TEE type 0x${teeType.toString(16)} (0x81, TDX, is supported)`, 4);
  peek.take(headerBytes - 8, "header");
  let bodyType: 2 | 3 = 2;
  if (version === 5) {
    const type = peek.u16("body type");
    if (type !== 2 && type !== 3) throw new Fail("unsupported-body-type", `body type ${type} (2 and 3, TD reports, are supported)`, headerBytes);
    bodyType = type;
    const size = peek.u32("body size");
    const expected = type === 2 ? td10Bytes : td15Bytes;
    if (size !== expected) throw new Fail("bad-body-size", `body type ${type} has ${expected} bytes, the quote says ${size}`, headerBytes + 2);
  }
  peek.take(bodyType === 2 ? td10Bytes : td15Bytes, "body");
  const signedLength = peek.offset;
  const signatureDataLength = peek.u32("signature data length");
  if (signatureDataLength > maxSignatureDataBytes) throw new Fail("too-large", `signature data of ${signatureDataLength} bytes (at most ${maxSignatureDataBytes})`, signedLength);
  peek.take(signatureDataLength, "signature data");
  const length = peek.offset;

  // A copy, not a view (Buffer#slice would share memory with the caller's buffer).
  const bytes = new Uint8Array(length);
  bytes.set(input.subarray(0, length));
  const cursor = new Cursor(bytes, length);
  cursor.take(8, "header");
  const header = { qeSvn: cursor.u16("QE SVN"), pceSvn: cursor.u16("PCE SVN"), qeVendorId: cursor.take(16, "QE vendor id"), userData: cursor.take(20, "user data") };
  if (version === 5) cursor.take(6, "body descriptor");
  const body = tdReport(cursor, bodyType);
  const signed = bytes.subarray(0, signedLength);
  cursor.take(4, "signature data length");
  const signatureDataOffset = cursor.offset;
  const signature = cursor.take(64, "quote signature");
  const attestationKey = cursor.take(64, "attestation key");
  const certificationDataType = cursor.u16("certification data type");
  if (certificationDataType !== certificationQeReport) throw new Fail("bad-certification-type", `certification data type ${certificationDataType} (6, QE report certification data, is supported)`, cursor.offset - 2);
  const outerSize = cursor.u32("certification data size");
  if (outerSize !== length - cursor.offset) throw new Fail("bad-length", `certification data of ${outerSize} bytes where the signature data leaves ${length - cursor.offset}`, cursor.offset - 4);
  const qeReport = enclaveReport(cursor);
  const qeReportSignature = cursor.take(64, "QE report signature");
  const authSize = cursor.u16("QE auth data size");
  const qeAuthData = cursor.take(authSize, "QE auth data");
  const pckCertificationDataType = cursor.u16("PCK certification data type");
  if (pckCertificationDataType !== certificationPckChain) throw new Fail("bad-certification-type", `inner certification data type ${pckCertificationDataType} (5, the PCK chain as PEM, is supported)`, cursor.offset - 2);
  const innerSize = cursor.u32("PCK certification data size");
  if (innerSize !== length - cursor.offset) throw new Fail("bad-length", `PCK certification data of ${innerSize} bytes where the QE certification data leaves ${length - cursor.offset}`, cursor.offset - 4);
  const chainOffset = cursor.offset;
  const pckChainPem = latin1(cursor.take(innerSize, "PCK certificate chain"));
  let pckChain: Bytes[];
  try {
    pckChain = pemCertificates(pckChainPem);
  } catch (error) {
    throw new Fail("bad-pck-chain", (error as Error).message, chainOffset);
  }
  return {
    bytes,
    version,
    attestationKeyType,
    teeType,
    ...header,
    bodyType,
    body,
    signed,
    signatureDataOffset,
    signatureDataLength,
    signature,
    attestationKey,
    certificationDataType,
    qeReport,
    qeReportSignature,
    qeAuthData,
    pckCertificationDataType,
    pckChainPem,
    pckChain,
    trailingBytes: input.length - length,
  };
}

function latin1(bytes: Bytes): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("latin1");
}

/** Parses a TDX quote; trailing bytes are ignored. Never throws for bad input. */
export function parseQuote(input: Bytes): QuoteParse {
  try {
    return { ok: true, quote: parse(input) };
  } catch (error) {
    if (error instanceof Fail) return { ok: false, reason: error.reason, message: error.message, offset: error.offset };
    throw error;
  }
}
