// A fault-injecting TCP proxy in front of each member of a cluster of coal TCP nodes, for tests
// that run members as real processes. Each member advertises its proxy's address, so every
// peer-to-peer connection, whoever dials it, passes through the proxy of the member it reaches.
//
// Faults are set per directed pair of members (`set(from, to, mode)` governs the bytes `from`
// sends to `to`), which needs the proxy to know who dialled: it reads the dialer's peer id off
// the link handshake as it goes by (the third message, `finish`, starts with the dialer's id in
// the clear; see runtime/src/net/link.ts). Until then a connection carries only handshake bytes
// and is judged by its listener alone. Modes, switchable at run time:
//
//   pass       bytes flow.
//   delay      each chunk is held `ms` (+ up to `jitterMs`), order kept.
//   drop       a partition: live connections are closed, new ones closed as soon as they are known.
//   blackhole  bytes are accepted and discarded. A connection that lost bytes is closed when its
//              direction leaves the blackhole: its stream is corrupt, and a real TCP connection
//              stalled by a partition would by then have timed out.
import { createServer, connect, type Server, type Socket } from "node:net";

export type LinkMode =
  | { readonly kind: "pass" }
  | { readonly kind: "delay"; readonly ms: number; readonly jitterMs?: number }
  | { readonly kind: "drop" }
  | { readonly kind: "blackhole" };

export const pass: LinkMode = { kind: "pass" };

/** What the proxies did, for a test to print. */
export interface ProxyStats {
  accepted: number;
  identified: number;
  /** Connections closed because of a `drop` or the end of a blackhole. */
  cut: number;
  /** Bytes discarded in blackholes. */
  discarded: number;
  /** Chunks held back by a delay. */
  delayed: number;
}

/** One direction of one proxied connection. */
class Pipe {
  /**
   * Chunks held by a delay, oldest first, each with when it may go. One timer at a time drains
   * them in order: a timer per chunk could fire out of order (Node keeps timers of different
   * durations in different lists), and a link fails on a frame out of order.
   */
  private readonly held: { chunk: Buffer; at: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Bytes were discarded: the stream the receiver sees is no longer the sender's. */
  corrupt = false;

  constructor(
    private readonly connection: Connection,
    private readonly into: Socket,
  ) {}

  push(chunk: Buffer, mode: LinkMode, stats: ProxyStats): void {
    if (mode.kind === "drop") return this.connection.cut();
    if (mode.kind === "blackhole") {
      this.corrupt = true;
      stats.discarded += chunk.length;
      return;
    }
    if (mode.kind === "pass" && this.held.length === 0) {
      this.into.write(chunk);
      return;
    }
    const ms = mode.kind === "delay" ? mode.ms + Math.random() * (mode.jitterMs ?? 0) : 0;
    // Never before the chunk ahead of it: jitter delays, it does not reorder.
    const at = Math.max(this.held.at(-1)?.at ?? 0, performance.now() + ms);
    this.held.push({ chunk, at });
    stats.delayed++;
    if (this.timer === undefined) this.schedule();
  }

  private schedule(): void {
    const head = this.held[0];
    if (head === undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = performance.now();
      while (this.held.length > 0 && this.held[0]!.at <= now + 1) {
        const { chunk } = this.held.shift()!;
        if (!this.into.destroyed) this.into.write(chunk);
      }
      this.schedule();
    }, Math.max(0, head.at - performance.now()));
  }

  /** Drops what is held (the connection is gone). */
  stop(): void {
    clearTimeout(this.timer);
    this.held.length = 0;
  }
}

/** A client connection to a member's proxy and its upstream connection to the member. */
class Connection {
  /** The dialer's peer id, once its handshake has gone by. */
  dialer: string | undefined;
  private sniffed = Buffer.alloc(0);
  private readonly up: Pipe;
  private readonly down: Pipe;
  private closed = false;

  constructor(
    private readonly proxy: MemberProxy,
    private readonly client: Socket,
    private readonly upstream: Socket,
  ) {
    this.up = new Pipe(this, upstream);
    this.down = new Pipe(this, client);
    client.on("data", (chunk) => {
      if (this.dialer === undefined) this.sniff(chunk);
      if (this.closed) return;
      this.up.push(chunk, this.dialer === undefined ? pass : proxy.faults.mode(this.dialer, proxy.member), proxy.faults.stats);
    });
    upstream.on("data", (chunk) => {
      if (this.closed) return;
      this.down.push(chunk, this.dialer === undefined ? pass : proxy.faults.mode(proxy.member, this.dialer), proxy.faults.stats);
    });
    // Either side going away (a member killed, a link closed) ends both.
    for (const socket of [client, upstream]) {
      socket.on("error", () => this.end());
      socket.on("close", () => this.end());
    }
  }

  /** Reads `u32le 65 ‖ hello (65) ‖ u32le 96 ‖ dialer id (32) ‖ signature (64)` off the dialer's first bytes. */
  private sniff(chunk: Buffer): void {
    this.sniffed = Buffer.concat([this.sniffed, chunk]);
    if (this.sniffed.length < 4 + 65 + 4 + 32) return;
    if (this.sniffed.readUInt32LE(0) !== 65 || this.sniffed.readUInt32LE(69) !== 96) {
      this.dialer = ""; // not a coal link: left alone
      return;
    }
    this.dialer = this.sniffed.toString("hex", 73, 105);
    this.sniffed = Buffer.alloc(0);
    this.proxy.faults.stats.identified++;
    this.judge();
  }

