// Test-only TDX quote synthesis: a test root CA, a PCK platform CA and PCK leaf (with Intel's SGX
// extension), and quotes signed through them with chosen measurements and REPORTDATA; collateral
// (TCB info, QE identity, CRLs) signed by a test TCB signing certificate. Certificates and CRLs are
// written with the minimal DER writer below and signed with node:crypto. Nothing here is trusted
// by production code: it pins Intel's root, so these verify only when the test root is injected.
import { createHash, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { trustedRoot, type Collateral, type TrustedRoot } from "@coal/runtime/tdx";

type Bytes = Uint8Array;

// ---------------------------------------------------------------------------------------- DER

function length(n: number): Bytes {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

export function tlv(tag: number, ...content: Bytes[]): Bytes {
  const body = Buffer.concat(content);
  return Buffer.concat([Uint8Array.of(tag), length(body.length), body]);
}

export const der = {
  seq: (...items: Bytes[]) => tlv(0x30, ...items),
  set: (...items: Bytes[]) => tlv(0x31, ...items),
  int(value: number | bigint): Bytes {
    let v = BigInt(value);
    const bytes: number[] = [];
    do {
      bytes.unshift(Number(v & 0xffn));
      v >>= 8n;
    } while (v > 0n);
    if (bytes[0]! & 0x80) bytes.unshift(0);
    return tlv(0x02, Uint8Array.from(bytes));
  },
  enumerated: (value: number) => tlv(0x0a, Uint8Array.of(value)),
  bool: (value: boolean) => tlv(0x01, Uint8Array.of(value ? 0xff : 0)),
  octets: (bytes: Bytes) => tlv(0x04, bytes),
  bits: (bytes: Bytes, unused = 0) => tlv(0x03, Uint8Array.of(unused), bytes),
  utf8: (text: string) => tlv(0x0c, Buffer.from(text, "utf8")),
  oid(dotted: string): Bytes {
    const arcs = dotted.split(".").map(Number);
    const out: number[] = [arcs[0]! * 40 + arcs[1]!];
    for (const arc of arcs.slice(2)) {
      const chunk: number[] = [arc & 0x7f];
      for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
      out.push(...chunk);
    }
    return tlv(0x06, Uint8Array.from(out));
  },
  time(ms: number): Bytes {
    const d = new Date(ms);
    const pad = (n: number, w = 2) => String(n).padStart(w, "0");
    const rest = `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
    const year = d.getUTCFullYear();
    return year >= 1950 && year < 2050 ? tlv(0x17, Buffer.from(pad(year % 100) + rest)) : tlv(0x18, Buffer.from(pad(year, 4) + rest));
  },
  explicit: (n: number, content: Bytes) => tlv(0xa0 + n, content),
};

const ecdsaWithSha256 = der.seq(der.oid("1.2.840.10045.4.3.2"));

function name(commonName: string): Bytes {
  return der.seq(der.set(der.seq(der.oid("2.5.4.3"), der.utf8(commonName))), der.set(der.seq(der.oid("2.5.4.10"), der.utf8("coal test"))));
}

// ------------------------------------------------------------------------------- certificates

export interface Issued {
  readonly der: Bytes;
  readonly pem: string;
  readonly key: KeyObject;
  readonly publicKey: KeyObject;
  readonly name: string;
  readonly serial: bigint;
}

export interface CertificateSpec {
  readonly name: string;
  readonly serial: bigint;
  readonly notBefore: number;
  readonly notAfter: number;
  /** CA with an optional path length, or an end entity. */
  readonly ca?: { readonly pathLength?: number } | false;
  /** Key usage bits to set (5 keyCertSign, 6 cRLSign, 0 digitalSignature). */
  readonly keyUsage?: readonly number[];
  readonly extra?: readonly Bytes[];
  readonly issuer?: Issued;
  readonly key?: { readonly privateKey: KeyObject; readonly publicKey: KeyObject };
  /** Sign with this key instead of the issuer's (to make a bad signature). */
  readonly signingKey?: KeyObject;
}

function keyUsage(bits: readonly number[]): Bytes {
  const byte = bits.reduce((b, bit) => b | (0x80 >> bit), 0);
  let unused = 0;
  while (unused < 7 && (byte & (1 << unused)) === 0) unused++;
  return der.seq(der.oid("2.5.29.15"), der.bool(true), der.octets(der.bits(Uint8Array.of(byte), unused)));
}

export function pem(derBytes: Bytes): string {
  const b64 = Buffer.from(derBytes).toString("base64");
  return `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g)!.join("\n")}\n-----END CERTIFICATE-----\n`;
}

export function issue(spec: CertificateSpec): Issued {
  const key = spec.key ?? generateKeyPairSync("ec", { namedCurve: "P-256" });
  const issuerName = spec.issuer?.name ?? spec.name;
  const extensions: Bytes[] = [];
  if (spec.ca !== undefined) {
    const constraints = spec.ca === false ? der.seq() : der.seq(der.bool(true), ...(spec.ca.pathLength === undefined ? [] : [der.int(spec.ca.pathLength)]));
    extensions.push(der.seq(der.oid("2.5.29.19"), der.bool(true), der.octets(constraints)));
  }
  if (spec.keyUsage !== undefined) extensions.push(keyUsage(spec.keyUsage));
  extensions.push(...(spec.extra ?? []));
  const tbs = der.seq(
    der.explicit(0, der.int(2)),
    der.int(spec.serial),
    ecdsaWithSha256,
    name(issuerName),
    der.seq(der.time(spec.notBefore), der.time(spec.notAfter)),
    name(spec.name),
    key.publicKey.export({ type: "spki", format: "der" }),
    ...(extensions.length === 0 ? [] : [der.explicit(3, der.seq(...extensions))]),
  );
  const signature = sign("sha256", tbs, spec.signingKey ?? spec.issuer?.key ?? key.privateKey);
  const certificate = der.seq(tbs, ecdsaWithSha256, der.bits(signature));
  return { der: certificate, pem: pem(certificate), key: key.privateKey, publicKey: key.publicKey, name: spec.name, serial: spec.serial };
}

const sgxOid = "1.2.840.113741.1.13.1";

export interface PlatformTcb {
  readonly fmspc: Bytes;
  readonly pceId: Bytes;
  readonly sgxComponents: readonly number[];
  readonly pceSvn: number;
}

export const defaultPlatform: PlatformTcb = { fmspc: Uint8Array.from([0x90, 0xc0, 0x6f, 0, 0, 0]), pceId: new Uint8Array(2), sgxComponents: [4, 4, 2, 2, 4, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0], pceSvn: 13 };

/** Intel's SGX extension (as a PCK certificate carries it). */
export function sgxExtension(platform: PlatformTcb): Bytes {
  const entry = (arc: string, value: Bytes) => der.seq(der.oid(`${sgxOid}.${arc}`), value);
  const tcb = der.seq(...platform.sgxComponents.map((svn, i) => entry(`2.${i + 1}`, der.int(svn))), entry("2.17", der.int(platform.pceSvn)), entry("2.18", der.octets(Uint8Array.from(platform.sgxComponents))));
  const value = der.seq(entry("1", der.octets(new Uint8Array(16).fill(7))), entry("2", tcb), entry("3", der.octets(platform.pceId)), entry("4", der.octets(platform.fmspc)), entry("5", der.enumerated(0)));
  return der.seq(der.oid(sgxOid), der.octets(value));
}

export const year = 365 * 24 * 3600 * 1000;
/** The test PKI's certificates are valid around this time (2026-01-01). */
export const testEpoch = Date.UTC(2026, 0, 1);

export interface TestPki {
  readonly root: Issued;
  readonly trusted: TrustedRoot;
  readonly platformCa: Issued;
  readonly pck: Issued;
  readonly tcbSigning: Issued;
  readonly platform: PlatformTcb;
  /** The PCK chain as a quote carries it: leaf, platform CA, root. */
  readonly chainPem: string;
}

export interface PkiOptions {
  readonly platform?: PlatformTcb;
  /** The time validity is centred on (default `testEpoch`). */
  readonly epoch?: number;
  /** Validity of the PCK leaf (defaults: a year before the test epoch to five after). */
  readonly pckNotBefore?: number;
  readonly pckNotAfter?: number;
}

export function testPki(options: PkiOptions = {}): TestPki {
  const platform = options.platform ?? defaultPlatform;
  const epoch = options.epoch ?? testEpoch;
  const root = issue({ name: "coal test SGX Root CA", serial: 1n, notBefore: epoch - 5 * year, notAfter: epoch + 20 * year, ca: { pathLength: 1 }, keyUsage: [5, 6] });
  const platformCa = issue({ name: "coal test PCK Platform CA", serial: 2n, notBefore: epoch - 5 * year, notAfter: epoch + 10 * year, ca: { pathLength: 0 }, keyUsage: [5, 6], issuer: root });
  const pck = issue({ name: "coal test PCK Certificate", serial: 0x1234_5678_9abc_def0n, notBefore: options.pckNotBefore ?? epoch - year, notAfter: options.pckNotAfter ?? epoch + 5 * year, ca: false, keyUsage: [0, 1], issuer: platformCa, extra: [sgxExtension(platform)] });
  const tcbSigning = issue({ name: "coal test TCB Signing", serial: 3n, notBefore: epoch - 5 * year, notAfter: epoch + 10 * year, ca: false, keyUsage: [0, 1], issuer: root });
  return { root, trusted: trustedRoot(root.pem), platformCa, pck, tcbSigning, platform, chainPem: pck.pem + platformCa.pem + root.pem };
}

// ------------------------------------------------------------------------------------- quotes

export interface QuoteSpec {
  readonly pki: TestPki;
  readonly version?: 4 | 5;
  /** v5 only: 2 (TDX 1.0 report) or 3 (TDX 1.5). */
  readonly bodyType?: 2 | 3;
  readonly teeTcbSvn?: Bytes;
  readonly mrSeam?: Bytes;
  readonly mrSignerSeam?: Bytes;
  readonly seamAttributes?: Bytes;
  readonly tdAttributes?: Bytes;
  readonly xfam?: Bytes;
  readonly mrTd?: Bytes;
  readonly rtmr0?: Bytes;
  readonly rtmr1?: Bytes;
  readonly rtmr2?: Bytes;
  readonly rtmr3?: Bytes;
  readonly reportData?: Bytes;
  readonly teeTcbSvn2?: Bytes;
  readonly mrServiceTd?: Bytes;
  /** The QE report's ISVSVN and MRSIGNER. */
  readonly qeIsvSvn?: number;
  readonly qeMrSigner?: Bytes;
  readonly qeAuthData?: Bytes;
  /** The PCK chain text; default the PKI's (a trailing NUL, as real quotes often have). */
  readonly chainPem?: string;
  /** Bytes appended after the quote (ignored by parsers). */
  readonly trailing?: Bytes;
}

const fill = (n: number, byte: number) => new Uint8Array(n).fill(byte);
const u16 = (v: number) => Uint8Array.of(v & 0xff, v >> 8);
const u32 = (v: number) => Uint8Array.of(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24);
const intelQeVendorId = Buffer.from("939a7233f79c4ca9940a0db3957f0607", "hex");
export const intelQeMrSigner = Buffer.from("dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5", "hex");
/** TDATTRIBUTES with SEPT_VE_DISABLE set, as production TDs have it. */
export const septVeDisable = Uint8Array.of(0, 0, 0, 0x10, 0, 0, 0, 0);

export function rawKey(publicKey: KeyObject): Bytes {
  const jwk = publicKey.export({ format: "jwk" });
  return Buffer.concat([Buffer.from(jwk.x!, "base64url"), Buffer.from(jwk.y!, "base64url")]);
}

export function signP1363(data: Bytes, key: KeyObject): Bytes {
  return sign("sha256", data, { key, dsaEncoding: "ieee-p1363" });
}

/** A QE report binding `attestationKey` and `authData`, as the QE makes it. */
export function qeReport(attestationKey: Bytes, authData: Bytes, isvSvn = 7, mrSigner: Bytes = intelQeMrSigner): Bytes {
  const report = new Uint8Array(384);
  report.set(Uint8Array.of(4, 4, 0x19, 0x1b, 4, 0xff, 0, 6), 0);
  report.set(Buffer.from("1500000000000000e700000000000000", "hex"), 48);
  report.set(fill(32, 0xe5), 64);
  report.set(mrSigner, 128);
  report.set(u16(2), 256);
  report.set(u16(isvSvn), 258);
  report.set(createHash("sha256").update(attestationKey).update(authData).digest(), 320);
  return report;
}

/** Header and body of a quote (the signed part). */
export function quoteHeaderAndBody(spec: QuoteSpec): Bytes {
  const version = spec.version ?? 4;
  const bodyType = version === 4 ? 2 : (spec.bodyType ?? 3);
  const header = Buffer.concat([u16(version), u16(2), u32(0x81), u16(0), u16(0), intelQeVendorId, new Uint8Array(20)]);
  const body = [spec.teeTcbSvn ?? Uint8Array.of(11, 1, 4, ...new Uint8Array(13)), spec.mrSeam ?? fill(48, 0x5b), spec.mrSignerSeam ?? new Uint8Array(48), spec.seamAttributes ?? new Uint8Array(8), spec.tdAttributes ?? septVeDisable, spec.xfam ?? Buffer.from("e702060000000000", "hex"), spec.mrTd ?? fill(48, 0x11), new Uint8Array(48), new Uint8Array(48), new Uint8Array(48), spec.rtmr0 ?? fill(48, 0x20), spec.rtmr1 ?? fill(48, 0x21), spec.rtmr2 ?? fill(48, 0x22), spec.rtmr3 ?? new Uint8Array(48), spec.reportData ?? new Uint8Array(64)];
  if (bodyType === 3) body.push(spec.teeTcbSvn2 ?? Uint8Array.of(13, 1, 4, ...new Uint8Array(13)), spec.mrServiceTd ?? new Uint8Array(48));
  const bodyBytes = Buffer.concat(body);
  return Buffer.concat([header, ...(version === 5 ? [u16(bodyType), u32(bodyBytes.length)] : []), bodyBytes]);
}

/** The signature data for `signed`, with a fresh or given attestation key. */
export function signatureData(spec: QuoteSpec, signed: Bytes, attestation = generateKeyPairSync("ec", { namedCurve: "P-256" })): Bytes {
  const attestationKey = rawKey(attestation.publicKey);
  const authData = spec.qeAuthData ?? Uint8Array.from({ length: 32 }, (_, i) => i);
  const report = qeReport(attestationKey, authData, spec.qeIsvSvn, spec.qeMrSigner);
  const chain = Buffer.from((spec.chainPem ?? spec.pki.chainPem) + "\0", "latin1");
  const inner = Buffer.concat([u16(5), u32(chain.length), chain]);
  const qeData = Buffer.concat([report, signP1363(report, spec.pki.pck.key), u16(authData.length), authData, inner]);
  return Buffer.concat([signP1363(signed, attestation.privateKey), attestationKey, u16(6), u32(qeData.length), qeData]);
}

/** A complete quote under the test PKI. */
export function synthQuote(spec: QuoteSpec): Bytes {
  const signed = quoteHeaderAndBody(spec);
  const data = signatureData(spec, signed);
  return Buffer.concat([signed, u32(data.length), data, spec.trailing ?? new Uint8Array(0)]);
}

// ---------------------------------------------------------------------------------- collateral

export interface CrlSpec {
  readonly issuer: Issued;
  readonly thisUpdate: number;
  readonly nextUpdate: number;
  readonly revoked?: readonly bigint[];
}

export function crl(spec: CrlSpec): Bytes {
  const entries = (spec.revoked ?? []).map((serial) => der.seq(der.int(serial), der.time(spec.thisUpdate)));
  const tbs = der.seq(der.int(1), ecdsaWithSha256, name(spec.issuer.name), der.time(spec.thisUpdate), der.time(spec.nextUpdate), ...(entries.length === 0 ? [] : [der.seq(...entries)]));
  return der.seq(tbs, ecdsaWithSha256, der.bits(sign("sha256", tbs, spec.issuer.key)));
}

export interface CollateralSpec {
  /** The window of every document and CRL: [issued, nextUpdate]. */
  readonly issued: number;
  readonly nextUpdate: number;
  /** The TCB info's levels; default one UpToDate level the default platform meets. */
  readonly tcbLevels?: readonly unknown[];
  readonly tdxModuleIdentities?: readonly unknown[];
  readonly qeLevels?: readonly unknown[];
  readonly fmspc?: Bytes;
  /** Serials the PCK CRL and the root CA CRL list. */
  readonly revokedPck?: readonly bigint[];
  readonly revokedCa?: readonly bigint[];
}

export function level(sgx: readonly number[], pceSvn: number, tdx: readonly number[], status: string, date = "2025-01-01T00:00:00Z"): unknown {
  return { tcb: { sgxtcbcomponents: sgx.map((svn) => ({ svn })), pcesvn: pceSvn, tdxtcbcomponents: tdx.map((svn) => ({ svn })) }, tcbDate: date, tcbStatus: status };
}

const pad16 = (values: readonly number[]) => [...values, ...new Array(16 - values.length).fill(0)];

export function synthCollateral(pki: TestPki, spec: CollateralSpec): Collateral {
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
  const hex = (bytes: Bytes) => Buffer.from(bytes).toString("hex").toUpperCase();
  const tcbInfo = JSON.stringify({
    id: "TDX",
    version: 3,
    issueDate: iso(spec.issued),
    nextUpdate: iso(spec.nextUpdate),
    fmspc: hex(spec.fmspc ?? pki.platform.fmspc),
    pceId: hex(pki.platform.pceId),
    tcbType: 0,
    tcbEvaluationDataNumber: 18,
    tdxModule: { mrsigner: "00".repeat(48), attributes: "0000000000000000", attributesMask: "FFFFFFFFFFFFFFFF" },
    tdxModuleIdentities: spec.tdxModuleIdentities ?? [{ id: "TDX_01", mrsigner: "00".repeat(48), attributes: "0000000000000000", attributesMask: "FFFFFFFFFFFFFFFF", tcbLevels: [{ tcb: { isvsvn: 6 }, tcbDate: "2025-01-01T00:00:00Z", tcbStatus: "UpToDate" }, { tcb: { isvsvn: 2 }, tcbDate: "2024-01-01T00:00:00Z", tcbStatus: "OutOfDate", advisoryIDs: ["INTEL-SA-TEST"] }] }],
    tcbLevels: spec.tcbLevels ?? [level(pad16([3, 3, 2, 2, 4, 1, 0, 5]), 13, pad16([5, 0, 3]), "UpToDate")],
  });
  const qeIdentity = JSON.stringify({
    id: "TD_QE",
    version: 2,
    issueDate: iso(spec.issued),
    nextUpdate: iso(spec.nextUpdate),
    tcbEvaluationDataNumber: 18,
    miscselect: "00000000",
    miscselectMask: "FFFFFFFF",
    attributes: "11000000000000000000000000000000",
    attributesMask: "FBFFFFFFFFFFFFFF0000000000000000",
    mrsigner: hex(intelQeMrSigner),
    isvprodid: 2,
    tcbLevels: spec.qeLevels ?? [{ tcb: { isvsvn: 4 }, tcbDate: "2025-01-01T00:00:00Z", tcbStatus: "UpToDate" }],
  });
  const signHex = (text: string) => Buffer.from(signP1363(Buffer.from(text, "utf8"), pki.tcbSigning.key)).toString("hex");
  const signingChain = pki.tcbSigning.pem + pki.root.pem;
  return {
    pck_crl_issuer_chain: pki.platformCa.pem + pki.root.pem,
    root_ca_crl: Buffer.from(crl({ issuer: pki.root, thisUpdate: spec.issued, nextUpdate: spec.nextUpdate, revoked: spec.revokedCa ?? [] })).toString("hex"),
    pck_crl: Buffer.from(crl({ issuer: pki.platformCa, thisUpdate: spec.issued, nextUpdate: spec.nextUpdate, revoked: spec.revokedPck ?? [] })).toString("hex"),
    tcb_info_issuer_chain: signingChain,
    tcb_info: tcbInfo,
    tcb_info_signature: signHex(tcbInfo),
    qe_identity_issuer_chain: signingChain,
    qe_identity: qeIdentity,
    qe_identity_signature: signHex(qeIdentity),
  };
}
