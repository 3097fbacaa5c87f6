// The demo's stand-in for Intel's PKI. A real TDX quote chains to Intel's SGX Root CA, which only
// Intel-made platforms can satisfy; this demo runs anywhere, so a provider's quote is made under a
// demo root CA, which the demo's Compute committee is started with *explicitly* (production code
// pins Intel's root; nothing else is accepted unless injected like this). The quotes go through
// exactly the same verification — signatures, QE binding, the PCK chain, TD policy.
import { generateKeyPairSync } from "node:crypto";
import { synthQuote, testEpoch, testPki } from "../test/support/tdx-synth.js";

export function demoPki() {
  const pki = testPki();
  return {
    label: "demo root CA (standing in for Intel's)",
    trusted: pki.trusted,
    /** A time inside the demo PKI's validity: quotes are judged then. */
    now: testEpoch,
    /** A genuine quote for an image whose MRTD is 48 bytes of `fill`. */
    quote(fill: number): { quote: Uint8Array; mrtd: Uint8Array } {
      const mrtd = new Uint8Array(48).fill(fill);
      return { quote: synthQuote({ pki, mrTd: mrtd }), mrtd };
    },
    /**
     * The forgery mosaik's check lets through: a self-made attestation key, the QE report's binding
     * recomputed — but the QE report cannot be signed by the platform's PCK key, which the forger
     * does not have. Verification fails at step 4.
     */
    forged(fill: number): Uint8Array {
      const impostor = { ...pki.pck, key: generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey };
      return synthQuote({ pki: { ...pki, pck: impostor }, mrTd: new Uint8Array(48).fill(fill) });
    },
  };
}
