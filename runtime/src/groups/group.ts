// One member of a Raft group: the driver around the pure core (runtime/src/raft). It owns the
// clock (a tick every `tickMs`), the transport (a peer's Channel), the store, and the state
// machine, and carries out each Ready in the order the core prescribes: persist (through the
// store, fsync'd when the Ready says so), send, apply, answer reads, advance.
//
// Commands (`execute`, `feed`) travel in entries tagged with this member's session (8 random
// bytes per start) and a sequence number. A command whose proposal may have been lost is proposed
// again with the same tag; every member skips a tag it has applied, so a command takes effect at
// most once however often it is retried, and the member that issued it learns its result by
// applying it like everyone else. Linearizable queries go through ReadIndex: the leader confirms
// it still leads, and the member answers once it has applied up to the confirmed index.
import { createHash, randomBytes } from "node:crypto";
import {
  decodeConfChange,
  decodeMessage,
  encodeMessage,
  MemoryStorage,
  RawNode,
  type ConfChange,
  type ConfState,
  type Entry,
  type Ready,
  type Role,
  type Snapshot,
} from "../raft/index.js";
import type { Channel, PeerId } from "../net/memory.js";
import { ClientStatus, decodeRequest, encodeResponse, type ClientRequest } from "./client-wire.js";
import { memoryStore, type GroupStore } from "./store.js";
import type { StateMachine } from "./state-machine.js";

export type GroupErrorCode = "timeout" | "closed" | "not-a-member" | "not-allowed" | "result-unavailable";

