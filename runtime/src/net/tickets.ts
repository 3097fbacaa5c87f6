// Tickets and the validators that judge them (spec 05): a ticket is `{ class, data }` on a
// peer's entry; a validator has a class, a signature (spec 02) and `validate(peer, now)`, which
// admits until an expiration or refuses with a stable reason code. `all` / `any` compose them and
// return the earliest expiration. The coalition validators read local books kept from the
// referenced organisms' streams, and tell producers when those books change, so a refused peer
// that becomes eligible is admitted, and an admitted one that stops being eligible is dropped.
import { createPublicKey, sign as ed25519Sign, verify as ed25519Verify, type KeyObject } from "node:crypto";
import { toHex } from "../identity/bytes.js";
import { id } from "../identity/hash.js";
import type { Decimal } from "../identity/encode.js";
import type { PeerInfo, Rejection } from "./memory.js";

export interface Ticket {
  /** The validator class the ticket is for, hex. */
  readonly class: string;
  readonly data: Uint8Array;
}

export type Validation = { readonly ok: true; /** Unix ms; absent: never. */ readonly expiresAt?: number } | { readonly ok: false; readonly rejection: Rejection };

export interface TicketValidator {
  readonly class: string;
  /** The admission signature (spec 02), hex, where one is defined. */
  readonly signature: string;
  validate(peer: PeerInfo, now: number): Validation;
  /** Calls `listener` whenever what `validate` depends on changes; returns an unsubscribe. */
  onChange?(listener: () => void): () => void;
}

const reject = (code: string, message: string): Validation => ({ ok: false, rejection: { code, message } });

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

function combineChanges(validators: readonly TicketValidator[]): TicketValidator["onChange"] {
  return (listener) => {
    const off = validators.map((v) => v.onChange?.(listener));
    return () => off.forEach((f) => f?.());
  };
}

/** Every operand must admit; the earliest expiration wins; the first refusal is the reason. */
export function all(...validators: TicketValidator[]): TicketValidator {
  return {
    class: toHex(id("coalition.acl.all.v1")),
    signature: "",
    validate(peer, now) {
      let expiresAt: number | undefined;
      for (const v of validators) {
        const result = v.validate(peer, now);
        if (!result.ok) return result;
        expiresAt = earliest(expiresAt, result.expiresAt);
      }
      return expiresAt === undefined ? { ok: true } : { ok: true, expiresAt };
    },
    onChange: combineChanges(validators),
  };
}

/** One operand must admit; among those that do, the earliest expiration; else the first refusal. */
export function any(...validators: TicketValidator[]): TicketValidator {
  if (validators.length === 0) throw new RangeError("any() of nothing admits no one");
  return {
    class: toHex(id("coalition.acl.any.v1")),
    signature: "",
    validate(peer, now) {
      let admitted = false;
      let expiresAt: number | undefined;
      let first: Validation | undefined;
      for (const v of validators) {
        const result = v.validate(peer, now);
        if (result.ok) {
          expiresAt = admitted ? earliest(expiresAt, result.expiresAt) : result.expiresAt;
          admitted = true;
        } else first ??= result;
      }
      if (!admitted) return first!;
      return expiresAt === undefined ? { ok: true } : { ok: true, expiresAt };
    },
    onChange: combineChanges(validators),
  };
}

export interface Verdict {
  readonly rejection?: Rejection;
  /** Unix ms when the admission must be judged again; absent: never. */
  readonly expiresAt?: number;
}

/** How every producer judges a peer, on any network: its `require` predicate, then its validators. */
export function judgePeer(options: { readonly require?: (peer: PeerInfo) => Rejection | undefined; readonly validators?: TicketValidator; readonly now?: () => number }, peer: PeerInfo): Verdict {
  const rejection = options.require?.(peer);
  if (rejection !== undefined) return { rejection };
  const validation = options.validators?.validate(peer, (options.now ?? Date.now)());
  if (validation === undefined) return {};
  if (!validation.ok) return { rejection: validation.rejection };
  return validation.expiresAt === undefined ? {} : { expiresAt: validation.expiresAt };
}

