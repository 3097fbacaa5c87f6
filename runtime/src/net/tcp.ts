// The TCP network: peers in separate processes or machines, over authenticated links
// (`link.ts`). Discovery spreads signed, versioned peer entries by gossip from bootstrap peers;
// entries expire unless their peer re-announces them. Streams: a consumer links to every peer
// whose entry offers the stream, subscribes, and is admitted or refused with a reason code;
// datums then flow in order over that link. Lost links are redialled with exponential backoff.
//
// Messages inside a link (first byte is the type):
//   1 entries   ‖ UTF-8 JSON of signed entries
//   2 subscribe ‖ stream id (32)
//   3 admitted  ‖ stream id (32)
//   4 refused   ‖ stream id (32) ‖ UTF-8 JSON { code, message }
//   5 datum     ‖ stream id (32) ‖ payload
import { createHash, createPublicKey, sign, verify } from "node:crypto";
import { connect, createServer, type Server, type Socket } from "node:net";
import { id } from "../identity/hash.js";
import { toHex } from "../identity/bytes.js";
import { Inbox } from "./inbox.js";
import { accept, dial, generatePeerKey, LinkError, peerKeyFromSeed, type Link, type PeerKey } from "./link.js";
import { judgePeer, type Ticket, type Verdict } from "./tickets.js";
import type { Channel, Consumer, ConsumerStats, LaggingPolicy, Producer, ProducerOptions, ProducerStats, Rejection } from "./memory.js";

export interface PeerEntry {
  readonly id: string;
  /** `host:port` where the peer listens. */
  readonly address: string;
  readonly tags: readonly string[];
  /** Stream ids (hex) the peer produces. */
  readonly streams: readonly string[];
  /** The peer's tickets: validator class and data, hex. */
  readonly tickets: readonly { readonly class: string; readonly data: string }[];
  /** Increases with every change; a lower version never replaces a higher one. */
  readonly version: number;
  /** Unix milliseconds when the peer issued this version. */
  readonly issuedAt: number;
  /** Ed25519 signature by the peer over the entry without this field, hex. */
  readonly signature: string;
}

export interface TcpOptions {
  /** Where to listen. Default 127.0.0.1 and a free port. */
  readonly listen?: { readonly host?: string; readonly port?: number };
  /** Peers to start gossip from: their id and `host:port`. */
  readonly bootstrap?: readonly { readonly id: string; readonly address: string }[];
  /** The 32-byte Ed25519 seed of this peer's identity; a fresh one when absent. */
  readonly secretKey?: Uint8Array;
  /** id(network name), hex. Default id("coal"). */
  readonly networkId?: string;
  readonly tags?: readonly string[];
  /** The `host:port` peers should dial, when it is not the listen address (behind NAT or a proxy). */
  readonly advertise?: string;
  /** How long an entry lives without being re-announced. Default 30 s. */
  readonly entryTtlMs?: number;
  /** How long a connection may take to connect and complete its link handshake, either way. Default 5 s. */
  readonly handshakeTimeoutMs?: number;
  readonly maxFrameBytes?: number;
  /**
   * Link keepalive: an empty frame after `intervalMs` without traffic, and a link that has heard
   * nothing for `silentMs` closed ("peer-silent") and dialled afresh. Default 2 s and 10 s; `false`
   * turns it off (a half-open connection then lives until the kernel gives up on it).
   */
  readonly keepAlive?: { readonly intervalMs: number; readonly silentMs: number } | false;
}

const entryBody = (entry: Omit<PeerEntry, "signature">) => JSON.stringify([entry.id, entry.address, entry.tags, entry.streams, entry.tickets, entry.version, entry.issuedAt]);
const ed25519Prefix = Buffer.from("302a300506032b6570032100", "hex");
const hex64 = /^[0-9a-f]{64}$/;
/** id("coal"): the network peers join unless told otherwise. */
const defaultNetworkId = toHex(id("coal"));