export class GroupError extends Error {
  override readonly name = "GroupError";
  constructor(
    readonly code: GroupErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type Consistency = "weak" | "linearizable";

export interface GroupOptions<C, R, Q, A> {
  /** The group id (hex); also the channel's name. */
  readonly id: string;
  /** This member's peer id. */
  readonly self: PeerId;
  /** The initial voters, when the group is new (ignored when the store holds state). */
  readonly members: readonly PeerId[];
  /** The initial learners: members that receive the log but never vote. */
  readonly learners?: readonly PeerId[];
  readonly channel: Channel;
  readonly machine: StateMachine<C, R, Q, A>;
  readonly store?: GroupStore;
  /** Milliseconds per Raft tick. Default 50. */
  readonly tickMs?: number;
  /** Ticks without a leader before campaigning (randomised up to twice this). Default 10. */
  readonly electionTicks?: number;
  readonly heartbeatTicks?: number;
  /** Applied entries between snapshots (which let the log be compacted). Default 10 000. */
  readonly snapshotEvery?: number;
  /** How long `execute` and linearizable `query` try before failing with "timeout". Default 10 s. */
  readonly requestTimeoutMs?: number;
  /**
   * The channels this member takes clients' requests on and answers them on (peers outside the
   * committee: see client.ts), and who may use them: any authenticated peer, or the listed ones.
   * Without all three, no client is served.
   */
  readonly clientChannel?: Channel;
  readonly replyChannel?: Channel;
  readonly clients?: "any" | readonly PeerId[];
}

interface PendingCommand<R> {
  readonly data: Uint8Array;
  readonly resolve: (result: R) => void;
  readonly reject: (error: Error) => void;
  readonly deadline: number;
  lastTry: number;
}

interface PendingRead {
  context: Uint8Array;
  index: number | undefined;
  readonly settle: () => void;
  readonly reject: (error: Error) => void;
  readonly deadline: number;
  lastTry: number;
}

export interface GroupStatus {
  readonly role: Role;
  readonly leader: PeerId | undefined;
  readonly term: number;
  readonly commit: number;
  readonly applied: number;
  readonly voters: readonly PeerId[];
  readonly learners: readonly PeerId[];
}

/** A client's command this member proposed for it, answered when applied (see client-wire.ts). */
interface ClientPending {
  from: PeerId;
  requestId: bigint;
  readonly data: Uint8Array;
  readonly deadline: number;
  lastTry: number;
}
/** Results of clients' commands kept per member, so a retry that arrives late still gets one. */
const clientResultsKept = 8192;

/** Per-session record of applied command tags, so a retried command is applied at most once. */
interface Session {
  max: number;
  /** Sequence numbers applied within the window below `max`. */
  recent: Set<number>;
  lastIndex: number;
}
const sessionWindow = 4096;
/** A session idle for this many entries is forgotten (its member restarted long ago). */
const sessionExpiry = 1_000_000;

export class Group<C, R, Q, A> {
  readonly id: string;
  private readonly node: RawNode;
  private readonly storage: MemoryStorage;
  private readonly store: GroupStore;
  private readonly machine: StateMachine<C, R, Q, A>;
  private readonly channel: Channel;
  private readonly options: Required<Pick<GroupOptions<C, R, Q, A>, "tickMs" | "electionTicks" | "snapshotEvery" | "requestTimeoutMs">>;
  private readonly session = randomBytes(8);
  private readonly sessionKey = this.session.toString("hex");
  private sequence = 0;
  private readSequence = 0;
  private readonly commands = new Map<number, PendingCommand<R>>();
  private readonly reads = new Set<PendingRead>();
  private readonly sessions = new Map<string, Session>();
  private readonly waiters = new Set<{ check: () => boolean; wake: () => void; fail: (error: Error) => void }>();
  private readonly clientChannel: Channel | undefined;
  private readonly replyChannel: Channel | undefined;
  private readonly clientAllowed: (peer: PeerId) => boolean;
  /** Keyed by session hex ‖ ":" ‖ sequence. */
  private readonly clientPending = new Map<string, ClientPending>();
  private readonly clientResults = new Map<string, { status: ClientStatus; payload: Uint8Array }>();
  private appliedIndex: number;
  private snapshotIndex: number;
  private confState: ConfState;
  private leader: PeerId | undefined;
  private role: Role = "follower";
  private timer: NodeJS.Timeout | undefined;
  private pumping = false;
  private again = false;
  private closed = false;
  /** Messages from peers that did not decode, or claimed another sender. */
  malformed = 0;

  private constructor(options: GroupOptions<C, R, Q, A>, store: GroupStore, storage: MemoryStorage, applied: number) {
    this.id = options.id;
    this.store = store;
    this.storage = storage;
    this.machine = options.machine;
    this.channel = options.channel;
    this.clientChannel = options.clients === undefined || options.replyChannel === undefined ? undefined : options.clientChannel;
    this.replyChannel = this.clientChannel === undefined ? undefined : options.replyChannel;
    const allowed = options.clients === "any" ? undefined : new Set(options.clients ?? []);
    this.clientAllowed = (peer) => allowed === undefined || allowed.has(peer);
    this.options = { tickMs: options.tickMs ?? 50, electionTicks: options.electionTicks ?? 10, snapshotEvery: options.snapshotEvery ?? 10_000, requestTimeoutMs: options.requestTimeoutMs ?? 10_000 };
    this.appliedIndex = applied;
    this.snapshotIndex = applied;
    this.confState = storage.snapshot().metadata.confState;
    this.node = new RawNode({
      id: options.self,
      storage,
      electionTimeoutTicks: this.options.electionTicks,
      heartbeatIntervalTicks: options.heartbeatTicks ?? 1,
      randomInt: (bound) => Math.floor(Math.random() * bound),
      applied,
      checkQuorum: true,
      preVote: true,
    });
  }

  /** Starts a member: recovers what the store holds (or starts a new group of `members`), then runs. */
  static async start<C, R, Q, A>(options: GroupOptions<C, R, Q, A>): Promise<Group<C, R, Q, A>> {
    const store = options.store ?? memoryStore();
    const recovered = await store.load();
    const storage = new MemoryStorage({ confState: { voters: [...options.members].sort(), learners: [...(options.learners ?? [])].sort() } });
    let applied = 0;
    if (recovered.snapshot !== undefined) {
      storage.applySnapshot(recovered.snapshot);
      options.machine.restore(splitSnapshot(recovered.snapshot.data).machine);
      applied = recovered.snapshot.metadata.index;
    }
    storage.append(recovered.entries);
    // A snapshot holds only committed state, so the commit index is at least its index (a store
    // may not have written commit-only changes).
    const hardState = recovered.hardState ?? (applied > 0 ? { term: 0, vote: undefined, commit: 0 } : undefined);
    if (hardState !== undefined) storage.setHardState({ ...hardState, commit: Math.max(hardState.commit, applied) });
    const group = new Group(options, store, storage, applied);
    if (recovered.snapshot !== undefined) group.restoreSessions(splitSnapshot(recovered.snapshot.data).sessions);
    group.channel.receive((from, bytes) => group.receive(from, bytes));
    group.clientChannel?.receive((from, bytes) => group.serveClient(from, bytes));
    group.timer = setInterval(() => group.tick(), group.options.tickMs);
    group.timer.unref?.();
    group.schedule();
    return group;
  }

  // -- the public API -----------------------------------------------------------------------

  /** Runs `command` through the log; resolves with its result once this member has applied it. */
  execute(command: C): Promise<R> {
    if (this.closed) return Promise.reject(new GroupError("closed", "the group member has stopped"));
    const sequence = ++this.sequence;
    const data = envelope(this.session, sequence, this.machine.commands.encode(command));
    return new Promise<R>((resolve, reject) => {
      const now = Date.now();
      const pending: PendingCommand<R> = { data, resolve, reject, deadline: now + this.options.requestTimeoutMs, lastTry: now };
      this.commands.set(sequence, pending);
      this.node.propose(data);
      this.schedule();
    });
  }

  /** Submits `command` without waiting for its result (it is retried like `execute`'s). */
  feed(command: C): void {
    this.execute(command).catch(() => {
      this.fedFailures++;
    });
  }

  /** Commands given to `feed` that timed out or were abandoned at close. */
  fedFailures = 0;

  /**
   * Answers `query` from this member's state. "weak" answers at once (possibly stale);
   * "linearizable" first confirms, through the leader, an index every acknowledged write is at
   * or below, and answers once this member has applied it.
   */
  async query(query: Q, consistency: Consistency = "linearizable"): Promise<A> {
    if (consistency === "weak") return this.machine.query(query);
    await this.readBarrier();
    return this.machine.query(query);
  }

  /** Resolves once this member has applied every write acknowledged before the call (ReadIndex). */
  private async readBarrier(): Promise<void> {
    if (this.closed) throw new GroupError("closed", "the group member has stopped");
    await new Promise<void>((settle, reject) => {
      const now = Date.now();
      const read: PendingRead = { context: this.readContext(), index: undefined, settle, reject, deadline: now + this.options.requestTimeoutMs, lastTry: now };
      this.reads.add(read);
      this.node.readIndex(read.context);
      this.schedule();
    });
  }

  /** The index of the last entry this member applied. */
  get applied(): number {
    return this.appliedIndex;
  }

  status(): GroupStatus {
    const status = this.node.status();
    return { role: status.role, leader: status.lead, term: status.term, commit: status.commit, applied: this.appliedIndex, voters: this.confState.voters, learners: this.confState.learners };
  }

  /** Conditions to wait for. */
  when(): { leader(): Promise<PeerId>; reaches(index: number): Promise<void>; leading(): Promise<void> } {
    return {
      leader: async () => {
        await this.until(() => this.leader !== undefined);
        return this.leader!;
      },
      reaches: (index) => this.until(() => this.appliedIndex >= index),
      leading: () => this.until(() => this.role === "leader"),
    };
  }

  /** Adds a voter, adds a learner (a non-voting observer), or removes a member; resolves once applied here. */
  async changeMembership(change: ConfChange): Promise<void> {
    const done = () => {
      const voter = this.confState.voters.includes(change.nodeId);
      const learner = this.confState.learners.includes(change.nodeId);
      return change.type === "add-voter" ? voter : change.type === "add-learner" ? learner : !voter && !learner;
    };
    const deadline = Date.now() + this.options.requestTimeoutMs;
    while (!done()) {
      if (this.closed) throw new GroupError("closed", "the group member has stopped");
      if (Date.now() > deadline) throw new GroupError("timeout", `the membership change (${change.type} ${change.nodeId}) did not take effect in time`);
      this.node.proposeConfChange(change);
      this.schedule();
      await Promise.race([this.until(done), new Promise((r) => setTimeout(r, this.retryMs()))]);
    }
  }

  /** Asks the leader to hand leadership to `peer`. */
  transferLeadership(peer: PeerId): void {
    this.node.transferLeadership(peer);
    this.schedule();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.channel.close();
    this.clientChannel?.close();
    this.replyChannel?.close();
    this.clientPending.clear();
    const error = new GroupError("closed", "the group member has stopped");
    for (const pending of this.commands.values()) pending.reject(error);
    for (const read of this.reads) read.reject(error);
    for (const waiter of this.waiters) waiter.fail(error);
    this.commands.clear();
    this.reads.clear();
    this.waiters.clear();
    while (this.pumping) await new Promise((r) => setTimeout(r, 1));
    await this.store.close();
  }

  // -- the driver ---------------------------------------------------------------------------

  private retryMs(): number {
    return this.options.tickMs * this.options.electionTicks * 2;
  }

  private tick(): void {
    if (this.closed) return;
    this.node.tick();
    const now = Date.now();
    for (const [sequence, pending] of this.commands) {
      if (now > pending.deadline) {
        this.commands.delete(sequence);
        pending.reject(new GroupError("timeout", "the command was not applied in time (it may still be)"));
      } else if (now - pending.lastTry > this.retryMs()) {
        pending.lastTry = now;
        this.node.propose(pending.data);
      }
    }
    for (const [key, pending] of this.clientPending) {
      if (now > pending.deadline) {
        this.clientPending.delete(key);
        this.answerClient(pending.from, pending.requestId, ClientStatus.Busy, "the command was not applied in time (it may still be)");
      } else if (now - pending.lastTry > this.retryMs()) {
        pending.lastTry = now;
        this.node.propose(pending.data);
      }
    }
    for (const read of this.reads) {
      if (now > read.deadline) {
        this.reads.delete(read);
        read.reject(new GroupError("timeout", "no leader confirmed a read index in time"));
      } else if (read.index === undefined && now - read.lastTry > this.retryMs()) {
        read.lastTry = now;
        read.context = this.readContext();
        this.node.readIndex(read.context);
      }
    }
    this.schedule();
  }

  private receive(from: PeerId, bytes: Uint8Array): void {
    if (this.closed) return;
    let message;
    try {
      message = decodeMessage(bytes);
    } catch {
      this.malformed++;
      return;
    }
    // The channel authenticates the sender; a message claiming to be from someone else is dropped.
    if (message.from !== from) {
      this.malformed++;
      return;
    }
    this.node.step(message);
    this.schedule();
  }

  private scheduled = false;
  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.pump();
    });
  }

  /** Carries out Readies until there are none, one at a time, in the order `Ready` prescribes. */
  private async pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        while (!this.closed && this.node.hasReady()) {
          const ready = this.node.ready();
          // A leader sends before its own write and lets the two overlap (Raft thesis §10.2.1;
          // etcd does the same): a follower writes and acknowledges while the leader writes, so
          // a command waits for one fsync, not two in a row. Safe because Readies are carried out
          // one at a time: a commit index that counts this Ready's entries (the leader's own copy
          // counts at append) is only revealed or applied by a later Ready, after this write. Not
          // with a single voter: it commits alone, at once, so its messages (to learners) could
          // carry a commit index its own disk does not hold yet.
          const sendFirst = (ready.softState?.role ?? this.role) === "leader" && this.confState.voters.length > 1;
          if (sendFirst) this.send(ready.messages);
          await this.persist(ready);
          if (this.closed) return;
          if (!sendFirst) this.send(ready.messages);
          if (ready.softState !== undefined) {
            this.leader = ready.softState.lead;
            this.role = ready.softState.role;
          }
          if (ready.snapshot !== undefined) this.restoreFrom(ready.snapshot);
          for (const entry of ready.committedEntries) this.apply(entry);
          for (const state of ready.readStates) {
            for (const read of this.reads) if (equalBytes(read.context, state.context)) read.index = state.index;
          }
          this.node.advance();
          await this.maybeSnapshot();
          this.settle();
        }
      } while (this.again && !this.closed);
    } finally {
      this.pumping = false;
    }
  }

  private send(messages: Ready["messages"]): void {
    for (const message of messages) {
      const sent = this.channel.send(message.to, encodeMessage(message));
      if (message.type === "MsgSnap" && !sent) this.node.reportSnapshot(message.to, "failed");
      if (!sent) this.node.reportUnreachable(message.to);
    }
  }

  private async persist(ready: Ready): Promise<void> {
    if (ready.snapshot !== undefined) this.storage.applySnapshot(ready.snapshot);
    this.storage.append(ready.entries);
    if (ready.hardState !== undefined) this.storage.setHardState(ready.hardState);
    await this.store.persist(ready);
  }

  private apply(entry: Entry): void {
    if (entry.index <= this.appliedIndex) return;
    this.appliedIndex = entry.index;
    if (entry.type === "conf-change") {
      this.confState = this.node.applyConfChange(decodeConfChange(entry.data));
      return;
    }
    if (entry.data.length === 0) return; // a new leader's empty entry
    const opened = openEnvelope(entry.data);
    if (opened === undefined) return; // not ours: never produced by this driver; skipped on every member alike
    const session = this.sessions.get(opened.session) ?? { max: 0, recent: new Set<number>(), lastIndex: entry.index };
    this.sessions.set(opened.session, session);
    session.lastIndex = entry.index;
    const duplicate = opened.sequence <= session.max - sessionWindow || session.recent.has(opened.sequence);
    if (duplicate) {
      if (opened.client) this.answerDuplicate(`${opened.session}:${opened.sequence}`);
      return;
    }
    session.recent.add(opened.sequence);
    if (opened.sequence > session.max) {
      // Forget what just fell out of the window. Every number left is above the old max's
      // window, so a step of a few needs a few deletions, not a scan of all 4096 (per command).
      const previous = session.max;
      session.max = opened.sequence;
      if (session.max - previous <= 64) for (let s = previous - sessionWindow + 1; s <= session.max - sessionWindow; s++) session.recent.delete(s);
      else for (const s of session.recent) if (s <= session.max - sessionWindow) session.recent.delete(s);
    }
    let result: R;
    let failure: unknown;
    try {
      result = this.machine.apply(this.machine.commands.decode(opened.command), { index: entry.index });
    } catch (error) {
      // A command the machine refuses is refused on every member alike; only its issuer hears why.
      failure = error;
    }
    if (opened.client) this.clientApplied(`${opened.session}:${opened.sequence}`, result!, failure);
    else if (opened.session === this.sessionKey) {
      const pending = this.commands.get(opened.sequence);
      if (pending !== undefined) {
        this.commands.delete(opened.sequence);
        if (failure !== undefined) pending.reject(failure instanceof Error ? failure : new Error(String(failure)));
        else pending.resolve(result!);
      }
    }
    if (entry.index % 4096 === 0) this.expireSessions(entry.index);
  }

  // -- clients ------------------------------------------------------------------------------

  private serveClient(from: PeerId, bytes: Uint8Array): void {
    if (this.closed) return;
    const request = decodeRequest(bytes);
    if (request === undefined) {
      this.malformed++;
      return;
    }
    if (!this.clientAllowed(from)) {
      this.answerClient(from, request.id, ClientStatus.NotAllowed, `peer ${from.slice(0, 16)}… may not use group ${this.id.slice(0, 16)}…`);
      return;
    }
    if (request.kind === "read") void this.serveRead(from, request);
    else this.serveExecute(from, request);
  }

  private serveExecute(from: PeerId, request: Extract<ClientRequest, { kind: "execute" }>): void {
    // The session in the log is the client's own bound to its (authenticated) peer id: a client
    // can only ever collide with its own commands, never pre-empt a member's or another client's.
    const session = createHash("sha256").update(from).update(request.session).digest().subarray(0, 8);
    const key = `${session.toString("hex")}:${request.sequence}`;
    const done = this.clientResults.get(key);
    if (done !== undefined) {
      this.channelAnswer(from, request.id, done.status, done.payload);
      return;
    }
    const pending = this.clientPending.get(key);
    if (pending !== undefined) {
      // A retry of a command in flight here: answer the latest request once it applies.
      pending.from = from;
      pending.requestId = request.id;
      return;
    }
    const data = envelope(session, request.sequence, request.command, 2);
    const now = Date.now();
    this.clientPending.set(key, { from, requestId: request.id, data, deadline: now + this.options.requestTimeoutMs, lastTry: now });
    this.node.propose(data);
    this.schedule();
  }

  private async serveRead(from: PeerId, request: Extract<ClientRequest, { kind: "read" }>): Promise<void> {
    try {
      if (request.linearizable) await this.readBarrier();
    } catch (error) {
      if (!this.closed) this.answerClient(from, request.id, ClientStatus.Busy, (error as Error).message);
      return;
    }
    const state = this.machine.snapshot();
    const payload = Buffer.allocUnsafe(8 + state.length);
    payload.writeBigUInt64LE(BigInt(this.appliedIndex), 0);
    payload.set(state, 8);
    this.channelAnswer(from, request.id, ClientStatus.Ok, payload);
  }

  /** Every member applies every client command and keeps its result; the one asked answers. */
  private clientApplied(key: string, result: R | undefined, failure: unknown): void {
    const answer =
      failure === undefined
        ? { status: ClientStatus.Ok, payload: this.machine.results.encode(result!) }
        : { status: ClientStatus.Refused, payload: new TextEncoder().encode(failure instanceof Error ? failure.message : String(failure)) };
    this.clientResults.set(key, answer);
    if (this.clientResults.size > clientResultsKept) this.clientResults.delete(this.clientResults.keys().next().value!);
    const pending = this.clientPending.get(key);
    if (pending === undefined) return;
    this.clientPending.delete(key);
    this.channelAnswer(pending.from, pending.requestId, answer.status, answer.payload);
  }

  /** A retry proposed here landed after the original: answer with the original's result. */
  private answerDuplicate(key: string): void {
    const pending = this.clientPending.get(key);
    if (pending === undefined) return;
    this.clientPending.delete(key);
    const done = this.clientResults.get(key);
    if (done !== undefined) this.channelAnswer(pending.from, pending.requestId, done.status, done.payload);
    else this.answerClient(pending.from, pending.requestId, ClientStatus.ResultUnavailable, "the command was applied earlier; its result is no longer kept");
  }

  private answerClient(to: PeerId, requestId: bigint, status: ClientStatus, message: string): void {
    this.channelAnswer(to, requestId, status, new TextEncoder().encode(message));
  }

  private channelAnswer(to: PeerId, requestId: bigint, status: ClientStatus, payload: Uint8Array): void {
    this.replyChannel?.send(to, encodeResponse(requestId, status, payload));
  }

  private expireSessions(index: number): void {
    for (const [key, session] of this.sessions) if (index - session.lastIndex > sessionExpiry) this.sessions.delete(key);
  }

  private settle(): void {
    for (const read of this.reads) {
      if (read.index !== undefined && this.appliedIndex >= read.index) {
        this.reads.delete(read);
        read.settle();
      }
    }
    for (const waiter of this.waiters) {
      if (waiter.check()) {
        this.waiters.delete(waiter);
        waiter.wake();
      }
    }
  }

  private until(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    if (this.closed) return Promise.reject(new GroupError("closed", "the group member has stopped"));
    return new Promise((wake, fail) => this.waiters.add({ check, wake, fail }));
  }

  private readContext(): Uint8Array {
    const context = Buffer.alloc(16);
    this.session.copy(context, 0);
    context.writeUInt32LE(++this.readSequence, 8);
    return context;
  }

  // -- snapshots ----------------------------------------------------------------------------

  private async maybeSnapshot(): Promise<void> {
    if (this.appliedIndex - this.snapshotIndex < this.options.snapshotEvery) return;
    const data = joinSnapshot(this.sessionsBytes(), this.machine.snapshot());
    const snapshot = this.storage.createSnapshot(this.appliedIndex, this.confState, data);
    if (typeof snapshot === "string") return;
    this.snapshotIndex = this.appliedIndex;
    // Keep some entries behind the snapshot, so a follower slightly behind catches up from the log.
    const keep = Math.min(this.options.snapshotEvery, 1000);
    if (this.appliedIndex - keep > this.storage.firstIndex()) this.storage.compact(this.appliedIndex - keep);
    await this.store.compact(snapshot);
  }

  private restoreFrom(snapshot: Snapshot): void {
    const { sessions, machine } = splitSnapshot(snapshot.data);
    this.machine.restore(machine);
    this.restoreSessions(sessions);
    this.appliedIndex = snapshot.metadata.index;
    this.snapshotIndex = snapshot.metadata.index;
    this.confState = snapshot.metadata.confState;
  }

  private sessionsBytes(): Uint8Array {
    const rows = [...this.sessions].map(([key, s]) => [key, s.max, [...s.recent], s.lastIndex]);
    return new TextEncoder().encode(JSON.stringify(rows));
  }

  private restoreSessions(bytes: Uint8Array): void {
    this.sessions.clear();
    if (bytes.length === 0) return;
    const rows = JSON.parse(new TextDecoder().decode(bytes)) as [string, number, number[], number][];
    for (const [key, max, recent, lastIndex] of rows) this.sessions.set(key, { max, recent: new Set(recent), lastIndex });
  }
}