/** A local book of values from a stream, observed as they arrive; tells listeners of changes. */
export class Book<T> {
  private readonly listeners = new Set<() => void>();
  readonly entries: T[] = [];
  /** When the latest entry was observed, unix ms (by the book's clock). */
  lastObservedAt: number | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  observe(value: T): void {
    this.entries.push(value);
    this.lastObservedAt = this.now();
    for (const listener of this.listeners) listener();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Feeds the book from an async source (a typed subscription) until it ends. */
  async follow(source: AsyncIterable<T>): Promise<void> {
    for await (const value of source) this.observe(value);
  }
}

/** The 32-byte subject a peer is known by in cards and allocations: its peer id. */
export const subjectOf = (peer: PeerInfo): string => peer.id;

interface ReputationCardLike {
  readonly subject: Uint8Array;
  readonly window: { readonly first: bigint; readonly last: bigint };
  readonly score: Decimal;
}

const decimalAtLeast = (a: Decimal, b: Decimal): boolean => {
  const scale = Math.max(a.scale, b.scale);
  return a.mantissa * 10n ** BigInt(scale - a.scale) >= b.mantissa * 10n ** BigInt(scale - b.scale);
};

/** ReputationFloor: the peer's latest card in the book, within `windowTicks` of the current tick, scores at least `floor`. */
export function reputationFloor(options: { readonly signature: string; readonly cards: Book<ReputationCardLike>; readonly floor: Decimal; readonly windowTicks: bigint; readonly currentTick?: () => bigint }): TicketValidator {
  return {
    class: toHex(id("coalition.acl.reputation-floor.v1")),
    signature: options.signature,
    validate(peer) {
      const subject = subjectOf(peer);
      const card = [...options.cards.entries].reverse().find((c) => toHex(c.subject) === subject);
      if (card === undefined) return reject("no-reputation-card", "no reputation card for this peer");
      const now = options.currentTick?.();
      if (now !== undefined && now - card.window.last > options.windowTicks) return reject("reputation-stale", `the latest card ends ${now - card.window.last} ticks ago, beyond the window of ${options.windowTicks}`);
      if (!decimalAtLeast(card.score, options.floor)) return reject("reputation-below-floor", "the peer's reputation is below the floor");
      return { ok: true };
    },
    onChange: (listener) => options.cards.onChange(listener),
  };
}

interface AllocationLike {
  readonly consumer: Uint8Array;
  readonly settlement: Uint8Array;
}

/** MarketSettlement: the book holds an allocation to the peer whose settlement pointer is set. */
export function marketSettlement(options: { readonly signature: string; readonly allocations: Book<AllocationLike> }): TicketValidator {
  return {
    class: toHex(id("coalition.acl.market-settlement.v1")),
    signature: options.signature,
    validate(peer) {
      const subject = subjectOf(peer);
      const settled = options.allocations.entries.some((a) => toHex(a.consumer) === subject && a.settlement.some((b) => b !== 0));
      return settled ? { ok: true } : reject("no-settlement", "no settled allocation for this peer");
    },
    onChange: (listener) => options.allocations.onChange(listener),
  };
}

/** Freshness: the referenced organism has committed (its stream carried a datum) within `ageMs`; admission expires when that ages out. */
export function freshness(options: { readonly signature: string; readonly commits: Book<unknown>; readonly ageMs: number }): TicketValidator {
  return {
    class: toHex(id("coalition.acl.freshness.v1")),
    signature: options.signature,
    validate(_peer, now) {
      const last = options.commits.lastObservedAt;
      if (last === undefined) return reject("peer-not-fresh", "the peer organism has not committed yet");
      if (now - last > options.ageMs) return reject("peer-not-fresh", `the peer organism's last commit is ${now - last} ms old, over ${options.ageMs} ms`);
      return { ok: true, expiresAt: last + options.ageMs };
    },
    onChange: (listener) => options.commits.onChange(listener),
  };
}

const issuerClass = toHex(id("coalition.acl.issuer.v1"));
const issuerPayload = (peer: string, root: string, expiresAt: bigint) => Buffer.concat([Buffer.from("coal-ticket-v1"), Buffer.from(peer, "hex"), Buffer.from(root, "hex"), u64(expiresAt)]);
const u64 = (v: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
};

/** Issues an Issuer ticket: root (the issuer's Ed25519 public key) ‖ u64le expiry (unix ms) ‖ signature over the peer id, root and expiry. */
export function issueTicket(issuer: { readonly id: string; readonly privateKey: KeyObject }, peer: string, expiresAt: number): Ticket {
  const expiry = BigInt(expiresAt);
  const signature = ed25519Sign(null, issuerPayload(peer, issuer.id, expiry), issuer.privateKey);
  return { class: issuerClass, data: Buffer.concat([Buffer.from(issuer.id, "hex"), u64(expiry), signature]) };
}

/** Issuer(root): the peer holds a ticket signed by `root` for its own id, not yet expired. */
export function issuer(options: { readonly signature: string; readonly root: string }): TicketValidator {
  const key = createPublicKey({ key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), Buffer.from(options.root, "hex")]), format: "der", type: "spki" });
  return {
    class: issuerClass,
    signature: options.signature,
    validate(peer, now) {
      const tickets = (peer.tickets ?? []).filter((t) => t.class === issuerClass && t.data.length === 32 + 8 + 64 && toHex(t.data.subarray(0, 32)) === options.root);
      if (tickets.length === 0) return reject("ticket-missing", "no ticket from this issuer");
      let expired = false;
      for (const ticket of tickets) {
        const data = Buffer.from(ticket.data);
        const expiresAt = data.readBigUInt64LE(32);
        if (!ed25519Verify(null, issuerPayload(peer.id, options.root, expiresAt), key, data.subarray(40))) continue;
        if (Number(expiresAt) <= now) {
          expired = true;
          continue;
        }
        return { ok: true, expiresAt: Number(expiresAt) };
      }
      return expired ? reject("ticket-expired", "the issuer's ticket has expired") : reject("ticket-bad-signature", "the ticket is not signed by the issuer for this peer");
    },
  };
}

const followed = new WeakMap<object, Map<string, Book<unknown>>>();

/**
 * A book kept from a stream handle's subscription on `peer`, shared by every validator that asks
 * for the same stream on the same peer.
 */
export function follow<T>(peer: object & { consume(streamId: string): AsyncIterable<Uint8Array> }, handle: { readonly id: string; subscribe(peer: never): AsyncIterable<T> }): Book<T> {
  let books = followed.get(peer);
  if (books === undefined) followed.set(peer, (books = new Map()));
  let book = books.get(handle.id) as Book<T> | undefined;
  if (book === undefined) {
    book = new Book<T>();
    books.set(handle.id, book as Book<unknown>);
    void book.follow(handle.subscribe(peer as never));
  }
  return book;
}

/** A validator this runtime cannot judge yet: it refuses every peer, naming why. */
export function unsupported(options: { readonly signature: string; readonly validator: string; readonly code: string; readonly message: string }): TicketValidator {
  return {
    class: toHex(id(`coalition.acl.${options.validator.toLowerCase()}.unsupported`)),
    signature: options.signature,
    validate: () => reject(options.code, options.message),
  };
}