function validEntry(value: unknown): value is PeerEntry {
  const e = value as PeerEntry;
  if (typeof e !== "object" || e === null || typeof e.id !== "string" || !hex64.test(e.id) || typeof e.address !== "string" || !Array.isArray(e.tags) || !Array.isArray(e.streams)) return false;
  if (!e.tags.every((t) => typeof t === "string") || !e.streams.every((s) => typeof s === "string" && hex64.test(s))) return false;
  if (!Array.isArray(e.tickets) || !e.tickets.every((t) => typeof t === "object" && t !== null && typeof t.class === "string" && typeof t.data === "string" && /^([0-9a-f]{2})*$/.test(t.data))) return false;
  if (!Number.isSafeInteger(e.version) || !Number.isSafeInteger(e.issuedAt) || typeof e.signature !== "string") return false;
  try {
    const key = createPublicKey({ key: Buffer.concat([ed25519Prefix, Buffer.from(e.id, "hex")]), format: "der", type: "spki" });
    return verify(null, Buffer.from(entryBody(e)), key, Buffer.from(e.signature, "hex"));
  } catch {
    return false;
  }
}

const streamIdBytes = new Map<string, Buffer>();
/** `type ‖ stream id ‖ rest`, with the stream id's bytes parsed once per stream. */
const message = (type: number, streamId: string, rest: Uint8Array = new Uint8Array(0)) => {
  const out = Buffer.allocUnsafe(33 + rest.length);
  out[0] = type;
  out.set(streamIdOf(streamId), 1);
  out.set(rest, 33);
  return out;
};
const streamIdOf = (streamId: string): Buffer => {
  let idBytes = streamIdBytes.get(streamId);
  if (idBytes === undefined) {
    idBytes = Buffer.from(streamId, "hex");
    if (streamIdBytes.size < 65_536) streamIdBytes.set(streamId, idBytes);
  }
  return idBytes;
};
/** The `type ‖ stream id` head of a datum message (type 5), built once per stream. */
const datumHeads = new Map<string, Uint8Array>();
const datumHead = (streamId: string): Uint8Array => {
  let head = datumHeads.get(streamId);
  if (head === undefined) {
    head = message(5, streamId);
    if (datumHeads.size < 65_536) datumHeads.set(streamId, head);
  }
  return head;
};

interface Subscriber {
  readonly link: Link;
  readonly peer: string;
}

class TcpProducer implements Producer {
  readonly subscribers = new Map<string, Subscriber>();
  sentCount = 0;
  dropped = 0;
  disconnected = 0;
  readonly refused: Record<string, number> = {};
  private readonly waiting: { n: number; wake: () => void }[] = [];

  constructor(
    readonly node: TcpNode,
    readonly streamId: string,
    readonly options: ProducerOptions,
  ) {}

  private readonly refusedLinks = new Map<string, Link>();
  private readonly expiries = new Map<string, ReturnType<typeof setTimeout>>();
  private stopWatching: (() => void) | undefined;

  watch(): void {
    this.stopWatching = this.options.validators?.onChange?.(() => this.recheck());
  }

  private judge(peer: string): Verdict {
    const entry = this.node.entries.get(peer);
    return judgePeer(this.options, { id: peer, tags: new Set(entry?.tags ?? []), tickets: this.node.ticketsOf(peer) });
  }

  admit(link: Link): Rejection | undefined {
    const verdict =
      this.options.maxConsumers !== undefined && this.subscribers.size >= this.options.maxConsumers ? { rejection: { code: "max-consumers", message: `the producer serves at most ${this.options.maxConsumers} consumers` } } : this.judge(link.peerId);
    if (verdict.rejection !== undefined) {
      this.refused[verdict.rejection.code] = (this.refused[verdict.rejection.code] ?? 0) + 1;
      this.refusedLinks.set(link.peerId, link);
      return verdict.rejection;
    }
    this.refusedLinks.delete(link.peerId);
    this.subscribers.set(link.peerId, { link, peer: link.peerId });
    this.scheduleExpiry(link.peerId, verdict.expiresAt);
    for (const w of this.waiting.splice(0)) {
      if (this.subscribers.size >= w.n) w.wake();
      else this.waiting.push(w);
    }
    return undefined;
  }

