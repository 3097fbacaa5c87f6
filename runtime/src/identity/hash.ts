// The primitives of spec 02: H, text, id, derive, SV, UNIVERSE.
import { blake3 } from "@noble/hashes/blake3.js";
import { concat, fromHex, type Bytes } from "./bytes.js";

/** SCHEMA_VERSION_U8. */
export const SV = 1;
export const svBytes: Bytes = Uint8Array.of(SV);

const encoder = new TextEncoder();

const ascii = /^[\x00-\x7f]*$/;

/** UTF-8 bytes of the NFC normalisation of `s` (ASCII is already in NFC). */
export function text(s: string): Bytes {
  return encoder.encode(ascii.test(s) ? s : s.normalize("NFC"));
}

/** BLAKE3-256. */
export function H(...parts: readonly Bytes[]): Bytes {
  return blake3(parts.length === 1 ? parts[0]! : concat(...parts));
}

const hex64 = /^[0-9a-fA-F]{64}$/;

/** mosaik's id rule: exactly 64 hex digits are those bytes; anything else is H(text(s)). */
export function id(s: string): Bytes {
  return hex64.test(s) ? fromHex(s) : H(text(s));
}

/** H(d ‖ x): a string x is taken as text(x) (no hex rule), bytes as they are. */
export function derive(parent: Bytes, info: string | Bytes): Bytes {
  return H(parent, typeof info === "string" ? text(info) : info);
}

/** The universe when a workspace does not declare one. */
export const defaultUniverse: Bytes = id("mosaik.universe");

/** `"tag|" ‖ SV ‖ "|"`, the opening of every versioned preimage. */
export function versioned(tag: string): Bytes {
  return concat(text(tag + "|"), svBytes, text("|"));
}
