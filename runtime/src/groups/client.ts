// A client of a group: a peer outside the committee that runs commands through the group's log
// and reads its state, by asking members (client-wire.ts). Every client of one group on one peer
// shares that peer's reply channel and request numbering, so any number of them may coexist.
//
// A command carries the client's session (8 random bytes per client) and a sequence number. The
// client asks one member; if that member does not answer within `attemptMs` (it crashed, lost its
// leader, or is partitioned) the client asks the next with the same tag, so a retry that races the
// original still takes effect once: the log skips the second copy, and the member that proposed it
// answers with the first one's result. Reads return the machine's whole state at a version; with
// "linearizable" (the default) the member first confirms through the leader that it holds every
// write acknowledged before the read began.
import { randomBytes } from "node:crypto";
import type { Channel, PeerId } from "../net/memory.js";
import { clientChannelName, ClientStatus, decodeResponse, encodeExecute, encodeRead, replyChannelName } from "./client-wire.js";
import { GroupError, type Consistency } from "./group.js";
import { groupId } from "./id.js";
import type { ByteCodec, StateMachine } from "./state-machine.js";

export interface GroupClientOptions<C, R> {
  /** The group id (hex). */
  readonly id: string;
  readonly peer: { readonly id: PeerId; channel(name: string): Channel };
  /** The committee's members, tried in turn. */
  readonly members: readonly PeerId[];
  readonly commands: ByteCodec<C>;
  readonly results: ByteCodec<R>;
  /** How long one member has to answer before the next is asked. Default 1 500 ms. */
  readonly attemptMs?: number;
  /** How long a request tries in all before failing with "timeout". Default 15 s. */
  readonly timeoutMs?: number;
}

interface Waiting {
  /** The member asked: only its answer counts. */
  readonly member: PeerId;
  resolve(response: { status: ClientStatus; payload: Uint8Array } | undefined): void;
}

/** Commands one client has in flight at most (see `execute`). */
const maxInFlight = 1024;

type ClientPeer = GroupClientOptions<unknown, unknown>["peer"];

/** The requests and replies of every client of one group on one peer. */
class Exchange {
  readonly requests: Channel;
  private readonly replies: Channel;
  private nextRequest = 1n;
  readonly waiting = new Map<bigint, Waiting>();
  users = 0;

  private constructor(
    private readonly peer: ClientPeer,
    private readonly groupId: string,
  ) {
    // Requests are only sent, never received, on this peer's channel of that name: a member on
    // the same peer keeps receiving its own.
    this.requests = peer.channel(clientChannelName(groupId));
    this.replies = peer.channel(replyChannelName(groupId));
    this.replies.receive((from, bytes) => {
      const response = decodeResponse(bytes);
      if (response === undefined) return;
      const waiting = this.waiting.get(response.id);
      if (waiting === undefined || waiting.member !== from) return;
      this.waiting.delete(response.id);
      waiting.resolve(response);
    });
  }

  private static readonly open = new WeakMap<ClientPeer, Map<string, Exchange>>();

  static acquire(peer: ClientPeer, groupId: string): Exchange {
    let byGroup = Exchange.open.get(peer);
    if (byGroup === undefined) Exchange.open.set(peer, (byGroup = new Map()));
    let exchange = byGroup.get(groupId);
    if (exchange === undefined) byGroup.set(groupId, (exchange = new Exchange(peer, groupId)));
    exchange.users++;
    return exchange;
  }

  requestId(): bigint {
    return this.nextRequest++;
  }

  release(): void {
    if (--this.users > 0) return;
    Exchange.open.get(this.peer)?.delete(this.groupId);
    this.requests.close();
    this.replies.close();
  }
}