/** `01 ‖ session (8) ‖ u64le sequence ‖ command` from a member; `02 ‖ …` for a client's command. */
function envelope(session: Uint8Array, sequence: number, command: Uint8Array, kind: 1 | 2 = 1): Uint8Array {
  const out = Buffer.allocUnsafe(17 + command.length);
  out[0] = kind;
  out.set(session, 1);
  out.writeBigUInt64LE(BigInt(sequence), 9);
  out.set(command, 17);
  return out;
}

function openEnvelope(data: Uint8Array): { session: string; sequence: number; command: Uint8Array; client: boolean } | undefined {
  if (data.length < 17 || (data[0] !== 1 && data[0] !== 2)) return undefined;
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.length);
  return { session: bytes.toString("hex", 1, 9), sequence: Number(bytes.readBigUInt64LE(9)), command: data.subarray(17), client: data[0] === 2 };
}

/** Snapshot data: `u32le length ‖ sessions ‖ machine state`. */
function joinSnapshot(sessions: Uint8Array, machine: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(4 + sessions.length + machine.length);
  out.writeUInt32LE(sessions.length, 0);
  out.set(sessions, 4);
  out.set(machine, 4 + sessions.length);
  return out;
}

function splitSnapshot(data: Uint8Array): { sessions: Uint8Array; machine: Uint8Array } {
  if (data.length < 4) return { sessions: new Uint8Array(0), machine: data };
  const length = Buffer.from(data.buffer, data.byteOffset, data.length).readUInt32LE(0);
  return { sessions: data.subarray(4, 4 + length), machine: data.subarray(4 + length) };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
