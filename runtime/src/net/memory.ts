// The embedded network: any number of peers in one process, no sockets, no setup — the default
// for tests and the demo. Streams here follow spec 05: producers admit consumers (predicates,
// max consumers) with stable reason codes, each consumer gets a bounded queue with an explicit
// lagging policy, `send` applies backpressure up to a bound, and delivery is in order per
// producer–consumer pair. Consumers connect to every eligible producer, present and future.
import { generateKeyPairSync } from "node:crypto";
import { peerKeyFromSeed } from "./link.js";
import { Inbox } from "./inbox.js";
import { judgePeer, type Ticket, type TicketValidator, type Verdict } from "./tickets.js";

/** A peer's id: its Ed25519 public key, as hex. */
export type PeerId = string;

export interface PeerInfo {
  readonly id: PeerId;
  readonly tags: ReadonlySet<string>;
  readonly tickets?: readonly Ticket[];
}

/** Why a peer was refused or disconnected. Codes are stable: logs and metrics key on them. */
export interface Rejection {
  readonly code: string;
  readonly message: string;
}

export type LaggingPolicy = "drop" | "disconnect";

export interface ProducerOptions {
  /** Datums queued per consumer before it counts as lagging. Default 1024. */
  readonly capacity?: number;
  /** What happens to a consumer still full after `lagTimeoutMs`: its datum is dropped (counted), or it is disconnected. Default "drop". */
  readonly lagging?: LaggingPolicy;
  /** How long `send` waits for a full consumer before applying the lagging policy. Default 250 ms. */
  readonly lagTimeoutMs?: number;
  readonly maxConsumers?: number;
  /** Admission: undefined admits the peer; a rejection refuses it with that reason. */
  readonly require?: (peer: PeerInfo) => Rejection | undefined;
  /** Ticket validators (spec 05), re-evaluated when the peer's tickets or the validators' books change, and when an admission expires. */
  readonly validators?: TicketValidator;
  /** The clock validators judge expiry by, in unix ms. Default `Date.now`. */
  readonly now?: () => number;
}

export interface ProducerStats {
  readonly consumers: number;
  readonly sent: number;
  readonly dropped: number;
  readonly disconnected: number;
  /** Refusals by reason code. */
  readonly refused: Readonly<Record<string, number>>;
}

export interface ConsumerStats {
  readonly producers: number;
  readonly received: number;
  /** Producers that refused this consumer, and why. */
  readonly refusals: readonly { readonly producer: PeerId; readonly rejection: Rejection }[];
  /** Connections closed by a producer, and why. */
  readonly disconnections: readonly { readonly producer: PeerId; readonly rejection: Rejection }[];
}

export interface Producer {
  readonly streamId: string;
  /** Queues a datum for every admitted consumer. Resolves once it is queued everywhere, or the lagging policy applied. */
  send(datum: Uint8Array): Promise<void>;
  /** Resolves once at least `n` consumers are connected. */
  subscribed(n: number): Promise<void>;
  stats(): ProducerStats;
  close(): void;
}

export interface Consumer extends AsyncIterable<Uint8Array> {
  readonly streamId: string;
  stats(): ConsumerStats;
  close(): void;
}

class Connection {
  pending = 0;
  closed = false;
  expiry: ReturnType<typeof setTimeout> | undefined;
  readonly spaceWaiters: (() => void)[] = [];
  constructor(
    readonly producer: MemoryProducer,
    readonly consumer: MemoryConsumer,
  ) {}

  taken(): void {
    this.pending--;
    this.spaceWaiters.splice(0).forEach((wake) => wake());
  }
}

class MemoryProducer implements Producer {
  readonly connections = new Set<Connection>();
  private sent = 0;
  private dropped = 0;
  private disconnected = 0;
  private readonly refused: Record<string, number> = {};
  private readonly subscribers: { n: number; wake: () => void }[] = [];
  private open = true;

  constructor(
    readonly network: MemoryNetwork,
    readonly peer: MemoryPeer,
    readonly streamId: string,
    readonly options: Required<Omit<ProducerOptions, "require" | "maxConsumers" | "validators" | "now">> & Pick<ProducerOptions, "require" | "maxConsumers" | "validators" | "now">,
  ) {}

