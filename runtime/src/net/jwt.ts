// JWT tickets, compatible with mosaik's `Jwt` validator (class `mosaik.tickets.jwt.v1`): the
// ticket data is a compact JWS (`header.claims.signature`, UTF-8) whose subject is the peer id,
// signed by one of the validator's keys. Parsing is jose's (strict base64url and JSON, the
// library's own errors); signatures are checked with node:crypto, synchronously, because
// admission is judged synchronously on every recheck; claims follow mosaik's rules exactly, so
// one signature means one admission policy on both runtimes:
//
//   * the header's `alg` must be one of the keys' algorithms, and one such key must verify;
//   * `iss` ∈ issuers (when any are set); `sub` = the required subject, else the peer id;
//   * `nbf` ≤ now; `exp` present unless non-expiring tokens are allowed, and > now;
//   * `exp − now` ≤ max_lifetime; `iat` present and `now − iat` ≤ max_age when set;
//   * `aud` (a string, as mosaik reads it) ∈ audiences (when any are set);
//   * each required private claim equals its value (JSON equality).
//
// Only asymmetric algorithms are offered (EdDSA, ES256/384/512): an HMAC secret would have to be
// published in the manifest that names the validator.
import { createPublicKey, ECDH, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from "node:crypto";
import { decodeJwt, decodeProtectedHeader, type JWTPayload } from "jose";
import { toHex } from "../identity/bytes.js";
import { id } from "../identity/hash.js";
import { jwtAlgorithms, type JwtAlgorithm } from "../identity/admission.js";
import type { PeerInfo } from "./memory.js";
import type { Ticket, TicketValidator, Validation } from "./tickets.js";

export const jwtClass = toHex(id("mosaik.tickets.jwt.v1"));

const curves = { ES256: { curve: "prime256v1", crv: "P-256", hash: "sha256" }, ES384: { curve: "secp384r1", crv: "P-384", hash: "sha384" }, ES512: { curve: "secp521r1", crv: "P-521", hash: "sha512" } } as const;

interface Verifier {
  readonly alg: JwtAlgorithm;
  verify(data: Buffer, signature: Buffer): boolean;
}

/** A verifier for a key as the manifest carries it (raw Ed25519, or a SEC1-compressed point). */
function verifierFor(alg: JwtAlgorithm, key: Uint8Array): Verifier {
  if (key.length !== jwtAlgorithms[alg].keyBytes) throw new RangeError(`an ${alg} key is ${jwtAlgorithms[alg].keyBytes} bytes, not ${key.length}`);
  if (alg === "EdDSA") {
    const publicKey = createPublicKey({ key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), key]), format: "der", type: "spki" });
    return { alg, verify: (data, signature) => cryptoVerify(null, data, publicKey, signature) };
  }
  const { curve, crv, hash } = curves[alg];
  // Decompressing also proves the point is on the curve (convertKey throws otherwise).
  const point = ECDH.convertKey(key, curve, undefined, undefined, "uncompressed") as Buffer;
  const half = (point.length - 1) / 2;
  const publicKey = createPublicKey({ key: { kty: "EC", crv, x: point.subarray(1, 1 + half).toString("base64url"), y: point.subarray(1 + half).toString("base64url") }, format: "jwk" });
  return { alg, verify: (data, signature) => cryptoVerify(hash, data, { key: publicKey, dsaEncoding: "ieee-p1363" }, signature) };
}

export interface JwtValidatorOptions {
  /** The admission signature (spec 02), hex; `identity.jwt(…)` computes it. */
  readonly signature: string;
  readonly keys: readonly { readonly alg: JwtAlgorithm; readonly key: Uint8Array | string }[];
  readonly issuers?: readonly string[];
  readonly audiences?: readonly string[];
  readonly subject?: string;
  readonly allowNonExpiring?: boolean;
  readonly maxLifetimeMs?: number;
  readonly maxAgeMs?: number;
  readonly claims?: Readonly<Record<string, unknown>>;
}

const refuse = (code: string, message: string): Validation => ({ ok: false, rejection: { code, message } });

/** Jwt(…): the peer holds a JWT ticket that passes mosaik's checks (see the file's header). */
export function jwt(options: JwtValidatorOptions): TicketValidator {
  let verifiers: Verifier[];
  try {
    verifiers = options.keys.map(({ alg, key }) => verifierFor(alg, typeof key === "string" ? Buffer.from(key, "hex") : key));
  } catch (error) {
    const message = `a verifying key is unusable: ${(error as Error).message}`;
    return { class: jwtClass, signature: options.signature, validate: () => refuse("jwt-bad-key", message) };
  }
  return {
    class: jwtClass,
    signature: options.signature,
    validate(peer, now) {
      const tickets = (peer.tickets ?? []).filter((t) => t.class === jwtClass);
      if (tickets.length === 0) return refuse("ticket-missing", "no JWT ticket");
      let first: Validation | undefined;
      for (const ticket of tickets) {
        const result = judge(ticket.data, peer, now, verifiers, options);
        if (result.ok) return result;
        first ??= result;
      }
      return first!;
    },
  };
}