  private scheduleExpiry(peer: string, expiresAt: number | undefined): void {
    const previous = this.expiries.get(peer);
    if (previous !== undefined) clearTimeout(previous);
    this.expiries.delete(peer);
    if (expiresAt === undefined) return;
    const timer = setTimeout(() => this.recheck(), Math.min(2 ** 31 - 1, Math.max(0, expiresAt - (this.options.now ?? Date.now)())));
    timer.unref();
    this.expiries.set(peer, timer);
  }

  /** Re-judges consumers: those that no longer pass are told why and dropped; refused ones that now pass are admitted. */
  recheck(): void {
    for (const [peer, s] of [...this.subscribers]) {
      const verdict = this.judge(peer);
      if (verdict.rejection === undefined) {
        this.scheduleExpiry(peer, verdict.expiresAt);
        continue;
      }
      this.refused[verdict.rejection.code] = (this.refused[verdict.rejection.code] ?? 0) + 1;
      this.subscribers.delete(peer);
      this.refusedLinks.set(peer, s.link);
      if (s.link.closeReason === undefined) s.link.send(message(4, this.streamId, Buffer.from(JSON.stringify(verdict.rejection))));
    }
    for (const [peer, link] of [...this.refusedLinks]) {
      if (link.closeReason !== undefined) {
        this.refusedLinks.delete(peer);
        continue;
      }
      if (this.judge(peer).rejection === undefined && this.admit(link) === undefined) link.send(message(3, this.streamId));
    }
  }

  async send(datum: Uint8Array): Promise<void> {
    this.sentCount++;
    const head = datumHead(this.streamId);
    const capacity = this.options.capacity ?? 1024;
    const limit = capacity * Math.max(64, head.length + datum.length);
    // The common case: every link has room, nothing to wait for.
    let room = true;
    for (const s of this.subscribers.values()) if (s.link.buffered > limit) room = false;
    if (room) {
      for (const s of this.subscribers.values()) if (s.link.closeReason === undefined) s.link.send(datum, head);
      return;
    }
    const policy: LaggingPolicy = this.options.lagging ?? "drop";
    const deadline = Date.now() + (this.options.lagTimeoutMs ?? 250);
    await Promise.all(
      [...this.subscribers.values()].map(async (s) => {
        // Backpressure: a link whose socket holds more than `capacity` frames' worth waits to drain, bounded.
        while (s.link.buffered > limit && s.link.closeReason === undefined && Date.now() < deadline) await s.link.drained(deadline - Date.now());
        if (s.link.closeReason !== undefined) return;
        if (s.link.buffered <= limit) s.link.send(datum, head);
        else if (policy === "drop") this.dropped++;
        else {
          this.disconnected++;
          this.subscribers.delete(s.peer);
          s.link.send(message(4, this.streamId, Buffer.from(JSON.stringify({ code: "lagging", message: "the consumer fell behind" }))));
        }
      }),
    );
  }

  subscribed(n: number): Promise<void> {
    if (this.subscribers.size >= n) return Promise.resolve();
    return new Promise((wake) => this.waiting.push({ n, wake }));
  }

  stats(): ProducerStats {
    return { consumers: this.subscribers.size, sent: this.sentCount, dropped: this.dropped, disconnected: this.disconnected, refused: { ...this.refused } };
  }

  close(): void {
    this.stopWatching?.();
    for (const timer of this.expiries.values()) clearTimeout(timer);
    for (const s of this.subscribers.values()) if (s.link.closeReason === undefined) s.link.send(message(4, this.streamId, Buffer.from(JSON.stringify({ code: "producer-closed", message: "the producer has closed" }))));
    this.subscribers.clear();
    this.node.stopProducing(this);
  }
}

class TcpConsumer implements Consumer {
  readonly producers = new Set<string>();
  readonly refusals: { producer: string; rejection: Rejection }[] = [];
  readonly disconnections: { producer: string; rejection: Rejection }[] = [];
  received = 0;
  private readonly inbox = new Inbox<Uint8Array>(
    (datum) => {
      this.received++;
      return datum;
    },
    () => this.close(),
  );
  open = true;

  constructor(
    readonly node: TcpNode,
    readonly streamId: string,
    readonly capacity: number,
  ) {}

  /** Datums dropped because the application did not keep up (the inbox was at its bound). */
  overflowed = 0;

