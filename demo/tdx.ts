// The demo's stand-in for Intel's PKI. A real TDX quote chains to Intel's SGX Root CA, which only
// Intel-made platforms can satisfy; this demo runs anywhere, so a provider's quote is made under a
// demo root CA, which the demo's Compute committee is started with *explicitly* (production code
// pins Intel's root; nothing else is accepted unless injected like this). The quotes go through
// exactly the same verification — signatures, QE binding, the PCK chain, TD policy.
//
// The material is plain data (the root certificate and the quotes), made once per run: with
// `--tcp` the launcher hands it to the operator and provider processes, which must agree on the
// root (it is part of the Compute group's id).
import { generateKeyPairSync } from "node:crypto";
import { trustedRoot, type TrustedRoot } from "@coal/runtime/tdx";
import { synthQuote, testEpoch, testPki } from "../test/support/tdx-synth.js";

export interface PkiMaterial {
  readonly label: string;
  readonly rootPem: string;
  /** A time inside the demo PKI's validity: quotes are judged then. */
  readonly now: number;
  /** A genuine quote for an image whose MRTD is 48 bytes of 0x5a, hex. */
  readonly quote: string;
  readonly mrtd: string;
  /**
   * The forgery mosaik's check lets through: a self-made attestation key, the QE report's binding
   * recomputed — but the QE report cannot be signed by the platform's PCK key, which the forger
   * does not have. Verification fails at step 4. Hex.
   */
  readonly forged: string;
}

export interface DemoPki {
  readonly label: string;
  readonly trusted: TrustedRoot;
  readonly now: number;
  readonly quote: Uint8Array;
  readonly mrtd: Uint8Array;
  readonly forged: Uint8Array;
}

export function makePkiMaterial(): PkiMaterial {
  const pki = testPki();
  const mrtd = new Uint8Array(48).fill(0x5a);
  const impostor = { ...pki.pck, key: generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey };
  return {
    label: "demo root CA (standing in for Intel's)",
    rootPem: pki.root.pem,
    now: testEpoch,
    quote: Buffer.from(synthQuote({ pki, mrTd: mrtd })).toString("hex"),
    mrtd: Buffer.from(mrtd).toString("hex"),
    forged: Buffer.from(synthQuote({ pki: { ...pki, pck: impostor }, mrTd: mrtd })).toString("hex"),
  };
}

export function demoPki(material: PkiMaterial): DemoPki {
  return { label: material.label, trusted: trustedRoot(material.rootPem), now: material.now, quote: Buffer.from(material.quote, "hex"), mrtd: Buffer.from(material.mrtd, "hex"), forged: Buffer.from(material.forged, "hex") };
}