  private readonly refusedConsumers = new Set<MemoryConsumer>();
  private stopWatching: (() => void) | undefined;

  /** Starts watching the validators' books; called once the producer is registered. */
  watch(): void {
    this.stopWatching = this.options.validators?.onChange?.(() => this.recheck());
  }

  private judge(peer: PeerInfo): Verdict {
    return judgePeer(this.options, peer);
  }

  /** A consumer asks to connect: admitted, or refused with a reason. */
  admit(consumer: MemoryConsumer): Rejection | undefined {
    if (!this.open) return { code: "producer-closed", message: "the producer has closed" };
    const verdict =
      this.options.maxConsumers !== undefined && this.connections.size >= this.options.maxConsumers
        ? { rejection: { code: "max-consumers", message: `the producer serves at most ${this.options.maxConsumers} consumers` } }
        : this.judge(consumer.peer.info());
    if (verdict.rejection !== undefined) {
      this.refused[verdict.rejection.code] = (this.refused[verdict.rejection.code] ?? 0) + 1;
      this.refusedConsumers.add(consumer);
      return verdict.rejection;
    }
    this.refusedConsumers.delete(consumer);
    const connection = new Connection(this, consumer);
    this.connections.add(connection);
    consumer.connected(connection);
    this.scheduleExpiry(connection, verdict.expiresAt);
    for (const s of this.subscribers.splice(0)) {
      if (this.connections.size >= s.n) s.wake();
      else this.subscribers.push(s);
    }
    return undefined;
  }

  private scheduleExpiry(connection: Connection, expiresAt: number | undefined): void {
    if (connection.expiry !== undefined) clearTimeout(connection.expiry);
    connection.expiry = undefined;
    if (expiresAt === undefined) return;
    const delay = Math.max(0, expiresAt - (this.options.now ?? Date.now)());
    connection.expiry = setTimeout(() => this.recheck(), Math.min(delay, 2 ** 31 - 1));
    connection.expiry.unref?.();
  }

  /** Re-judges every consumer: admitted ones that no longer pass are disconnected with the reason; refused ones that now pass are admitted. */
  recheck(): void {
    if (!this.open) return;
    for (const connection of [...this.connections]) {
      const verdict = this.judge(connection.consumer.peer.info());
      if (verdict.rejection !== undefined) {
        this.refused[verdict.rejection.code] = (this.refused[verdict.rejection.code] ?? 0) + 1;
        this.refusedConsumers.add(connection.consumer);
        this.disconnect(connection, verdict.rejection);
      } else this.scheduleExpiry(connection, verdict.expiresAt);
    }
    for (const consumer of [...this.refusedConsumers]) {
      if (!consumer.isOpen) {
        this.refusedConsumers.delete(consumer);
        continue;
      }
      const verdict = this.judge(consumer.peer.info());
      if (verdict.rejection === undefined) consumer.offer(this);
    }
  }

  async send(datum: Uint8Array): Promise<void> {
    if (!this.open) throw new Error("send on a closed producer");
    this.sent++;
    const full: Connection[] = [];
    for (const connection of this.connections) {
      if (connection.pending < this.options.capacity) connection.consumer.deliver(connection, datum);
      else full.push(connection);
    }
    if (full.length === 0) return;
    // Backpressure, bounded: wait for the laggards, then apply the lagging policy to them.
    const deadline = Date.now() + this.options.lagTimeoutMs;
    await Promise.all(
      full.map(async (connection) => {
        while (!connection.closed && connection.pending >= this.options.capacity) {
          const left = deadline - Date.now();
          if (left <= 0) break;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, left);
            connection.spaceWaiters.push(() => {
              clearTimeout(timer);
              resolve();
            });
          });
        }
        if (connection.closed) return;
        if (connection.pending < this.options.capacity) connection.consumer.deliver(connection, datum);
        else if (this.options.lagging === "drop") this.dropped++;
        else {
          this.disconnected++;
          this.disconnect(connection, { code: "lagging", message: `the consumer fell ${this.options.capacity} datums behind` });
        }
      }),
    );
  }

  disconnect(connection: Connection, rejection: Rejection): void {
    if (connection.closed) return;
    connection.closed = true;
    if (connection.expiry !== undefined) clearTimeout(connection.expiry);
    this.connections.delete(connection);
    connection.spaceWaiters.splice(0).forEach((wake) => wake());
    connection.consumer.disconnected(connection, rejection);
  }

  subscribed(n: number): Promise<void> {
    if (this.connections.size >= n) return Promise.resolve();
    return new Promise((wake) => this.subscribers.push({ n, wake }));
  }

  stats(): ProducerStats {
    return { consumers: this.connections.size, sent: this.sent, dropped: this.dropped, disconnected: this.disconnected, refused: { ...this.refused } };
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.stopWatching?.();
    for (const connection of [...this.connections]) this.disconnect(connection, { code: "producer-closed", message: "the producer has closed" });
    this.network.removeProducer(this);
  }
}