  deliver(datum: Uint8Array): void {
    // Bounded: a producer (or a hostile peer) cannot make a slow reader's memory grow without end.
    if (this.inbox.size >= this.capacity) {
      this.overflowed++;
      return;
    }
    this.inbox.push(datum);
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.inbox[Symbol.asyncIterator]();
  }

  stats(): ConsumerStats & { readonly overflowed: number } {
    return { producers: this.producers.size, received: this.received, refusals: [...this.refusals], disconnections: [...this.disconnections], overflowed: this.overflowed };
  }

  close(): void {
    this.open = false;
    this.node.consumers.get(this.streamId)?.delete(this);
    this.inbox.close();
  }
}

export class TcpNode {
  readonly id: string;
  readonly key: PeerKey;
  readonly entries = new Map<string, PeerEntry>();
  readonly consumers = new Map<string, Set<TcpConsumer>>();
  private readonly producers = new Map<string, TcpProducer>();
  private readonly links = new Map<string, Link>();
  private readonly dialing = new Map<string, Promise<Link | undefined>>();
  private readonly backoff = new Map<string, number>();
  /** Subscriptions sent and not yet answered, as `peer:stream`: asked once, not on every gossip. */
  private readonly asking = new Set<string>();
  private server: Server | undefined;
  private own!: PeerEntry;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private tickets: readonly Ticket[] = [];
  /** The address announced to peers (`advertise`, else where it listens). */
  address = "";
  /** Where it actually listens. */
  boundAddress = "";

  private constructor(readonly options: TcpOptions) {
    this.key = options.secretKey === undefined ? generatePeerKey() : peerKeyFromSeed(options.secretKey);
    this.id = this.key.id;
  }

  static async start(options: TcpOptions): Promise<TcpNode> {
    const node = new TcpNode(options);
    await node.listen();
    node.announce();
    for (const peer of options.bootstrap ?? []) {
      node.entries.set(peer.id, { id: peer.id, address: peer.address, tags: [], streams: [], tickets: [], version: -1, issuedAt: 0, signature: "" });
      void node.linkTo(peer.id);
    }
    const ttl = options.entryTtlMs ?? 30_000;
    node.timer = setInterval(() => node.refresh(ttl), Math.max(50, Math.floor(ttl / 3)));
    node.timer.unref();
    return node;
  }

  private get networkId(): string {
    return this.options.networkId ?? defaultNetworkId;
  }

  private listen(): Promise<void> {
    // No Nagle: frames are already batched per turn of the event loop, and Raft's small
    // request–response rounds would otherwise wait on delayed ACKs.
    this.server = createServer({ noDelay: true }, (socket) => void this.accepted(socket));
    return new Promise((resolve) => {
      this.server!.listen(this.options.listen?.port ?? 0, this.options.listen?.host ?? "127.0.0.1", () => {
        const a = this.server!.address() as { address: string; port: number };
        this.boundAddress = `${a.address}:${a.port}`;
        this.address = this.options.advertise ?? this.boundAddress;
        resolve();
      });
    });
  }

  private linkOptions() {
    return { key: this.key, networkId: this.networkId, ...(this.options.maxFrameBytes === undefined ? {} : { maxFrameBytes: this.options.maxFrameBytes }) };
  }

  private async accepted(socket: Socket): Promise<void> {
    // A connection that never completes its handshake is closed: without a deadline every such
    // connection (a scanner, a hung or hostile dialer) held a socket for ever, and close() waited on it.
    const timer = this.handshakeDeadline(socket);
    try {
      const link = await accept(socket, this.linkOptions());
      this.adopt(link, false);
    } catch {
      // The handshake failed; the link closed itself with its reason.
    } finally {
      clearTimeout(timer);
    }
  }

  /** Destroys `socket` unless the caller clears the timer first (once its link is established). */
  private handshakeDeadline(socket: Socket): NodeJS.Timeout {
    const ms = this.options.handshakeTimeoutMs ?? 5000;
    const timer = setTimeout(() => socket.destroy(new Error(`no link handshake within ${ms} ms`)), ms);
    timer.unref();
    return timer;
  }

