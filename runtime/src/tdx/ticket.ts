// TDX tickets and their validator (spec 05, "Tdx"). A ticket carries a TDX quote and mosaik's
// `ExtraData` — peer id, network id, started_at, quoted_at, expiration — bound to the quote
// through REPORTDATA exactly as mosaik binds them:
//
//   REPORTDATA[0..32)  = id("mosaik.tee.tdx.ticket.extra") derived in turn with the peer id (32),
//                        the network id (32), i64le(started_at), i64le(quoted_at) and
//                        i64le(expiration) or 8 zero bytes for never (unix seconds)
//   REPORTDATA[32..64) = zero
//
// The ticket's data (class id("mosaik.tee.tdx.ticket.v1")) is, in this runtime's container:
//
//   u32le(quote length) ‖ quote ‖ peer id (32) ‖ network id (32) ‖ i64le(started_at)
//   ‖ i64le(quoted_at) ‖ i64le(expiration) (0: never)
//
// nothing more, nothing less. (mosaik itself ships zstd(postcard(quote, ExtraData)); see
// docs/tdx.md for why this runtime does not, yet.) The validator verifies the quote (steps 1–7,
// verify.ts), then step 8: the binding, the measurement pins, the peer and network, and the
// times. Verified quotes are cached by the SHA-256 of the ticket's data, so re-judging a peer
// (on every producer's recheck) costs a hash and a map lookup while the verification holds.
import { createHash } from "node:crypto";
import { concat, equalBytes, i64le, toHex, type Bytes } from "../identity/bytes.js";
import { derive, id } from "../identity/hash.js";
import { tdx as tdxSignature, type MeasurementsCriteria } from "../identity/admission.js";
import type { PeerInfo } from "../net/memory.js";
import type { Ticket, TicketValidator, Validation } from "../net/tickets.js";
import { verifyQuote, type CollateralSource, type PlatformCache, type TdPolicy, type Verification, type VerifiedQuote } from "./verify.js";
import { judgeMeasurements } from "./measurements.js";
import type { TrustedRoot } from "./x509.js";

/** The ticket class: id("mosaik.tee.tdx.ticket.v1"), hex. */
export const tdxTicketClass = toHex(id("mosaik.tee.tdx.ticket.v1"));

/** mosaik's `ExtraData`: what a TDX ticket claims, bound to the quote by REPORTDATA. */
export interface ExtraData {
  /** The peer's id: its Ed25519 public key (32 bytes). */
  readonly peerId: Bytes;
  /** The network's id (32 bytes), id(network name). */
  readonly networkId: Bytes;
  /** Unix seconds: when the peer's process started, and when it made the quote. */
  readonly startedAt: number;
  readonly quotedAt: number;
  /** Unix seconds; absent: the ticket never expires. */
  readonly expiresAt?: number;
}