export class GroupClient<C, R> {
  readonly id: string;
  private readonly exchange: Exchange;
  private readonly session = randomBytes(8);
  private sequence = 0;
  private inFlight = 0;
  private readonly queued: (() => void)[] = [];
  /** This client's requests awaiting an answer (in the exchange's table too). */
  private readonly mine = new Set<bigint>();
  /** The member that answered last: asked first next time. */
  private preferred = 0;
  private closed = false;
  private readonly attemptMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: GroupClientOptions<C, R>) {
    if (options.members.length === 0) throw new RangeError("a group client needs at least one member to ask");
    this.id = options.id;
    this.attemptMs = options.attemptMs ?? 1500;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.exchange = Exchange.acquire(options.peer, options.id);
  }

  /** Runs `command` through the group's log, at most once however often it is resent; resolves with its result. */
  async execute(command: C): Promise<R> {
    // Members remember a session's last 4 096 sequence numbers; a command further behind the
    // newest would read as applied. Keeping at most 1 024 in flight keeps every one inside.
    if (this.inFlight >= maxInFlight) await new Promise<void>((resume) => this.queued.push(resume));
    this.inFlight++;
    try {
      const sequence = ++this.sequence;
      const bytes = this.options.commands.encode(command);
      const payload = await this.ask((requestId) => encodeExecute(requestId, this.session, sequence, bytes), "command");
      return this.options.results.decode(payload);
    } finally {
      this.inFlight--;
      this.queued.shift()?.();
    }
  }

  /** The group's state machine snapshot and the version (log index) it reflects. */
  async read(consistency: Consistency = "linearizable"): Promise<{ readonly version: number; readonly state: Uint8Array }> {
    const payload = await this.ask((requestId) => encodeRead(requestId, consistency === "linearizable"), "read");
    const view = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
    if (view.length < 8) throw new GroupError("timeout", "a member answered a read with no version");
    return { version: Number(view.readBigUInt64LE(0)), state: payload.subarray(8) };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const requestId of this.mine) {
      const waiting = this.exchange.waiting.get(requestId);
      this.exchange.waiting.delete(requestId);
      waiting?.resolve(undefined);
    }
    this.mine.clear();
    this.exchange.release();
  }

  private async ask(request: (requestId: bigint) => Uint8Array, what: string): Promise<Uint8Array> {
    const deadline = Date.now() + this.timeoutMs;
    const members = this.options.members;
    let lastTrouble = "no member answered";
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new GroupError("closed", "the group client has closed");
      if (Date.now() > deadline) throw new GroupError("timeout", `the ${what} was not answered in time (${lastTrouble})`);
      const member = (this.preferred + attempt) % members.length;
      const asked = members[member]!;
      const requestId = this.exchange.requestId();
      const answered = new Promise<{ status: ClientStatus; payload: Uint8Array } | undefined>((resolve) => {
        const timer = setTimeout(() => {
          this.exchange.waiting.delete(requestId);
          this.mine.delete(requestId);
          resolve(undefined);
        }, Math.min(this.attemptMs, Math.max(1, deadline - Date.now())));
        this.mine.add(requestId);
        this.exchange.waiting.set(requestId, {
          member: asked,
          resolve: (response) => {
            clearTimeout(timer);
            this.mine.delete(requestId);
            resolve(response);
          },
        });
      });
      const bytes = request(requestId);
      if (!this.exchange.requests.send(asked, bytes)) {
        // No link yet: the channel is dialling. Give it a moment before counting the member out.
        await new Promise((r) => setTimeout(r, Math.min(200, this.attemptMs / 2)));
        this.exchange.requests.send(asked, bytes);
      }
      const response = await answered;
      if (this.closed) throw new GroupError("closed", "the group client has closed");
      if (response === undefined) {
        lastTrouble = `member ${asked.slice(0, 16)}… did not answer`;
        continue;
      }
      const message = () => new TextDecoder().decode(response.payload);
      switch (response.status) {
        case ClientStatus.Ok:
          this.preferred = member;
          return response.payload;
        case ClientStatus.Refused:
          this.preferred = member;
          throw new Error(message());
        case ClientStatus.NotAllowed:
          throw new GroupError("not-allowed", message());
        case ClientStatus.ResultUnavailable:
          throw new GroupError("result-unavailable", message());
        default:
          lastTrouble = message();
      }
    }
  }
}

/** How a peer outside a keyed group's committee reaches it (every service's `client` takes these). */
export interface KeyedClientOptions {
  /** The group key, as the members were started with. */
  readonly key: string;
  readonly peer: { readonly id: PeerId; channel(name: string): Channel };
  /** The committee, asked in turn. */
  readonly members: readonly PeerId[];
  /** The members' timing: part of the group's id. */
  readonly tickMs?: number;
  readonly electionTicks?: number;
  /** How long one member has to answer before the next is asked. Default 1 500 ms. */
  readonly attemptMs?: number;
  /** How long a request tries in all. Default 15 s. */
  readonly timeoutMs?: number;
}

/** A client of the group `startKeyedGroup` starts for `key` and `machine` with the same timing. */
export function connectKeyedGroup<C, R>(
  options: KeyedClientOptions,
  machine: Pick<StateMachine<C, R, unknown, unknown>, "signature" | "commands" | "results">,
): GroupClient<C, R> {
  const id = groupId({ key: options.key, tickMs: options.tickMs ?? 50, electionTicks: options.electionTicks ?? 10, heartbeatTicks: 1, machine: machine.signature });
  return new GroupClient({
    id,
    peer: options.peer,
    members: options.members,
    commands: machine.commands,
    results: machine.results,
    ...(options.attemptMs === undefined ? {} : { attemptMs: options.attemptMs }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
}