  /** Signs and spreads this node's entry (a new version). */
  private announce(): void {
    // Versions continue from the clock, not from 1: a peer restarted on the same identity must
    // outrank what its previous run announced, or peers kept that run's entry (old address, old
    // tickets) until it expired, a whole time to live after the restart.
    const version = Math.max((this.own?.version ?? 0) + 1, Date.now());
    const body = { id: this.id, address: this.address, tags: [...(this.options.tags ?? [])], streams: [...this.producers.keys()].sort(), tickets: this.tickets.map((t) => ({ class: t.class, data: Buffer.from(t.data).toString("hex") })), version, issuedAt: Date.now() };
    this.own = { ...body, signature: sign(null, Buffer.from(entryBody(body)), this.key.privateKey).toString("hex") };
    this.entries.set(this.id, this.own);
    this.gossip([this.own]);
  }

  private gossip(entries: readonly PeerEntry[], except?: string): void {
    const payload = Buffer.concat([Buffer.of(1), Buffer.from(JSON.stringify(entries))]);
    for (const [peer, link] of this.links) if (peer !== except && link.closeReason === undefined) link.send(payload);
  }

  private refresh(ttl: number): void {
    const now = Date.now();
    for (const [peer, entry] of this.entries) if (peer !== this.id && entry.version >= 0 && now - entry.issuedAt > ttl) this.entries.delete(peer);
    if (now - this.own.issuedAt > ttl / 3) this.announce();
    for (const streamId of this.consumers.keys()) this.connectConsumers(streamId);
  }

  private adopt(link: Link, dialledHere: boolean): void {
    const existing = this.links.get(link.peerId);
    if (existing !== undefined && existing.closeReason === undefined) {
      // Both sides dialled at once: both keep the link dialled by the lower id, whichever
      // handshake finished first on either side.
      const newDialledByLower = dialledHere ? this.id < link.peerId : link.peerId < this.id;
      if (!newDialledByLower) return link.close();
      existing.close();
    }
    this.links.set(link.peerId, link);
    this.backoff.delete(link.peerId);
    const keepAlive = this.options.keepAlive ?? { intervalMs: 2000, silentMs: 10_000 };
    if (keepAlive !== false) link.keepAlive(keepAlive.intervalMs, keepAlive.silentMs);
    link.send(Buffer.concat([Buffer.of(1), Buffer.from(JSON.stringify([...this.entries.values()].filter((e) => e.version >= 0)))]));
    for (const [streamId, set] of this.consumers) if (set.size > 0 && this.entries.get(link.peerId)?.streams.includes(streamId)) this.subscribe(link, streamId);
    this.serve(link);
  }

  private serve(link: Link): void {
    link.receive(
      (payload) => this.handle(link, payload),
      () => this.lost(link),
    );
  }

  private lost(link: Link): void {
    if (this.links.get(link.peerId) === link) this.links.delete(link.peerId);
    for (const key of [...this.asking]) if (key.startsWith(`${link.peerId}:`)) this.asking.delete(key);
    for (const producer of this.producers.values()) producer.subscribers.delete(link.peerId);
    const reason = link.closeReason ?? new LinkError("closed", "the link closed");
    for (const set of this.consumers.values()) {
      for (const consumer of set) {
        if (consumer.producers.delete(link.peerId)) consumer.disconnections.push({ producer: link.peerId, rejection: { code: reason.code, message: reason.message } });
      }
    }
    if (!this.closed) for (const streamId of this.consumers.keys()) this.connectConsumers(streamId);
  }