function seconds(value: number, what: string): Bytes {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${what} must be a whole number of unix seconds`);
  return i64le(value);
}

function checkId(bytes: Bytes, what: string): void {
  if (bytes.length !== 32) throw new RangeError(`${what} must be 32 bytes, not ${bytes.length}`);
}

/** id("mosaik.tee.tdx.ticket.extra") derived in turn with the five fields. */
export function extraDataDigest(extra: ExtraData): Bytes {
  checkId(extra.peerId, "the peer id");
  checkId(extra.networkId, "the network id");
  let digest = id("mosaik.tee.tdx.ticket.extra");
  digest = derive(digest, extra.peerId);
  digest = derive(digest, extra.networkId);
  digest = derive(digest, seconds(extra.startedAt, "started_at"));
  digest = derive(digest, seconds(extra.quotedAt, "quoted_at"));
  return derive(digest, extra.expiresAt === undefined ? new Uint8Array(8) : seconds(extra.expiresAt, "expiration"));
}

/** The REPORTDATA a quote for this ticket must carry: the digest, then 32 zero bytes. */
export function reportDataFor(extra: ExtraData): Bytes {
  return concat(extraDataDigest(extra), new Uint8Array(32));
}

const extraBytes = 32 + 32 + 8 + 8 + 8;
/** A quote is about 5 KiB; anything past this is refused before it is read. */
const maxQuoteBytes = 64 * 1024;

/** The ticket's data (see the file's header). */
export function encodeTdxTicket(quote: Bytes, extra: ExtraData): Bytes {
  if (quote.length > maxQuoteBytes) throw new RangeError(`a quote of ${quote.length} bytes is over ${maxQuoteBytes}`);
  checkId(extra.peerId, "the peer id");
  checkId(extra.networkId, "the network id");
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, quote.length, true);
  const expiration = extra.expiresAt === undefined ? new Uint8Array(8) : seconds(extra.expiresAt, "expiration");
  if (extra.expiresAt === 0) throw new RangeError("an expiration of 0 reads as never; use undefined");
  return concat(length, quote, extra.peerId, extra.networkId, seconds(extra.startedAt, "started_at"), seconds(extra.quotedAt, "quoted_at"), expiration);
}

/** A ticket for `extra`, carrying `quote` (whose REPORTDATA must be `reportDataFor(extra)`). */
export function tdxTicket(quote: Bytes, extra: ExtraData): Ticket {
  return { class: tdxTicketClass, data: encodeTdxTicket(quote, extra) };
}

export type DecodedTicket = { readonly ok: true; readonly quote: Bytes; readonly extra: ExtraData } | { readonly ok: false; readonly message: string };
type Decoded = Extract<DecodedTicket, { ok: true }>;

/** A copy, never a view (Buffer#slice would be one). */
const copy = (bytes: Bytes): Bytes => Uint8Array.from(bytes);

function readI64(view: DataView, offset: number, what: string): number {
  const value = view.getBigInt64(offset, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) throw new RangeError(`${what} is out of range`);
  return Number(value);
}

/** Reads a ticket's data strictly: exact length, timestamps in range. Never throws. */
export function decodeTdxTicket(data: Bytes): DecodedTicket {
  if (data.length < 4) return { ok: false, message: `ticket data of ${data.length} bytes is too short` };
  const view = new DataView(data.buffer, data.byteOffset, data.length);
  const quoteLength = view.getUint32(0, true);
  if (quoteLength > maxQuoteBytes) return { ok: false, message: `a quote of ${quoteLength} bytes is over ${maxQuoteBytes}` };
  if (data.length !== 4 + quoteLength + extraBytes) return { ok: false, message: `ticket data of ${data.length} bytes, where a ${quoteLength}-byte quote makes ${4 + quoteLength + extraBytes}` };
  let at = 4 + quoteLength;
  try {
    const quote = copy(data.subarray(4, at));
    const peerId = copy(data.subarray(at, (at += 32)));
    const networkId = copy(data.subarray(at, (at += 32)));
    const startedAt = readI64(view, at, "started_at");
    const quotedAt = readI64(view, at + 8, "quoted_at");
    const expiration = readI64(view, at + 16, "expiration");
    return { ok: true, quote, extra: { peerId, networkId, startedAt, quotedAt, ...(expiration === 0 ? {} : { expiresAt: expiration }) } };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

export interface TdxValidatorOptions {
  /** The admission signature (spec 02), hex. Computed when absent; a mismatch is a programming error. */
  readonly signature?: string;
  readonly baseline?: MeasurementsCriteria;
  readonly anyOf?: readonly MeasurementsCriteria[];
  /** The quote may be at most this old (now − quoted_at). Whole seconds. */
  readonly maxAgeMs?: number | bigint;
  /** Unix seconds: quotes made before this are refused. */
  readonly notBefore?: number | bigint;
  /** The ticket may claim at most this lifetime (expiration − quoted_at); a never-expiring ticket exceeds any. Whole seconds. */
  readonly maxLifetimeMs?: number | bigint;
  /** The root the PCK chain must end at. Default: the pinned Intel SGX Root CA. */
  readonly root?: TrustedRoot;
  /** Collateral for step 7 (a bundle or a lookup by FMSPC); without it, no TCB status is judged. */
  readonly collateral?: CollateralSource;
  readonly policy?: TdPolicy;
  /** The network the ticket must be for: id(network name), hex or bytes. Default id("coal"). */
  readonly networkId?: string | Bytes;
  /** The per-platform cache verification uses (see verify.ts). */
  readonly cache?: PlatformCache | false;
}

const refuse = (code: string, message: string): Validation => ({ ok: false, rejection: { code, message } });

/** Rejection codes by verification step; collateral failures are `tdx-collateral-<reason>`. */
const stepCodes = { 1: "tdx-parse", 2: "tdx-quote-signature", 3: "tdx-qe-binding", 4: "tdx-qe-signature", 5: "tdx-pck-chain", 6: "tdx-td-policy", 7: "tdx-collateral", 8: "tdx-measurements" } as const;

function rejection(failure: Extract<Verification, { ok: false }>): Validation {
  const code = failure.step === 7 ? `tdx-collateral-${failure.reason}` : stepCodes[failure.step];
  return refuse(code, `step ${failure.step} (${failure.stepName}), ${failure.reason}: ${failure.message}`);
}

/** How far ahead of `now` a quote's `quoted_at` may be: peers' clocks differ, but not by hours. */
const futureSkewMs = 5 * 60_000;
/** Verified tickets kept per validator. */
const cacheCapacity = 1024;

interface CacheEntry {
  readonly decoded: Decoded;
  /** A success holds within its window; a failure of steps 1–4 or 6 holds forever. */
  readonly verification: Verification;
}

const timeless = new Set([1, 2, 3, 4, 6]);

function toMs(value: number | bigint | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}

/** Tdx(…): the peer holds a TDX ticket whose quote verifies and which passes every check of step 8. */
export function tdx(options: TdxValidatorOptions = {}): TicketValidator {
  const anyOf = options.anyOf ?? [];
  const bigintOf = (value: number | bigint | undefined) => (value === undefined ? undefined : BigInt(value));
  const signature = toHex(tdxSignature({ ...(options.baseline === undefined ? {} : { baseline: options.baseline }), anyOf, maxAgeMs: bigintOf(options.maxAgeMs), notBefore: bigintOf(options.notBefore), maxLifetimeMs: bigintOf(options.maxLifetimeMs) }).digest);
  if (options.signature !== undefined && options.signature.toLowerCase() !== signature) throw new RangeError(`the Tdx signature ${options.signature} does not match the options, whose signature is ${signature}`);
  const networkId = options.networkId === undefined ? toHex(id("coal")) : typeof options.networkId === "string" ? options.networkId.toLowerCase() : toHex(options.networkId);
  const maxAgeMs = toMs(options.maxAgeMs);
  const notBeforeMs = options.notBefore === undefined ? undefined : Number(options.notBefore) * 1000;
  const maxLifetimeMs = toMs(options.maxLifetimeMs);
  const verifications = new Map<string, CacheEntry>();

  const verifyAt = (decoded: Decoded, now: number): Verification =>
    verifyQuote(decoded.quote, {
      now,
      ...(options.root === undefined ? {} : { root: options.root }),
      ...(options.collateral === undefined ? {} : { collateral: options.collateral }),
      ...(options.policy === undefined ? {} : { policy: options.policy }),
      ...(options.cache === undefined ? {} : { cache: options.cache }),
    });

  /** The cached verification when it still holds at `now`, else a fresh one (cached in turn). */
  const verified = (data: Bytes, now: number): { readonly decoded: Decoded; readonly verification: Verification } | Validation => {
    const key = createHash("sha256").update(data).digest("hex");
    const hit = verifications.get(key);
    if (hit !== undefined) {
      const v = hit.verification;
      if (v.ok ? now >= v.validFrom && now <= v.validUntil : timeless.has(v.step)) return hit;
    }
    const decoded = decodeTdxTicket(data);
    if (!decoded.ok) return refuse("tdx-parse", `the ticket's data is malformed: ${decoded.message}`);
    const verification = verifyAt(decoded, now);
    if (verification.ok || timeless.has(verification.step)) {
      if (verifications.size >= cacheCapacity) verifications.delete(verifications.keys().next().value!);
      verifications.set(key, { decoded, verification });
    }
    return { decoded, verification };
  };

  const judge = (data: Bytes, peer: PeerInfo, now: number): Validation => {
    const result = verified(data, now);
    if ("ok" in result) return result;
    const { decoded, verification } = result;
    if (!verification.ok) return rejection(verification);
    return step8(verification, decoded.extra, peer, now);
  };

  const step8 = (verification: VerifiedQuote, extra: ExtraData, peer: PeerInfo, now: number): Validation => {
    const reportData = verification.quote.body.reportData;
    if (!equalBytes(reportData, reportDataFor(extra))) return refuse("tdx-report-data", "the quote's REPORTDATA does not bind the ticket's peer, network and times");
    const why = judgeMeasurements(verification.quote.body, options.baseline, anyOf);
    if (why !== undefined) return refuse("tdx-measurements", why);
    if (toHex(extra.peerId) !== peer.id.toLowerCase()) return refuse("tdx-peer-mismatch", `the ticket is for peer ${toHex(extra.peerId)}, not ${peer.id}`);
    if (toHex(extra.networkId) !== networkId) return refuse("tdx-network-mismatch", `the ticket is for network ${toHex(extra.networkId)}, not ${networkId}`);
    const quotedAtMs = extra.quotedAt * 1000;
    const expiresAtMs = extra.expiresAt === undefined ? undefined : extra.expiresAt * 1000;
    if (expiresAtMs !== undefined && expiresAtMs <= now) return refuse("tdx-expired", `the ticket expired at ${new Date(expiresAtMs).toISOString()}`);
    if (quotedAtMs > now + futureSkewMs) return refuse("tdx-from-future", `the quote claims to be made at ${new Date(quotedAtMs).toISOString()}, in the future`);
    if (notBeforeMs !== undefined && quotedAtMs < notBeforeMs) return refuse("tdx-not-before", `the quote was made at ${new Date(quotedAtMs).toISOString()}, before ${new Date(notBeforeMs).toISOString()}`);
    if (maxAgeMs !== undefined && now - quotedAtMs > maxAgeMs) return refuse("tdx-too-old", `the quote is ${Math.round((now - quotedAtMs) / 1000)} s old, over the ${maxAgeMs / 1000} s allowed`);
    if (maxLifetimeMs !== undefined && (expiresAtMs === undefined || expiresAtMs - quotedAtMs > maxLifetimeMs)) {
      return refuse("tdx-lifetime", expiresAtMs === undefined ? "the ticket never expires, and lifetimes are bounded" : `the ticket claims ${(expiresAtMs - quotedAtMs) / 1000} s of life, over the ${maxLifetimeMs / 1000} s allowed`);
    }
    const ends = [expiresAtMs, maxAgeMs === undefined ? undefined : quotedAtMs + maxAgeMs, verification.validUntil].filter((t): t is number => t !== undefined && Number.isFinite(t));
    return ends.length === 0 ? { ok: true } : { ok: true, expiresAt: Math.min(...ends) };
  };

  return {
    class: tdxTicketClass,
    signature,
    validate(peer, now) {
      const tickets = (peer.tickets ?? []).filter((t) => t.class === tdxTicketClass);
      if (tickets.length === 0) return refuse("ticket-missing", "no TDX ticket");
      let first: Validation | undefined;
      for (const ticket of tickets) {
        const result = judge(ticket.data, peer, now);
        if (result.ok) return result;
        first ??= result;
      }
      return first!;
    },
  };
}
