// Intel TDX attestation (spec 05, "Tdx"): strict quote parsing, offline DCAP verification against
// the pinned Intel SGX Root CA with optional collateral (TCB info, QE identity, CRLs), and TDX
// tickets in mosaik's REPORTDATA binding with their validator. docs/tdx.md explains each step.
export { parseQuote, type Quote, type QuoteParse, type QuoteParseReason, type TdReport, type EnclaveReport } from "./quote.js";
export { verifyQuote, steps, PlatformCache, type Step, type StepName, type TdPolicy, type VerifyOptions, type Verification, type VerifiedQuote, type VerifyFailure, type CollateralSource } from "./verify.js";
export { verifyCollateral, CollateralError, type Collateral, type CollateralReason, type VerifiedCollateral } from "./collateral.js";
export { evaluateTcb, parseTcbInfo, parseQeIdentity, type TcbStatus, type TcbEvaluation, type TcbInfo, type QeIdentity } from "./tcb.js";
export { pckExtension, sgxExtensionOid, type PckExtension } from "./sgx-extension.js";
export { trustedRoot, parseCertificate, parseCrl, pemCertificates, CertificateError, type TrustedRoot, type Certificate, type Crl, type CertificateReason } from "./x509.js";
export { intelRoot, intelRootFingerprint } from "./intel-root.js";
export { judgeMeasurements, type MeasurementsCriteria } from "./measurements.js";
export { tdx, tdxTicket, tdxTicketClass, encodeTdxTicket, decodeTdxTicket, extraDataDigest, reportDataFor, type ExtraData, type DecodedTicket, type TdxValidatorOptions } from "./ticket.js";
