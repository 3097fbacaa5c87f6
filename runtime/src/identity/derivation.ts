// A fingerprint together with how it was made: every preimage part with its label and bytes, the
// derivation of any part that is itself a digest, and where the input came from (an opaque
// origin the caller supplies — the compiler passes source locations). `coalc fingerprint
// --explain` prints this tree, and a failing golden vector prints both sides of it.
import { concat, toHex, type Bytes } from "./bytes.js";
import { derive as deriveBytes, H, text } from "./hash.js";

export interface Part {
  readonly label: string;
  readonly bytes: Bytes;
  /** When the part is a digest computed here: how. */
  readonly from?: Derivation;
  /** Where the input came from (for the compiler: a source location). */
  readonly origin?: unknown;
}

export interface Derivation {
  /** What the digest is, e.g. `SCHEMA(Forecast)` or `COALITION_ROOT`. */
  readonly label: string;
  /** `H` (BLAKE3 of the parts' concatenation), `derive` (H(parent ‖ info)) or `id` (mosaik's id rule). */
  readonly rule: "H" | "derive" | "id";
  readonly parts: readonly Part[];
  readonly digest: Bytes;
}

/** A digest given as bytes, or with its derivation. */
export type DigestInput = Bytes | Derivation;

export function digestOf(input: DigestInput): Bytes {
  return input instanceof Uint8Array ? input : input.digest;
}

export function derivationOf(input: DigestInput): Derivation | undefined {
  return input instanceof Uint8Array ? undefined : input;
}

export function part(label: string, bytes: Bytes, origin?: unknown): Part {
  return origin === undefined ? { label, bytes } : { label, bytes, origin };
}

export function digestPart(label: string, input: DigestInput, origin?: unknown): Part {
  const from = derivationOf(input);
  const base: Part = from === undefined ? { label, bytes: digestOf(input) } : { label, bytes: from.digest, from };
  return origin === undefined ? base : { ...base, origin };
}

/** H over the concatenated parts. */
export function hashOf(label: string, parts: readonly Part[]): Derivation {
  return { label, rule: "H", parts, digest: H(concat(...parts.map((p) => p.bytes))) };
}

/** derive(parent, info) = H(parent ‖ info), with a string info taken as text. */
export function deriveOf(label: string, parent: DigestInput, info: string | Bytes | Derivation, infoLabel = "info"): Derivation {
  const parentPart = digestPart("parent", parent);
  const infoPart = typeof info === "string" ? part(infoLabel, text(info)) : digestPart(infoLabel, info);
  return { label, rule: "derive", parts: [parentPart, infoPart], digest: deriveBytes(parentPart.bytes, infoPart.bytes) };
}

/** A constant id("…"), shown as such. */
export function idOf(label: string, source: string, digest: Bytes): Derivation {
  return { label, rule: "id", parts: [part(JSON.stringify(source), text(source))], digest };
}

export interface ExplainOptions {
  /** Renders an origin (a source location) after a part; omitted when it returns undefined. */
  readonly origin?: (origin: unknown) => string | undefined;
  /** Parts longer than this many bytes are shown abbreviated. Default 64. */
  readonly maxBytes?: number;
  /** Stop expanding below this depth. Default unlimited. */
  readonly maxDepth?: number;
}

/** The derivation as an indented tree, one part per line with its bytes in hex. */
export function explain(derivation: Derivation, options: ExplainOptions = {}): string {
  const maxBytes = options.maxBytes ?? 64;
  const lines: string[] = [];
  const show = (bytes: Bytes): string => {
    if (bytes.length <= maxBytes) return bytes.length === 0 ? "(empty)" : toHex(bytes);
    return `${toHex(bytes.subarray(0, maxBytes / 2))}…${toHex(bytes.subarray(bytes.length - 8))} (${bytes.length} bytes)`;
  };
  const visit = (d: Derivation, indent: string, depth: number): void => {
    lines.push(`${indent}${d.label} = ${toHex(d.digest)}`);
    if (options.maxDepth !== undefined && depth >= options.maxDepth) return;
    const rule = d.rule === "H" ? "H(" + d.parts.map((p) => p.label).join(" ‖ ") + ")" : d.rule === "derive" ? "derive(parent, info)" : "id(…)";
    lines.push(`${indent}  ${rule}`);
    for (const p of d.parts) {
      const where = p.origin !== undefined ? options.origin?.(p.origin) : undefined;
      lines.push(`${indent}  · ${p.label}: ${show(p.bytes)}${where !== undefined ? `   (${where})` : ""}`);
      if (p.from !== undefined && p.from.rule !== "id") visit(p.from, indent + "      ", depth + 1);
    }
  };
  visit(derivation, "", 0);
  return lines.join("\n") + "\n";
}

/** A JSON form of the tree (parts as hex), for `--explain --format json` and manifests. */
export interface DerivationJson {
  readonly label: string;
  readonly rule: Derivation["rule"];
  readonly digest: string;
  readonly parts: readonly { readonly label: string; readonly hex: string; readonly origin?: unknown; readonly from?: DerivationJson }[];
}

export function derivationToJson(derivation: Derivation, origin: (origin: unknown) => unknown = (o) => o): DerivationJson {
  return {
    label: derivation.label,
    rule: derivation.rule,
    digest: toHex(derivation.digest),
    parts: derivation.parts.map((p) => ({
      label: p.label,
      hex: toHex(p.bytes),
      ...(p.origin !== undefined ? { origin: origin(p.origin) } : {}),
      ...(p.from !== undefined ? { from: derivationToJson(p.from, origin) } : {}),
    })),
  };
}