  private handle(link: Link, payload: Uint8Array): void {
    const type = payload[0];
    if (type === 1) {
      let entries: unknown;
      try {
        entries = JSON.parse(Buffer.from(payload.subarray(1)).toString("utf8"));
      } catch {
        return link.fail(new LinkError("bad-handshake", "malformed peer entries"));
      }
      if (!Array.isArray(entries)) return;
      const fresh: PeerEntry[] = [];
      for (const entry of entries.slice(0, 10_000)) {
        if (!validEntry(entry) || entry.id === this.id) continue;
        const known = this.entries.get(entry.id);
        if (known !== undefined && known.version >= entry.version) continue;
        this.entries.set(entry.id, entry);
        fresh.push(entry);
      }
      if (fresh.length > 0) {
        this.gossip(fresh, link.peerId);
        for (const producer of this.producers.values()) producer.recheck();
        for (const streamId of this.consumers.keys()) this.connectConsumers(streamId);
      }
      return;
    }
    if (payload.length < 33) return;
    const streamId = this.streamIdIn(payload);
    const rest = payload.subarray(33);
    if (type === 2) {
      const producer = this.producers.get(streamId);
      const rejection = producer === undefined ? { code: "no-such-stream", message: "this peer does not produce the stream" } : producer.admit(link);
      link.send(rejection === undefined ? message(3, streamId) : message(4, streamId, Buffer.from(JSON.stringify(rejection))));
    } else if (type === 3) {
      this.asking.delete(`${link.peerId}:${streamId}`);
      for (const consumer of this.consumers.get(streamId) ?? []) consumer.producers.add(link.peerId);
    } else if (type === 4) {
      this.asking.delete(`${link.peerId}:${streamId}`);
      let rejection: Rejection;
      try {
        const parsed = JSON.parse(Buffer.from(rest).toString("utf8")) as Rejection;
        rejection = { code: String(parsed.code), message: String(parsed.message) };
      } catch {
        rejection = { code: "refused", message: "refused without a readable reason" };
      }
      for (const consumer of this.consumers.get(streamId) ?? []) {
        const wasConnected = consumer.producers.delete(link.peerId);
        (wasConnected ? consumer.disconnections : consumer.refusals).push({ producer: link.peerId, rejection });
      }
    } else if (type === 6) {
      this.channels.get(streamId)?.(link.peerId, rest);
    } else if (type === 5) {
      for (const consumer of this.consumers.get(streamId) ?? []) if (consumer.producers.has(link.peerId)) consumer.deliver(rest);
    }
  }

  /** The last stream id read off the wire, as bytes and hex: datums of one stream arrive in runs. */
  private lastStreamBytes = new Uint8Array(32);
  private lastStreamId = "";

  /** The hex stream id at bytes 1..33 of a message, converted only when it differs from the last one. */
  private streamIdIn(payload: Uint8Array): string {
    const last = this.lastStreamBytes;
    let same = this.lastStreamId !== "";
    for (let i = 0; same && i < 32; i++) same = payload[1 + i] === last[i];
    if (!same) {
      last.set(payload.subarray(1, 33));
      this.lastStreamId = Buffer.from(last).toString("hex");
    }
    return this.lastStreamId;
  }

