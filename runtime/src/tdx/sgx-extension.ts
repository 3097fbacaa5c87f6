// The Intel SGX extension of a PCK certificate (OID 1.2.840.113741.1.13.1): the platform's
// FMSPC, PCE id, PCE SVN and the 16 SGX TCB component SVNs that TCB-level selection compares
// with Intel's TCB info. Read strictly: each field once, of the right type and size.
import type { Bytes } from "../identity/bytes.js";
import { DerError, octets, oid, readDer, sequence, smallUnsigned, type Node } from "./der.js";
import { CertificateError, type Certificate } from "./x509.js";

export const sgxExtensionOid = "1.2.840.113741.1.13.1";

export interface PckExtension {
  readonly ppid: Bytes;
  /** SGX TCB components 1..16, in order. */
  readonly sgxTcbComponents: readonly number[];
  readonly pceSvn: number;
  readonly cpuSvn: Bytes;
  readonly pceId: Bytes;
  readonly fmspc: Bytes;
}

/** The SGX extension of a PCK leaf; throws `CertificateError("bad-certificate")` if it is absent or malformed. */
export function pckExtension(certificate: Certificate): PckExtension {
  const value = certificate.extensions.get(sgxExtensionOid);
  if (value === undefined) throw new CertificateError("bad-certificate", `${certificate.subjectText} has no SGX extension`);
  try {
    const fields = new Map<string, Node>();
    for (const entry of sequence(readDer(value), "SGX extension")) {
      const [id, field, ...rest] = sequence(entry, "SGX extension entry");
      if (field === undefined || rest.length > 0) throw new DerError("an SGX extension entry is not an (OID, value) pair");
      const name = oid(id);
      if (fields.has(name)) throw new DerError(`SGX extension field ${name} appears twice`);
      fields.set(name, field);
    }
    const field = (arc: number) => fields.get(`${sgxExtensionOid}.${arc}`);
    const tcb = new Map<number, Node>();
    for (const entry of sequence(field(2), "SGX TCB")) {
      const [id, component, ...rest] = sequence(entry, "SGX TCB entry");
      if (component === undefined || rest.length > 0) throw new DerError("an SGX TCB entry is not an (OID, value) pair");
      const name = oid(id);
      const prefix = `${sgxExtensionOid}.2.`;
      const arc = name.startsWith(prefix) ? Number(name.slice(prefix.length)) : NaN;
      if (!Number.isInteger(arc) || arc < 1 || arc > 18 || tcb.has(arc)) throw new DerError(`unexpected SGX TCB entry ${name}`);
      tcb.set(arc, component);
    }
    const sgxTcbComponents = Array.from({ length: 16 }, (_, i) => smallUnsigned(tcb.get(i + 1), `SGX TCB component ${i + 1}`, 255));
    const cpuSvn = sized(octets(tcb.get(18), "CPUSVN"), 16, "CPUSVN");
    return {
      ppid: sized(octets(field(1), "PPID"), 16, "PPID"),
      sgxTcbComponents,
      pceSvn: smallUnsigned(tcb.get(17), "PCESVN", 0xffff),
      cpuSvn,
      pceId: sized(octets(field(3), "PCE-ID"), 2, "PCE-ID"),
      fmspc: sized(octets(field(4), "FMSPC"), 6, "FMSPC"),
    };
  } catch (error) {
    throw new CertificateError("bad-certificate", `the SGX extension of ${certificate.subjectText} is malformed: ${(error as Error).message}`);
  }
}

function sized(bytes: Bytes, length: number, what: string): Bytes {
  if (bytes.length !== length) throw new DerError(`${what} is ${bytes.length} bytes, not ${length}`);
  return bytes;
}