  /** Applies the current modes to the connection as a whole: drops close it, a healed blackhole too. */
  judge(): void {
    if (this.closed) return;
    const faults = this.proxy.faults;
    if (this.dialer === undefined) {
      if (faults.isolated(this.proxy.member)) this.cut();
      return;
    }
    if (this.dialer === "") return;
    const upMode = faults.mode(this.dialer, this.proxy.member);
    const downMode = faults.mode(this.proxy.member, this.dialer);
    if (upMode.kind === "drop" || downMode.kind === "drop") return this.cut();
    if ((this.up.corrupt && upMode.kind !== "blackhole") || (this.down.corrupt && downMode.kind !== "blackhole")) this.cut();
  }

  /** Closes both sides because of a fault. */
  cut(): void {
    if (this.closed) return;
    this.proxy.faults.stats.cut++;
    this.end();
  }

  /** Closes both sides (a side went away, or the proxy is shutting down). */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.up.stop();
    this.down.stop();
    this.client.destroy();
    this.upstream.destroy();
    this.proxy.connections.delete(this);
  }
}

/** The proxy in front of one member: listens on its own port and forwards to the member's. */
class MemberProxy {
  readonly connections = new Set<Connection>();
  private server!: Server;
  port = 0;

  constructor(
    readonly faults: FaultNetwork,
    readonly member: string,
    /** Where the member listens now; a restarted member may listen elsewhere. */
    public target: { host: string; port: number },
  ) {}

  async start(): Promise<void> {
    this.server = createServer({ noDelay: true }, (client) => {
      this.faults.stats.accepted++;
      if (this.faults.isolated(this.member)) {
        client.destroy();
        this.faults.stats.cut++;
        return;
      }
      client.pause();
      const upstream = connect({ host: this.target.host, port: this.target.port, noDelay: true });
      const connection = new Connection(this, client, upstream);
      this.connections.add(connection);
      upstream.once("connect", () => client.resume());
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const connection of [...this.connections]) connection.end();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Proxies for a cluster: `address(id)` is what member `id` advertises (and what peers bootstrap
 * with); `target(id, port)` points its proxy at where the member listens.
 */
export class FaultNetwork {
  readonly stats: ProxyStats = { accepted: 0, identified: 0, cut: 0, discarded: 0, delayed: 0 };
  private readonly proxies = new Map<string, MemberProxy>();
  /** Modes by `from>to`; absent means pass. */
  private readonly modes = new Map<string, LinkMode>();

  private constructor(readonly members: readonly string[]) {}

  static async start(members: readonly string[]): Promise<FaultNetwork> {
    const network = new FaultNetwork(members);
    for (const member of members) {
      const proxy = new MemberProxy(network, member, { host: "127.0.0.1", port: 1 });
      await proxy.start();
      network.proxies.set(member, proxy);
    }
    return network;
  }

  /** The `host:port` peers should dial to reach `member`. */
  address(member: string): string {
    return `127.0.0.1:${this.proxy(member).port}`;
  }

  /** Points `member`'s proxy at the port the member (re)started on. */
  target(member: string, port: number, host = "127.0.0.1"): void {
    this.proxy(member).target = { host, port };
  }

  /** The mode of the bytes `from` sends to `to`. */
  mode(from: string, to: string): LinkMode {
    return this.modes.get(`${from}>${to}`) ?? pass;
  }

  /** Sets the mode of the bytes `from` sends to `to` (one direction). */
  set(from: string, to: string, mode: LinkMode): void {
    if (mode.kind === "pass") this.modes.delete(`${from}>${to}`);
    else this.modes.set(`${from}>${to}`, mode);
    this.judge();
  }

  /** Sets both directions between `a` and `b`. */
  setBoth(a: string, b: string, mode: LinkMode): void {
    this.set(a, b, mode);
    this.set(b, a, mode);
  }

  /** Sets every directed link between members. */
  setAll(mode: LinkMode): void {
    for (const from of this.members) for (const to of this.members) if (from !== to) this.set(from, to, mode);
  }

  /** Cuts `member` off from every other member, both ways (`drop`, or `blackhole`). */
  isolate(member: string, mode: LinkMode = { kind: "drop" }): void {
    for (const other of this.members) if (other !== member) this.setBoth(member, other, mode);
  }

  /** Every link back to pass. */
  heal(): void {
    this.modes.clear();
    this.judge();
  }

  /** True when every link into `member` is dropped: its proxy refuses connections outright. */
  isolated(member: string): boolean {
    return this.members.every((other) => other === member || this.mode(other, member).kind === "drop");
  }

  describe(): string {
    const faults = [...this.modes].map(([pair, mode]) => `${pair.split(">").map((id) => id.slice(0, 6)).join("→")} ${mode.kind}${mode.kind === "delay" ? `(${mode.ms}±${mode.jitterMs ?? 0})` : ""}`);
    return faults.length === 0 ? "all pass" : faults.join(", ");
  }

  async close(): Promise<void> {
    await Promise.all([...this.proxies.values()].map((proxy) => proxy.close()));
  }

  private judge(): void {
    for (const proxy of this.proxies.values()) for (const connection of [...proxy.connections]) connection.judge();
  }

  private proxy(member: string): MemberProxy {
    const proxy = this.proxies.get(member);
    if (proxy === undefined) throw new Error(`no proxy for member ${member}`);
    return proxy;
  }
}