  /** A link to `peer`, dialling its announced address if needed (with backoff on failure). */
  private linkTo(peer: string): Promise<Link | undefined> {
    const existing = this.links.get(peer);
    if (existing !== undefined && existing.closeReason === undefined) return Promise.resolve(existing);
    const pending = this.dialing.get(peer);
    if (pending !== undefined) return pending;
    const attempt = (async () => {
      const entry = this.entries.get(peer);
      if (entry === undefined || this.closed) return undefined;
      const [host, port] = [entry.address.slice(0, entry.address.lastIndexOf(":")), Number(entry.address.slice(entry.address.lastIndexOf(":") + 1))];
      // A dial that never completes (nothing answers the connect, or the listener never finishes
      // the handshake) is abandoned: while it was pending every later dial to the peer joined it,
      // so one hung attempt cut the peer off for good.
      let timer: NodeJS.Timeout | undefined;
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const s = connect({ port, host, noDelay: true }, () => resolve(s));
          s.once("error", reject);
          timer = this.handshakeDeadline(s);
        });
        const link = await dial(socket, { ...this.linkOptions(), expectedPeer: peer });
        clearTimeout(timer);
        this.adopt(link, true);
        return this.links.get(peer) ?? link;
      } catch {
        clearTimeout(timer);
        const delay = Math.min(5000, (this.backoff.get(peer) ?? 50) * 2);
        this.backoff.set(peer, delay);
        setTimeout(() => {
          if (!this.closed) void this.linkTo(peer);
        }, delay).unref();
        return undefined;
      } finally {
        this.dialing.delete(peer);
      }
    })();
    this.dialing.set(peer, attempt);
    return attempt;
  }

  private connectConsumers(streamId: string): void {
    const set = this.consumers.get(streamId);
    if (set === undefined || set.size === 0) return;
    for (const entry of this.entries.values()) {
      if (entry.id === this.id || !entry.streams.includes(streamId)) continue;
      const connected = [...set].every((c) => c.producers.has(entry.id) || c.refusals.some((r) => r.producer === entry.id));
      if (connected) continue;
      void this.linkTo(entry.id).then((link) => {
        if (link !== undefined) this.subscribe(link, streamId);
      });
    }
  }

  private subscribe(link: Link, streamId: string): void {
    const key = `${link.peerId}:${streamId}`;
    if (this.asking.has(key) || link.closeReason !== undefined) return;
    this.asking.add(key);
    link.send(message(2, streamId));
  }

  /** Cuts the link to `peer` (an operator's kick, or a partition in tests); it is redialled while needed. */
  dropLink(peer: string): void {
    this.links.get(peer)?.fail(new LinkError("closed", "dropped locally"));
  }

  /** Replaces this peer's tickets: a new signed entry, gossiped; producers re-judge this peer. */
  setTickets(tickets: readonly Ticket[]): void {
    this.tickets = [...tickets];
    this.announce();
  }

  /** The tickets a peer's latest entry carries. */
  ticketsOf(peer: string): Ticket[] {
    return (this.entries.get(peer)?.tickets ?? []).map((t) => ({ class: t.class, data: Buffer.from(t.data, "hex") }));
  }

  /** @internal */
  stopProducing(producer: TcpProducer): void {
    if (this.producers.get(producer.streamId) === producer) this.producers.delete(producer.streamId);
    this.announce();
  }

  produce(streamId: string, options: ProducerOptions = {}): TcpProducer {
    if (!hex64.test(streamId)) throw new TypeError("a TCP stream id is 64 hex digits (a StreamId)");
    const producer = new TcpProducer(this, streamId, options);
    producer.watch();
    this.producers.set(streamId, producer);
    this.announce();
    return producer;
  }

  /** Subscribes to a stream; at most `capacity` datums wait unread (default 65 536), more are dropped and counted. */
  consume(streamId: string, options: { readonly capacity?: number } = {}): TcpConsumer {
    if (!hex64.test(streamId)) throw new TypeError("a TCP stream id is 64 hex digits (a StreamId)");
    const consumer = new TcpConsumer(this, streamId, options.capacity ?? 65_536);
    let set = this.consumers.get(streamId);
    if (set === undefined) this.consumers.set(streamId, (set = new Set()));
    set.add(consumer);
    this.connectConsumers(streamId);
    return consumer;
  }

  private readonly channels = new Map<string, (from: string, message: Uint8Array) => void>();

  /**
   * A point-to-point message channel named `name` (a Raft group's traffic): messages ride the
   * authenticated links, so the sender a receiver sees is the peer that sent. A message to a peer
   * with no open link starts a dial and is dropped (Raft resends); `send` then reports false.
   */
  channel(name: string): Channel {
    const key = createHash("sha256").update(`coal.channel|${name}`).digest("hex");
    const head = message(6, key);
    let open = true;
    let mine: ((from: string, message: Uint8Array) => void) | undefined;
    return {
      send: (to, payload) => {
        if (!open || this.closed) return false;
        const link = this.links.get(to);
        if (link !== undefined && link.closeReason === undefined) {
          link.send(payload, head);
          return true;
        }
        void this.linkTo(to);
        return false;
      },
      receive: (handler) => {
        if (!open) return;
        mine = handler;
        this.channels.set(key, handler);
      },
      close: () => {
        open = false;
        // Only this channel's own receiver: another channel of the same name may have taken over.
        if (mine !== undefined && this.channels.get(key) === mine) this.channels.delete(key);
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    for (const link of this.links.values()) link.close();
    await new Promise<void>((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
  }
}

export type { TcpProducer, TcpConsumer };

export const tcpNetwork = (options: TcpOptions = {}): Promise<TcpNode> => TcpNode.start(options);