function judge(data: Uint8Array, peer: PeerInfo, now: number, verifiers: readonly Verifier[], options: JwtValidatorOptions): Validation {
  let token: string;
  try {
    token = new TextDecoder("utf-8", { fatal: true }).decode(data);
  } catch {
    return refuse("jwt-malformed", "the ticket is not UTF-8");
  }
  const parts = token.split(".");
  if (parts.length !== 3) return refuse("jwt-malformed", "the ticket is not a compact JWS (three dot-separated parts)");
  let alg: unknown;
  let claims: JWTPayload;
  try {
    alg = decodeProtectedHeader(token).alg;
    claims = decodeJwt(token);
  } catch (error) {
    return refuse("jwt-malformed", `the ticket does not decode: ${(error as Error).message}`);
  }
  const candidates = verifiers.filter((v) => v.alg === alg);
  if (candidates.length === 0) return refuse("jwt-algorithm", `no key for the token's algorithm ${JSON.stringify(alg)}`);
  const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
  const signature = Buffer.from(parts[2]!, "base64url");
  if (!candidates.some((v) => v.verify(signed, signature))) return refuse("jwt-bad-signature", "the token's signature does not verify under any key");

  const seconds = Math.floor(now / 1000);
  const issuers = options.issuers ?? [];
  if (issuers.length > 0 && (typeof claims.iss !== "string" || !issuers.includes(claims.iss))) return refuse("jwt-issuer", `the issuer ${JSON.stringify(claims.iss)} is not allowed`);
  const subject = options.subject ?? peer.id.toLowerCase();
  if (claims.sub !== subject) return refuse("jwt-subject", `the token is for ${JSON.stringify(claims.sub)}, not ${JSON.stringify(subject)}`);
  if (claims.nbf !== undefined && claims.nbf > seconds) return refuse("jwt-not-yet-valid", `the token is not valid before ${claims.nbf}`);
  if (claims.exp === undefined && options.allowNonExpiring !== true) return refuse("jwt-no-expiry", "the token has no expiry and non-expiring tokens are not allowed");
  if (claims.exp !== undefined && claims.exp <= seconds) return refuse("ticket-expired", `the token expired at ${claims.exp}`);
  if (options.maxLifetimeMs !== undefined && claims.exp !== undefined && claims.exp - seconds > Math.floor(options.maxLifetimeMs / 1000)) return refuse("jwt-lifetime", "the token's remaining lifetime exceeds max_lifetime");
  if (options.maxAgeMs !== undefined) {
    if (claims.iat === undefined) return refuse("jwt-too-old", "max_age needs an issued-at (`iat`) claim");
    if (seconds - claims.iat > Math.floor(options.maxAgeMs / 1000)) return refuse("jwt-too-old", `the token was issued at ${claims.iat}, longer than max_age ago`);
  }
  const audiences = options.audiences ?? [];
  if (audiences.length > 0 && (typeof claims.aud !== "string" || !audiences.includes(claims.aud))) return refuse("jwt-audience", `the audience ${JSON.stringify(claims.aud)} is not allowed`);
  for (const [name, value] of Object.entries(options.claims ?? {})) {
    if (!jsonEqual(claims[name], value)) return refuse("jwt-claim", `the claim ${JSON.stringify(name)} is not ${JSON.stringify(value)}`);
  }
  return claims.exp === undefined ? { ok: true } : { ok: true, expiresAt: claims.exp * 1000 };
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return keysA.length === keysB.length && keysA.every((k) => Object.hasOwn(b, k) && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

export interface JwtSigningKey {
  readonly alg: JwtAlgorithm;
  readonly privateKey: KeyObject;
}

/** The key bytes a manifest names for a signing key: raw Ed25519, or the SEC1-compressed point. */
export function jwtVerifyingKey(signing: JwtSigningKey): Uint8Array {
  const jwk = createPublicKey(signing.privateKey).export({ format: "jwk" });
  if (signing.alg === "EdDSA") return Buffer.from(jwk.x!, "base64url");
  const x = Buffer.from(jwk.x!, "base64url");
  const y = Buffer.from(jwk.y!, "base64url");
  return Buffer.concat([Buffer.of(2 + (y[y.length - 1]! & 1)), x]);
}

/**
 * Issues a JWT ticket for `peer` (mosaik's `JwtTicketBuilder`): `sub` is the peer id unless given,
 * `iat` is `now`; `expiresAt` (unix ms, rounded down to seconds) is left out for a non-expiring token.
 */
export function issueJwt(
  signing: JwtSigningKey,
  peer: string,
  claims: { readonly expiresAt?: number; readonly issuer?: string; readonly audience?: string; readonly subject?: string; readonly notBefore?: number; readonly issuedAt?: number; readonly private?: Readonly<Record<string, unknown>> } = {},
  now = Date.now(),
): Ticket {
  const header = Buffer.from(JSON.stringify({ alg: signing.alg, typ: "JWT" })).toString("base64url");
  const body: Record<string, unknown> = { ...claims.private };
  if (claims.issuer !== undefined) body.iss = claims.issuer;
  body.sub = claims.subject ?? peer.toLowerCase();
  if (claims.audience !== undefined) body.aud = claims.audience;
  if (claims.expiresAt !== undefined) body.exp = Math.floor(claims.expiresAt / 1000);
  if (claims.notBefore !== undefined) body.nbf = Math.floor(claims.notBefore / 1000);
  body.iat = Math.floor((claims.issuedAt ?? now) / 1000);
  const payload = Buffer.from(JSON.stringify(body)).toString("base64url");
  const signed = Buffer.from(`${header}.${payload}`);
  const signature = signing.alg === "EdDSA" ? cryptoSign(null, signed, signing.privateKey) : cryptoSign(curves[signing.alg].hash, signed, { key: signing.privateKey, dsaEncoding: "ieee-p1363" });
  return { class: jwtClass, data: Buffer.from(`${header}.${payload}.${signature.toString("base64url")}`) };
}