class MemoryConsumer implements Consumer {
  private readonly inbox = new Inbox<{ connection: Connection; datum: Uint8Array }, Uint8Array>(
    ({ connection, datum }) => {
      this.received++;
      connection.taken();
      return datum;
    },
    () => this.close(),
  );
  private readonly connections = new Set<Connection>();
  private received = 0;
  private readonly refusals: { producer: PeerId; rejection: Rejection }[] = [];
  private readonly disconnections: { producer: PeerId; rejection: Rejection }[] = [];
  private open = true;

  constructor(
    readonly network: MemoryNetwork,
    readonly peer: MemoryPeer,
    readonly streamId: string,
  ) {}

  get isOpen(): boolean {
    return this.open;
  }

  /** Tries a producer; a refusal is recorded with its reason. */
  offer(producer: MemoryProducer): void {
    if (!this.open) return;
    const rejection = producer.admit(this);
    if (rejection !== undefined) this.refusals.push({ producer: producer.peer.id, rejection });
  }

  connected(connection: Connection): void {
    this.connections.add(connection);
  }

  deliver(connection: Connection, datum: Uint8Array): void {
    connection.pending++;
    this.inbox.push({ connection, datum });
  }

  disconnected(connection: Connection, rejection: Rejection): void {
    this.connections.delete(connection);
    this.disconnections.push({ producer: connection.producer.peer.id, rejection });
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.inbox[Symbol.asyncIterator]();
  }

  stats(): ConsumerStats {
    return { producers: this.connections.size, received: this.received, refusals: [...this.refusals], disconnections: [...this.disconnections] };
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    for (const connection of [...this.connections]) connection.producer.disconnect(connection, { code: "consumer-closed", message: "the consumer has closed" });
    this.network.removeConsumer(this);
    this.inbox.close();
  }
}

export interface JoinOptions {
  readonly tags?: readonly string[];
  /** A 32-byte Ed25519 seed: the same seed is the same peer id (a member that restarts). */
  readonly secretKey?: Uint8Array;
}

class MemoryPeer {
  readonly id: PeerId;
  readonly tags: Set<string>;
  private tickets: readonly Ticket[] = [];

  constructor(
    readonly network: MemoryNetwork,
    options: JoinOptions,
  ) {
    if (options.secretKey !== undefined) this.id = peerKeyFromSeed(options.secretKey).id;
    else {
      const { publicKey } = generateKeyPairSync("ed25519");
      this.id = publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("hex");
    }
    this.tags = new Set(options.tags ?? []);
  }

  info(): PeerInfo {
    return { id: this.id, tags: new Set(this.tags), tickets: this.tickets };
  }

  /** Replaces this peer's tickets; every producer re-judges it. */
  setTickets(tickets: readonly Ticket[]): void {
    this.tickets = [...tickets];
    this.network.recheckAll();
  }

  produce(streamId: string, options: ProducerOptions = {}): Producer {
    const producer = new MemoryProducer(this.network, this, streamId, {
      capacity: options.capacity ?? 1024,
      lagging: options.lagging ?? "drop",
      lagTimeoutMs: options.lagTimeoutMs ?? 250,
      ...(options.require === undefined ? {} : { require: options.require }),
      ...(options.maxConsumers === undefined ? {} : { maxConsumers: options.maxConsumers }),
      ...(options.validators === undefined ? {} : { validators: options.validators }),
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    producer.watch();
    this.network.addProducer(producer);
    return producer;
  }

  consume(streamId: string): Consumer {
    const consumer = new MemoryConsumer(this.network, this, streamId);
    this.network.addConsumer(consumer);
    return consumer;
  }

  /** A point-to-point message channel named `name` (a Raft group's traffic, for one). */
  channel(name: string): Channel {
    return this.network.openChannel(name, this.id);
  }
}

export type Peer = Pick<MemoryPeer, "id" | "tags" | "info" | "produce" | "consume" | "setTickets" | "channel">;

/**
 * Unreliable, unordered-across-restarts datagrams between peers under one name: what Raft needs
 * of a network (it copes with loss, duplication and reordering itself). `send` reports whether
 * the message left (false: no route to the peer right now).
 */
export interface Channel {
  send(to: PeerId, message: Uint8Array): boolean;
  /** Takes every message for this peer on the channel; one receiver at a time. */
  receive(handler: (from: PeerId, message: Uint8Array) => void): void;
  close(): void;
}

/** What typed handles need of a peer, on any network. */
export interface StreamPeer {
  readonly id: PeerId;
  produce(streamId: string, options?: ProducerOptions): Producer;
  consume(streamId: string): Consumer;
}

export class MemoryNetwork {
  private readonly producers = new Map<string, Set<MemoryProducer>>();
  private readonly consumers = new Map<string, Set<MemoryConsumer>>();
  private readonly channels = new Map<string, Map<PeerId, (from: PeerId, message: Uint8Array) => void>>();
  /** Peers cut off from everyone (a partition in tests); their channel messages are dropped. */
  private readonly isolated = new Set<PeerId>();

  /** Cuts `peer` off: channel messages to and from it are lost until `heal`. */
  isolate(peer: PeerId): void {
    this.isolated.add(peer);
  }

  heal(peer?: PeerId): void {
    if (peer === undefined) this.isolated.clear();
    else this.isolated.delete(peer);
  }

  openChannel(name: string, self: PeerId): Channel {
    let members = this.channels.get(name);
    if (members === undefined) this.channels.set(name, (members = new Map()));
    const registry = members;
    let open = true;
    let mine: ((from: PeerId, message: Uint8Array) => void) | undefined;
    return {
      send: (to, message) => {
        const handler = registry.get(to);
        if (!open || handler === undefined || this.isolated.has(to) || this.isolated.has(self)) return false;
        // A copy, delivered on a later turn: like a network, never re-entrant, never shared.
        const copy = message.slice();
        setImmediate(() => {
          if (registry.get(to) === handler && !this.isolated.has(to) && !this.isolated.has(self)) handler(self, copy);
        });
        return true;
      },
      receive: (handler) => {
        if (!open) return;
        mine = handler;
        registry.set(self, handler);
      },
      close: () => {
        open = false;
        // Only this channel's own receiver: another channel of the same name may have taken over.
        if (mine !== undefined && registry.get(self) === mine) registry.delete(self);
      },
    };
  }

  /** A new peer on this network, with a fresh Ed25519 identity. */
  join(options: JoinOptions = {}): Peer {
    return new MemoryPeer(this, options);
  }

  addProducer(producer: MemoryProducer): void {
    register(this.producers, producer.streamId, producer);
    // Consumers connect to every eligible producer, including ones that appear later.
    for (const consumer of this.consumers.get(producer.streamId) ?? []) consumer.offer(producer);
  }

  /** Tickets changed somewhere: every producer re-judges its consumers. */
  recheckAll(): void {
    for (const set of this.producers.values()) for (const producer of set) producer.recheck();
  }

  removeProducer(producer: MemoryProducer): void {
    this.producers.get(producer.streamId)?.delete(producer);
  }

  addConsumer(consumer: MemoryConsumer): void {
    register(this.consumers, consumer.streamId, consumer);
    for (const producer of this.producers.get(consumer.streamId) ?? []) consumer.offer(producer);
  }

  removeConsumer(consumer: MemoryConsumer): void {
    this.consumers.get(consumer.streamId)?.delete(consumer);
  }
}

function register<T>(registry: Map<string, Set<T>>, streamId: string, item: T): void {
  let set = registry.get(streamId);
  if (set === undefined) registry.set(streamId, (set = new Set()));
  set.add(item);
}

export const memoryNetwork = (): MemoryNetwork => new MemoryNetwork();
