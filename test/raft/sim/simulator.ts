// A seeded, deterministic simulator for Raft clusters (in the spirit of TigerBeetle's VOPR and
// FoundationDB's simulation): 3 or 5 RawNodes (and a spare to add) over a simulated network that
// loses, duplicates, delays, reorders and partitions messages; disks that lose what was not
// fsynced; crashes anywhere in a Ready; membership changes, snapshots with log compaction and
// leadership transfers; and clients running a key-value workload whose history is checked for
// linearizability. Every invariant of invariants.ts is checked after every step; a failure carries
// the seed and the last events, and the same seed replays the same run bit for bit.
//
// Time is in units of 1/10 tick. One step is one event: a node's tick, a message delivered, a
// client request, a fault — with the Readys it causes handled at once, as a driver would.
import {
  RawNode,
  RaftInvariantError,
  decodeConfChange,
  describeConfChange,
  emptyHardState,
  emptySnapshot,
  type ConfChange,
  type ConfState,
  type Entry,
  type MemoryStorage,
  type Message,
  type NodeId,
  type Ready,
  type Snapshot,
} from "@coal/runtime/raft";
import { HistoryRecorder, checkOperations, describeResult, kvStore, type KvInput, type KvOutput, type PendingOperation, type Verdict } from "@coal/runtime/lincheck";
import { DiskImage, confStateKey, type DiskWrite } from "./disk.js";
import { EventQueue } from "./event-queue.js";
import { InvariantViolation, Invariants, type InvariantName } from "./invariants.js";
import { describeProfile, randomProfile, randomRaftOptions, randomWorkload, tickLength, type FaultProfile, type RaftOptions, type WorkloadOptions } from "./profile.js";
import { Random } from "./random.js";
import { KvStateMachine, encodeCommand, entryKey } from "./state-machine.js";
import { Trace } from "./trace.js";

/**
 * Deliberate bugs, for showing that the checks catch what they claim to:
 * * `forget-vote-on-restart` — a restarting node loses the vote in its hard state;
 * * `lose-synced-entries` — a restarting node loses the last few entries it had fsynced;
 * * `corrupt-disk` — now and then an entry reaches a disk with its payload altered;
 * * `skip-fsync` — the driver never fsyncs, only the background writeback persists;
 * * `ack-on-propose` — a leader acknowledges a write when it appends it, before it commits;
 * * `stale-reads` — reads are answered from the local state machine, without ReadIndex.
 */
export type InjectedBug = "forget-vote-on-restart" | "lose-synced-entries" | "corrupt-disk" | "skip-fsync" | "ack-on-propose" | "stale-reads";

export const injectedBugs: readonly InjectedBug[] = ["forget-vote-on-restart", "lose-synced-entries", "corrupt-disk", "skip-fsync", "ack-on-propose", "stale-reads"];

export interface SimulationOptions {
  readonly seed: number;
  /** 3 or 5 voters to start with; drawn from the seed when absent. */
  readonly nodes?: 3 | 5;
  /** Ticks of faults and workload, before everything heals. Default 150. */
  readonly chaosTicks?: number;
  /** Ticks allowed for the healed cluster to converge. Default 400. */
  readonly convergeTicks?: number;
  readonly bug?: InjectedBug;
  /**
   * Invariants whose violations are counted (in `ignoredViolations`) rather than failing the run:
   * to show that, with one check off, another still catches a bug.
   */
  readonly uncheckedInvariants?: readonly InvariantName[];
  /** Keep every trace line (for replaying a seed by hand), not just the tail. */
  readonly keepTrace?: boolean;
  /** Lines of trace a failure shows. Default 40. */
  readonly traceTail?: number;
  /** Budget for the linearizability check; "unknown" past it. Default 5000 ms. */
  readonly lincheckTimeoutMs?: number;
  /** Overrides of the seed's fault mix (for regression tests of one kind of fault). */
  readonly profile?: Partial<FaultProfile>;
  /** Overrides of the seed's Raft configuration. */
  readonly raft?: Partial<RaftOptions>;
}

export interface SimulationFailure {
  readonly invariant: InvariantName | "simulator-error";
  readonly message: string;
  /** Simulated time of the failure, in ticks. */
  readonly tick: number;
  readonly trace: readonly string[];
}

export interface SimulationStats {
  events: number;
  messagesSent: number;
  messagesLost: number;
  messagesDuplicated: number;
  crashes: number;
  crashesInReady: number;
  partitions: number;
  pauses: number;
  /** Conf-change entries applied, counted on every node. */
  confChangesApplied: number;
  /** Distinct membership changes committed, by kind (a re-add adds back a node once removed). */
  learnersAdded: number;
  promotions: number;
  removals: number;
  readds: number;
  transfers: number;
  snapshotsTaken: number;
  snapshotsRestored: number;
  leaders: number;
  operations: number;
  acknowledgedWrites: number;
  /** Writes given up on that took effect (unknown in the history) and that did not (left out). */
  unknownWrites: number;
  abandonedWrites: number;
  reads: number;
  convergedAtTick: number;
  finalIndex: number;
  lincheck: Verdict | "not-run";
}

export interface SimulationResult {
  readonly seed: number;
  readonly nodes: number;
  readonly profile: string;
  readonly failure: SimulationFailure | undefined;
  /** A hash of every trace line: equal for two runs of one seed. */
  readonly traceHash: string;
  readonly stats: SimulationStats;
  /** Every trace line, with `keepTrace`. */
  readonly trace: readonly string[] | undefined;
  /** Violations of the invariants listed in `uncheckedInvariants`. */
  readonly ignoredViolations: ReadonlyMap<InvariantName, number>;
}

/** A failure as text for an assertion message or a console: seed, invariant, how to replay, trace tail. */
export function describeFailure(result: SimulationResult): string {
  const failure = result.failure;
  if (failure === undefined) return `seed ${result.seed}: ok`;
  return [
    `seed ${result.seed} (${result.nodes} nodes; ${result.profile}) failed at tick ${failure.tick}`,
    failure.message,
    `replay: node --conditions=source --import tsx test/raft/sim/run-long.ts --from ${result.seed} --seeds 1 --trace`,
    `last ${failure.trace.length} events:`,
    ...failure.trace.map((line) => `  ${line}`),
  ].join("\n");
}

export function runSimulation(options: SimulationOptions): SimulationResult {
  return new Simulation(options).run();
}

// ─── internals ─────────────────────────────────────────────────────────────────────────────────

type CrashPoint = "idle" | "before-persist" | "before-fsync" | "before-send" | "mid-apply" | "before-apply" | "before-advance";
const crashPointsInReady: readonly CrashPoint[] = ["before-persist", "before-fsync", "before-send", "before-apply", "mid-apply", "before-advance"];

interface ClientRequest {
  readonly client: number;
  readonly seq: number;
  readonly attempt: number;
  readonly input: KvInput;
}

type ClientReply = { readonly seq: number; readonly kind: "ok"; readonly output: KvOutput } | { readonly seq: number; readonly kind: "refused"; readonly lead: NodeId | undefined };

type SimEvent =
  | { readonly kind: "tick"; readonly node: NodeId }
  | { readonly kind: "chaos" }
  | { readonly kind: "deliver"; readonly message: Message }
  | { readonly kind: "report-snapshot"; readonly node: NodeId; readonly incarnation: number; readonly peer: NodeId; readonly status: "delivered" | "failed" }
  | { readonly kind: "report-unreachable"; readonly node: NodeId; readonly incarnation: number; readonly peer: NodeId }
  | { readonly kind: "restart"; readonly node: NodeId }
  | { readonly kind: "client-issue"; readonly client: number }
  | { readonly kind: "client-timeout"; readonly client: number; readonly seq: number; readonly attempt: number }
  | { readonly kind: "client-request"; readonly node: NodeId; readonly request: ClientRequest }
  | { readonly kind: "client-reply"; readonly client: number; readonly from: NodeId; readonly reply: ClientReply };

interface PendingRead {
  readonly client: number;
  readonly seq: number;
  readonly key: string;
  index: number | undefined;
}

class SimNode {
  disk: DiskImage;
  /** Writes since the last fsync, in order: what a crash may lose. */
  unsynced: DiskWrite[] = [];
  storage: MemoryStorage | undefined;
  raw: RawNode | undefined;
  machine: KvStateMachine;
  /** The configuration as of `machine.index` (what a snapshot there records). */
  confState: ConfState;
  /** The term as of the last Ready (or restart). */
  term = 0;
  incarnation = 0;
  /** Time units between two ticks of this node's clock. */
  tickPeriod = tickLength;
  /** A paused node handles nothing before this time. */
  pausedUntil = 0;
  pendingWrites = new Map<string, number>();
  pendingReads = new Map<string, PendingRead>();

  constructor(
    readonly id: NodeId,
    disk: DiskImage,
  ) {
    this.disk = disk;
    this.machine = KvStateMachine.fromSnapshotData(disk.snapshot.data);
    this.confState = disk.snapshot.metadata.confState;
  }

  get up(): boolean {
    return this.raw !== undefined;
  }
}

interface Operation {
  readonly seq: number;
  readonly input: KvInput;
  readonly pending: PendingOperation<KvOutput>;
  attempt: number;
  hint: NodeId | undefined;
}

class Client {
  nextSeq = 1;
  current: Operation | undefined;
  target: NodeId;

  constructor(
    readonly id: number,
    readonly random: Random,
    target: NodeId,
  ) {
    this.target = target;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

class Simulation {
  private readonly random: Random;
  private readonly seed: number;
  private readonly nodeCount: number;
  private readonly profile: FaultProfile;
  private readonly raftOptions: RaftOptions;
  private readonly workload: WorkloadOptions;
  private readonly bug: InjectedBug | undefined;
  private readonly chaosEnd: number;
  private readonly end: number;
  private readonly lincheckTimeoutMs: number;

  private readonly queue = new EventQueue<SimEvent>();
  private readonly trace: Trace;
  private readonly invariants: Invariants;
  private readonly nodes = new Map<NodeId, SimNode>();
  private readonly ids: NodeId[] = [];
  private readonly clients: Client[] = [];
  private readonly history = new HistoryRecorder<KvInput, KvOutput>();
  /** Writes their clients gave up on, settled once the run is over (see `settleAbandoned`). */
  private readonly abandoned: { readonly id: string; readonly pending: PendingOperation<KvOutput> }[] = [];
  /** Cut links, directed: "from>to". */
  private readonly cuts = new Set<string>();
  private phase: "chaos" | "converge" | "done" = "chaos";
  private now = 0;
  private readCounter = 0;
  /** Conf-change indices already counted in the stats, and the nodes removed so far. */
  private readonly countedChanges = new Set<number>();
  private readonly removed = new Set<NodeId>();
  private readonly terms = new Set<number>();
  private readonly stats: SimulationStats = {
    events: 0,
    messagesSent: 0,
    messagesLost: 0,
    messagesDuplicated: 0,
    crashes: 0,
    crashesInReady: 0,
    partitions: 0,
    pauses: 0,
    confChangesApplied: 0,
    learnersAdded: 0,
    promotions: 0,
    removals: 0,
    readds: 0,
    transfers: 0,
    snapshotsTaken: 0,
    snapshotsRestored: 0,
    leaders: 0,
    operations: 0,
    acknowledgedWrites: 0,
    unknownWrites: 0,
    abandonedWrites: 0,
    reads: 0,
    convergedAtTick: -1,
    finalIndex: 0,
    lincheck: "not-run",
  };

  constructor(options: SimulationOptions) {
    this.seed = options.seed;
    this.random = new Random(options.seed);
    this.nodeCount = options.nodes ?? (this.random.chance(0.5) ? 3 : 5);
    this.profile = { ...randomProfile(this.random, this.nodeCount), ...options.profile };
    this.raftOptions = { ...randomRaftOptions(this.random), ...options.raft };
    this.workload = randomWorkload(this.random, this.nodeCount);
    this.bug = options.bug;
    this.chaosEnd = (options.chaosTicks ?? 150) * tickLength;
    this.end = this.chaosEnd + (options.convergeTicks ?? 400) * tickLength;
    this.lincheckTimeoutMs = options.lincheckTimeoutMs ?? 5000;
    this.trace = new Trace(options.traceTail ?? 40, options.keepTrace === true);
    this.invariants = new Invariants(new Set(options.uncheckedInvariants ?? []));
  }

  run(): SimulationResult {
    let failure: SimulationFailure | undefined;
    try {
      this.setUp();
      this.loop();
      this.finalChecks();
    } catch (error) {
      failure = this.failureOf(error);
    }
    return {
      seed: this.seed,
      nodes: this.nodeCount,
      profile: describeProfile(this.profile, this.raftOptions, this.workload),
      failure,
      traceHash: this.trace.hash(),
      stats: { ...this.stats, leaders: this.terms.size },
      trace: this.trace.all,
      ignoredViolations: this.invariants.ignoredViolations,
    };
  }

  private failureOf(error: unknown): SimulationFailure {
    const tick = Math.floor(this.now / tickLength);
    const trace = this.trace.last();
    if (error instanceof InvariantViolation) return { invariant: error.invariant, message: error.message, tick, trace };
    if (error instanceof RaftInvariantError) return { invariant: "core-assertion", message: `core-assertion: ${error.message}\n${error.stack ?? ""}`, tick, trace };
    const message = error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error);
    return { invariant: "simulator-error", message: `simulator-error: ${message}`, tick, trace };
  }

  private log(line: string): void {
    this.trace.add(`${(this.now / tickLength).toFixed(1)} ${line}`);
  }

  // ─── set-up ──────────────────────────────────────────────────────────────────────────────────

  private setUp(): void {
    const voters: NodeId[] = [];
    for (let n = 1; n <= this.nodeCount; n++) voters.push(String(n));
    const spare = String(this.nodeCount + 1);
    this.ids.push(...voters, spare);

    // Every initial voter starts from the same snapshot at index 1 (the configuration); a node
    // added later starts empty and receives a snapshot first.
    const initial = new KvStateMachine();
    initial.index = 1;
    initial.chain = "boot";
    const bootstrap: Snapshot = { metadata: { index: 1, term: 1, confState: { voters, learners: [] } }, data: initial.snapshotData() };
    this.invariants.bootstrap(1, 1, initial.chain, initial.serialize());
    for (const id of voters) this.nodes.set(id, new SimNode(id, new DiskImage(bootstrap, { term: 1, vote: undefined, commit: 1 })));
    this.nodes.set(spare, new SimNode(spare, new DiskImage(emptySnapshot, emptyHardState)));

    this.log(`seed ${this.seed}: ${this.nodeCount} voters + spare ${spare}; ${describeProfile(this.profile, this.raftOptions, this.workload)}`);
    for (const id of this.ids) {
      const node = this.nodes.get(id)!;
      node.tickPeriod = tickLength + this.random.between(-this.profile.clockSkew, this.profile.clockSkew);
      this.start(node);
      // Clocks are not in step: each node ticks at its own phase.
      this.queue.push(1 + this.random.int(tickLength), { kind: "tick", node: id });
    }
    if (this.profile.clockSkew > 0) this.log(`tick periods: ${this.ids.map((id) => `${id}:${this.nodes.get(id)!.tickPeriod}`).join(" ")}`);
    this.queue.push(tickLength, { kind: "chaos" });
    for (let c = 1; c <= this.workload.clients; c++) {
      this.clients.push(new Client(c, this.random.fork(), this.random.pick(voters)));
      this.queue.push(this.random.between(1, 5 * tickLength), { kind: "client-issue", client: c });
    }
  }

  // ─── the loop ────────────────────────────────────────────────────────────────────────────────

  private loop(): void {
    for (;;) {
      const next = this.queue.pop();
      if (next === undefined) throw new Error("the event queue ran dry");
      this.now = next.time;
      if (this.now > this.end) {
        throw new InvariantViolation("convergence", `the healed cluster did not converge within ${(this.end - this.chaosEnd) / tickLength} ticks:\n${this.describeNodes()}`);
      }
      this.stats.events++;
      this.handle(next.event);
      this.checkStep();
      if (this.phase === "done") return;
    }
  }

  private handle(event: SimEvent): void {
    const target = targetOf(event);
    const paused = target === undefined ? undefined : this.nodes.get(target);
    if (paused !== undefined && paused.pausedUntil > this.now && event.kind !== "tick" && event.kind !== "restart") {
      // A paused process reads its socket when it wakes up.
      this.queue.push(paused.pausedUntil + this.random.int(3), event);
      return;
    }
    switch (event.kind) {
      case "tick": {
        const node = this.nodes.get(event.node)!;
        if (node.raw !== undefined && node.pausedUntil <= this.now) {
          node.raw.tick();
          this.drive(node);
        }
        this.queue.push(this.now + node.tickPeriod, event);
        return;
      }
      case "chaos":
        this.chaos();
        this.queue.push(this.now + tickLength, event);
        return;
      case "deliver":
        return this.deliver(event.message);
      case "report-snapshot": {
        const node = this.nodes.get(event.node)!;
        if (node.raw === undefined || node.incarnation !== event.incarnation) return;
        this.log(`${node.id} report snapshot to ${event.peer} ${event.status}`);
        node.raw.reportSnapshot(event.peer, event.status);
        return this.drive(node);
      }
      case "report-unreachable": {
        const node = this.nodes.get(event.node)!;
        if (node.raw === undefined || node.incarnation !== event.incarnation) return;
        node.raw.reportUnreachable(event.peer);
        return this.drive(node);
      }
      case "restart": {
        const node = this.nodes.get(event.node)!;
        if (node.raw === undefined) this.start(node);
        return;
      }
      case "client-issue":
        return this.issue(this.clients[event.client - 1]!);
      case "client-timeout": {
        const client = this.clients[event.client - 1]!;
        const operation = client.current;
        if (operation === undefined || operation.seq !== event.seq || operation.attempt !== event.attempt) return;
        return this.retry(client, operation);
      }
      case "client-request":
        return this.serve(event.node, event.request);
      case "client-reply":
        return this.receiveReply(this.clients[event.client - 1]!, event.from, event.reply);
    }
  }

  /** The invariants that look at every node's current state (the rest are checked as events happen). */
  private checkStep(): void {
    for (const node of this.nodes.values()) {
      const raw = node.raw;
      if (raw === undefined) continue;
      const status = raw.status();
      this.invariants.observeCommit(status.term, status.commit);
      if (status.role !== "leader") continue;
      this.terms.add(status.term);
      this.invariants.checkLeader({
        id: node.id,
        term: status.term,
        firstIndex: status.firstIndex,
        lastIndex: status.lastIndex,
        termAt: (index) => raw.logEntries(index, index + 1)[0]!.term,
      });
    }
  }

  // ─── the driver: one Ready, in the order the contract prescribes ────────────────────────────

  private drive(node: SimNode): void {
    for (let handled = 0; node.raw !== undefined && node.raw.hasReady(); handled++) {
      if (handled > 1000) throw new Error(`${node.id} produced 1000 Readys in a row`);
      this.handleReady(node, node.raw, node.storage!);
    }
  }

  private handleReady(node: SimNode, raw: RawNode, storage: MemoryStorage): void {
    const ready = raw.ready();
    if (ready.hardState !== undefined) node.term = ready.hardState.term;
    this.log(`${node.id} ready${describeReady(ready)}`);
    const crashAt = this.phase === "chaos" && this.random.chance(this.profile.crashInReadyRate) ? this.random.pick(crashPointsInReady) : undefined;
    if (crashAt !== undefined) this.stats.crashesInReady++;
    if (crashAt === "before-persist") return this.crash(node, crashAt);

    // 1. Persist: snapshot, entries, hard state — to the page cache now, to disk on fsync.
    if (ready.snapshot !== undefined) {
      const refused = storage.applySnapshot(ready.snapshot);
      if (refused !== undefined) throw new Error(`${node.id}: storage refused the Ready's snapshot at ${ready.snapshot.metadata.index}: ${refused}`);
      node.unsynced.push({ kind: "snapshot", snapshot: ready.snapshot });
    }
    if (ready.entries.length > 0) {
      storage.append(ready.entries);
      for (const entry of ready.entries) node.unsynced.push({ kind: "entry", entry });
    }
    if (ready.hardState !== undefined) {
      storage.setHardState(ready.hardState);
      node.unsynced.push({ kind: "hard-state", hardState: ready.hardState });
    }
    if (crashAt === "before-fsync") return this.crash(node, crashAt);
    if (ready.mustSync && this.bug !== "skip-fsync") this.fsync(node);
    if (crashAt === "before-send") return this.crash(node, crashAt);

    // 2. Send.
    for (const message of ready.messages) this.send(node, message);
    if (crashAt === "before-apply") return this.crash(node, crashAt);

    // 3. Apply: the snapshot, then the committed entries; then answer reads.
    if (ready.snapshot !== undefined) this.restoreSnapshot(node, ready.snapshot);
    const crashAfter = crashAt === "mid-apply" ? this.random.int(ready.committedEntries.length + 1) : -1;
    for (const [at, entry] of ready.committedEntries.entries()) {
      if (at === crashAfter) return this.crash(node, crashAt!);
      this.apply(node, raw, entry);
    }
    for (const state of ready.readStates) {
      const read = node.pendingReads.get(decoder.decode(state.context));
      if (read !== undefined) read.index = state.index;
    }
    this.answerReads(node);
    if (crashAt === "before-advance" || crashAt === "mid-apply") return this.crash(node, crashAt);

    // 4. Advance.
    raw.advance();
    this.maybeSnapshot(node, storage);
  }

  private fsync(node: SimNode): void {
    for (const write of node.unsynced) this.writeToDisk(node, write);
    node.unsynced = [];
  }

  private writeToDisk(node: SimNode, write: DiskWrite): void {
    if (this.bug === "corrupt-disk" && write.kind === "entry" && write.entry.type === "normal" && write.entry.data.length > 0 && this.random.chance(0.02)) {
      // One bit of the written value (the last digit or ";" before the closing `"]`).
      const data = Uint8Array.from(write.entry.data);
      const at = data.length - 3;
      data[at] = data[at]! ^ 1;
      write = { kind: "entry", entry: { ...write.entry, data } };
      this.log(`${node.id} BUG: entry ${write.entry.index} corrupted on disk`);
    }
    node.disk.write(write);
    if (write.kind === "entry") {
      const entry = write.entry;
      const previousTerm = node.disk.term(entry.index - 1);
      if (previousTerm === undefined) throw new Error(`${node.id}: no term for ${entry.index - 1} on disk after writing ${entry.index}`);
      this.invariants.entryOnDisk(node.id, entry, cachedKey(entry), previousTerm);
    }
  }

  private restoreSnapshot(node: SimNode, snapshot: Snapshot): void {
    node.machine = KvStateMachine.fromSnapshotData(snapshot.data);
    node.confState = snapshot.metadata.confState;
    this.stats.snapshotsRestored++;
    this.log(`${node.id} restored snapshot ${snapshot.metadata.index}/${snapshot.metadata.term} ${confStateKey(snapshot.metadata.confState)}`);
    this.invariants.snapshotRestored(node.id, snapshot.metadata.index, node.machine.chain, node.machine.serialize());
    if (node.machine.index !== snapshot.metadata.index) throw new Error(`${node.id}: snapshot ${snapshot.metadata.index} holds state at ${node.machine.index}`);
  }

  private apply(node: SimNode, raw: RawNode, entry: Entry): void {
    const machine = node.machine;
    if (entry.index !== machine.index + 1) {
      throw new InvariantViolation("state-machine-safety", `${node.id} was handed entry ${entry.index} to apply after applying ${machine.index}`);
    }
    const key = cachedKey(entry);
    const result = machine.apply(entry, key);
    this.invariants.applied(node.id, node.term, entry, key, machine.chain);
    if (entry.type === "conf-change") {
      const change = decodeConfChange(entry.data);
      node.confState = raw.applyConfChange(change);
      this.stats.confChangesApplied++;
      this.countMembershipChange(entry.index, change);
      this.log(`${node.id} applied ${describeConfChange(change)} at ${entry.index}: ${confStateKey(node.confState)}`);
      return;
    }
    if (result === undefined) return;
    const { command, effective } = result;
    const id = `${command.client}:${command.seq}`;
    if (effective) this.invariants.writeTookEffect(id, entry.index);
    const client = node.pendingWrites.get(id);
    if (client !== undefined && machine.lastSeq(command.client) >= command.seq) {
      node.pendingWrites.delete(id);
      this.reply(node, client, { seq: command.seq, kind: "ok", output: undefined });
    }
  }

  private countMembershipChange(index: number, change: ConfChange): void {
    if (this.countedChanges.has(index)) return;
    this.countedChanges.add(index);
    if (change.type === "remove-node") {
      this.stats.removals++;
      this.removed.add(change.nodeId);
      return;
    }
    if (change.type === "add-voter") this.stats.promotions++;
    else this.stats.learnersAdded++;
    if (this.removed.delete(change.nodeId)) this.stats.readds++;
  }

  private answerReads(node: SimNode): void {
    for (const [context, read] of node.pendingReads) {
      if (read.index === undefined || read.index > node.machine.index) continue;
      node.pendingReads.delete(context);
      this.reply(node, read.client, { seq: read.seq, kind: "ok", output: node.machine.get(read.key) });
    }
  }

  /** The application's snapshot and log compaction, every so many applied entries. */
  private maybeSnapshot(node: SimNode, storage: MemoryStorage): void {
    const machine = node.machine;
    const snapshotIndex = storage.snapshot().metadata.index;
    if (machine.index - snapshotIndex < this.profile.snapshotEvery) return;
    // Saving a snapshot is a durability barrier (its record follows every earlier write, and is
    // fsynced), so the disk's commit index covers it.
    this.fsync(node);
    const snapshot = storage.createSnapshot(machine.index, node.confState, machine.snapshotData());
    if (typeof snapshot === "string") throw new Error(`${node.id}: snapshot at ${machine.index}: ${snapshot}`);
    const compactTo = Math.max(machine.index - this.profile.keepEntries, storage.firstIndex() - 1);
    if (compactTo >= storage.firstIndex()) storage.compact(compactTo);
    node.disk.saveSnapshot(snapshot, compactTo);
    this.invariants.snapshotTaken(node.id, machine.index, machine.chain, machine.serialize());
    this.stats.snapshotsTaken++;
    this.log(`${node.id} snapshot at ${machine.index}, log from ${storage.firstIndex()}`);
  }

  // ─── crashes and restarts ────────────────────────────────────────────────────────────────────

  private crash(node: SimNode, point: CrashPoint): void {
    // Writes land in order; a crash keeps some prefix of those not yet fsynced (or none).
    const surviving = this.profile.tornWrites ? this.random.int(node.unsynced.length + 1) : 0;
    for (const write of node.unsynced.slice(0, surviving)) this.writeToDisk(node, write);
    this.log(`${node.id} CRASH ${point} (${surviving} of ${node.unsynced.length} unsynced writes survive) ${node.disk.describe()}`);
    node.unsynced = [];
    node.raw = undefined;
    node.storage = undefined;
    node.pausedUntil = 0;
    node.pendingReads.clear();
    node.pendingWrites.clear();
    this.stats.crashes++;
    const downFor = this.phase === "chaos" ? this.random.between(1, this.profile.maxDownTicks) : 1;
    this.queue.push(this.now + downFor * tickLength, { kind: "restart", node: node.id });
  }

  /** (Re)starts a node from its disk alone: storage, state machine from the snapshot, a fresh RawNode. */
  private start(node: SimNode): void {
    if (this.bug === "lose-synced-entries" && node.incarnation > 0) {
      const lost = node.disk.loseTail(this.random.between(1, 3));
      if (lost > 0) this.log(`${node.id} BUG: the disk lost ${lost} fsynced entries`);
    }
    let hardState = node.disk.hardState;
    if (this.bug === "forget-vote-on-restart" && node.incarnation > 0) hardState = { ...hardState, vote: undefined };
    this.invariants.restarted(node.id, hardState);
    const storage = node.disk.toStorage(hardState);
    const snapshot = node.disk.snapshot;
    node.storage = storage;
    node.machine = KvStateMachine.fromSnapshotData(snapshot.data);
    node.confState = snapshot.metadata.confState;
    node.term = hardState.term;
    node.incarnation++;
    const random = this.random.fork();
    node.raw = new RawNode({
      id: node.id,
      storage,
      applied: snapshot.metadata.index,
      electionTimeoutTicks: this.raftOptions.electionTimeoutTicks,
      heartbeatIntervalTicks: this.raftOptions.heartbeatIntervalTicks,
      checkQuorum: this.raftOptions.checkQuorum,
      preVote: this.raftOptions.preVote,
      maxInflightMessages: this.raftOptions.maxInflightMessages,
      maxMessageBytes: this.raftOptions.maxMessageBytes,
      randomInt: (bound) => random.int(bound),
    });
    if (node.incarnation > 1) this.log(`${node.id} RESTART #${node.incarnation - 1} from ${node.disk.describe()}`);
    this.drive(node);
  }

  // ─── the network ─────────────────────────────────────────────────────────────────────────────

  private delay(): number {
    let delay = this.random.between(1, this.profile.maxDelay);
    if (this.phase === "chaos" && this.random.chance(this.profile.slowRate)) delay += this.random.between(1, this.profile.slowDelay);
    return delay;
  }

  private lost(): boolean {
    return this.random.chance(this.phase === "chaos" ? this.profile.lossRate : 0);
  }

  private send(node: SimNode, message: Message): void {
    this.invariants.sent(node.id, message, node.disk.hardState);
    this.stats.messagesSent++;
    if (this.lost()) {
      this.stats.messagesLost++;
      this.log(`lost ${describeMessage(message)}`);
      if (message.type === "MsgSnap") this.reportSnapshot(message, "failed");
      return;
    }
    this.queue.push(this.now + this.delay(), { kind: "deliver", message });
    if (this.phase === "chaos" && this.random.chance(this.profile.duplicateRate)) {
      this.stats.messagesDuplicated++;
      this.queue.push(this.now + this.delay(), { kind: "deliver", message });
    }
  }

  private deliver(message: Message): void {
    const node = this.nodes.get(message.to);
    if (this.cuts.has(`${message.from}>${message.to}`)) {
      this.log(`cut ${describeMessage(message)}`);
      if (message.type === "MsgSnap") this.reportSnapshot(message, "failed");
      else if (message.type === "MsgApp" && this.random.chance(0.5)) {
        const sender = this.nodes.get(message.from)!;
        this.queue.push(this.now + 1, { kind: "report-unreachable", node: sender.id, incarnation: sender.incarnation, peer: message.to });
      }
      return;
    }
    if (node === undefined || node.raw === undefined) {
      this.log(`down ${describeMessage(message)}`);
      if (message.type === "MsgSnap") this.reportSnapshot(message, "failed");
      return;
    }
    this.log(`recv ${describeMessage(message)}`);
    const refusal = node.raw.step(message);
    if (refusal !== undefined) this.log(`${node.id} refused ${message.type}: ${refusal}`);
    if (message.type === "MsgSnap") this.reportSnapshot(message, "delivered");
    this.drive(node);
  }

  /** The transport tells the leader what became of a snapshot it sent (a tick later). */
  private reportSnapshot(message: Message, status: "delivered" | "failed"): void {
    const sender = this.nodes.get(message.from)!;
    this.queue.push(this.now + tickLength, { kind: "report-snapshot", node: sender.id, incarnation: sender.incarnation, peer: message.to, status });
  }

  // ─── faults and operators ────────────────────────────────────────────────────────────────────

  private chaos(): void {
    if (this.phase === "converge") {
      if (this.converged()) this.phase = "done";
      return;
    }
    const random = this.random;
    const profile = this.profile;
    if (random.chance(profile.crashRate)) {
      const up = this.ids.filter((id) => this.nodes.get(id)!.up);
      if (up.length > 0 && this.ids.length - up.length < profile.maxDown) this.crash(this.nodes.get(random.pick(up))!, "idle");
    }
    if (random.chance(profile.partitionRate)) this.repartition();
    if (random.chance(profile.pauseRate)) {
      const node = this.nodes.get(random.pick(this.ids))!;
      node.pausedUntil = Math.max(node.pausedUntil, this.now + random.between(1, profile.maxPauseTicks) * tickLength);
      this.stats.pauses++;
      this.log(`${node.id} PAUSE until ${(node.pausedUntil / tickLength).toFixed(1)}`);
    }
    if (random.chance(profile.confChangeRate)) this.changeMembership();
    if (random.chance(profile.transferRate)) this.transferLeadership();
    for (const id of this.ids) {
      const node = this.nodes.get(id)!;
      if (node.up && node.unsynced.length > 0 && random.chance(profile.flushRate)) this.fsync(node);
    }
    if (this.now >= this.chaosEnd) this.heal();
  }

  private repartition(): void {
    const random = this.random;
    const ids = this.ids;
    this.cuts.clear();
    this.stats.partitions++;
    if (random.chance(0.25)) {
      this.log("partition healed");
      return;
    }
    const kind = random.int(3);
    if (kind === 0) {
      // Two sides.
      const side = new Map(ids.map((id) => [id, random.chance(0.5)]));
      for (const a of ids) for (const b of ids) if (side.get(a) !== side.get(b)) this.cuts.add(`${a}>${b}`);
    } else if (kind === 1) {
      const isolated = random.pick(ids);
      for (const other of ids) {
        if (other === isolated) continue;
        this.cuts.add(`${isolated}>${other}`);
        this.cuts.add(`${other}>${isolated}`);
      }
    } else {
      // Links cut one way or both, at random: partial and asymmetric partitions.
      for (const a of ids) for (const b of ids) if (a !== b && random.chance(0.3)) this.cuts.add(`${a}>${b}`);
    }
    this.log(`partition [${[...this.cuts].sort().join(" ")}]`);
  }

  /** The node that leads at the highest term, among those up. */
  private leader(): SimNode | undefined {
    let best: SimNode | undefined;
    let bestTerm = -1;
    for (const id of this.ids) {
      const node = this.nodes.get(id)!;
      const status = node.raw?.status();
      if (status?.role === "leader" && status.term > bestTerm) {
        best = node;
        bestTerm = status.term;
      }
    }
    return best;
  }

  /** An operator adds a learner, promotes one, or removes a member (any of them, even re-adding a removed node). */
  private changeMembership(): void {
    const leader = this.leader();
    if (leader === undefined) return;
    const { voters, learners } = leader.raw!.status().config;
    const members = new Set([...voters, ...learners]);
    const options: ConfChange[] = [];
    const none = new Uint8Array(0);
    for (const id of this.ids) if (!members.has(id)) options.push({ type: "add-learner", nodeId: id, context: none });
    for (const id of learners) options.push({ type: "add-voter", nodeId: id, context: none }, { type: "remove-node", nodeId: id, context: none });
    if (voters.length > (this.nodeCount === 3 ? 2 : 3)) for (const id of voters) options.push({ type: "remove-node", nodeId: id, context: none });
    if (options.length === 0) return;
    const change = this.random.pick(options);
    const refusal = leader.raw!.proposeConfChange(change);
    this.log(`${leader.id} propose conf change ${describeConfChange(change)}${refusal === undefined ? "" : ` refused: ${refusal}`}`);
    this.drive(leader);
  }

  private transferLeadership(): void {
    const up = this.ids.filter((id) => this.nodes.get(id)!.up);
    if (up.length === 0) return;
    const node = this.nodes.get(this.random.pick(up))!;
    const voters = node.raw!.status().config.voters;
    if (voters.length === 0) return;
    const transferee = this.random.pick(voters);
    this.stats.transfers++;
    const refusal = node.raw!.transferLeadership(transferee);
    this.log(`${node.id} transfer leadership to ${transferee}${refusal === undefined ? "" : ` refused: ${refusal}`}`);
    this.drive(node);
  }

  /**
   * The end of the faults: partitions heal, crashed nodes restart, pauses end, clocks run at the
   * same rate again, the network turns reliable. (Skewed clocks must stop too: without pre-vote,
   * a stale node whose clock runs fast can keep resetting the election timers of the one voter
   * able to win, forever — seed 6809, with clocks at 7 and 13 units per tick.)
   */
  private heal(): void {
    this.phase = "converge";
    this.cuts.clear();
    this.log("HEAL: faults stop, every node restarts, clients finish their operations");
    for (const id of this.ids) {
      const node = this.nodes.get(id)!;
      if (!node.up) this.queue.push(this.now + 1, { kind: "restart", node: id });
      node.pausedUntil = Math.min(node.pausedUntil, this.now);
      node.tickPeriod = tickLength;
    }
  }

  /**
   * Converged: a leader whose log is all committed, every member up and applied to its end with
   * the leader's chain, and no client waiting.
   */
  private converged(): boolean {
    if (this.clients.some((client) => client.current !== undefined)) return false;
    const leader = this.leader();
    if (leader === undefined) return false;
    const status = leader.raw!.status();
    if (status.commit !== status.lastIndex || leader.machine.index !== status.commit) return false;
    for (const id of [...status.config.voters, ...status.config.learners]) {
      const node = this.nodes.get(id)!;
      if (!node.up || node.machine.index !== status.commit || node.machine.chain !== leader.machine.chain) return false;
    }
    return true;
  }

  // ─── the final checks ────────────────────────────────────────────────────────────────────────

  private finalChecks(): void {
    this.stats.convergedAtTick = Math.floor(this.now / tickLength);
    const leader = this.leader()!;
    const status = leader.raw!.status();
    const members = [...status.config.voters, ...status.config.learners];
    const state = leader.machine.serialize();
    this.stats.finalIndex = leader.machine.index;
    this.log(`converged: ${leader.id} leads term ${status.term} at index ${status.commit}, members ${members.join(",")}`);
    for (const id of members) {
      const node = this.nodes.get(id)!;
      if (node.machine.serialize() !== state) throw new InvariantViolation("convergence", `${id}'s state differs from the leader ${leader.id}'s at index ${status.commit}`);
    }
    if (this.invariants.chainAt(leader.machine.index) !== leader.machine.chain) {
      throw new InvariantViolation(
        "state-machine-safety",
        `the final applied sequence (chain ${leader.machine.chain}) differs from the one recorded at index ${leader.machine.index}`,
      );
    }
    // Every acknowledged write is in the final sequence: it took effect at an index the cluster
    // applied, and the sessions say so.
    for (const id of this.invariants.acknowledged) {
      const at = this.invariants.effectiveAt.get(id);
      const [client, seq] = id.split(":").map(Number) as [number, number];
      if (at === undefined || at > leader.machine.index || leader.machine.lastSeq(client) < seq) {
        throw new InvariantViolation(
          "acknowledged-write-lost",
          `write ${id} was acknowledged to its client but is not in the final applied sequence (${at === undefined ? "never applied" : `applied at ${at}`})`,
        );
      }
    }
    this.settleAbandoned();
    const operations = this.history.operations();
    const result = checkOperations(kvStore, operations, { timeoutMs: this.lincheckTimeoutMs });
    this.stats.lincheck = result.verdict;
    if (result.verdict === "not-linearizable") throw new InvariantViolation("linearizability", describeResult(kvStore, result));
  }

  /**
   * A write its client gave up on may or may not have taken effect — the client cannot tell, so
   * its outcome is unknown. The simulator can: one that took effect stays unknown (where it
   * happened is for the checker to find); one that did not had no effect anyone could observe in
   * this run (and never will: the session skips a sequence number its client has passed), so it
   * is left out, exactly as a refused write is. Without this the checker would try every placement of every abandoned
   * append, which grows factorially.
   */
  private settleAbandoned(): void {
    for (const { id, pending } of this.abandoned) {
      if (this.invariants.effectiveAt.has(id)) {
        pending.unknown();
        this.stats.unknownWrites++;
      } else {
        pending.fail();
        this.stats.abandonedWrites++;
      }
    }
  }

  // ─── clients ─────────────────────────────────────────────────────────────────────────────────

  private issue(client: Client): void {
    if (this.phase !== "chaos" || client.current !== undefined) return;
    const random = client.random;
    const key = random.pick(this.workload.keys);
    const seq = client.nextSeq++;
    const roll = random.int(10);
    const input: KvInput = roll < 4 ? { f: "get", key } : roll < 7 ? { f: "put", key, value: `${client.id}.${seq}` } : { f: "append", key, value: `${client.id}.${seq};` };
    this.stats.operations++;
    client.current = { seq, input, pending: this.history.invoke(client.id, input), attempt: 0, hint: undefined };
    this.log(`client ${client.id} invokes #${seq} ${describeInput(input)}`);
    this.sendRequest(client, client.current);
  }

  private sendRequest(client: Client, operation: Operation): void {
    operation.attempt++;
    const request: ClientRequest = { client: client.id, seq: operation.seq, attempt: operation.attempt, input: operation.input };
    if (!this.lost()) this.queue.push(this.now + this.delay(), { kind: "client-request", node: client.target, request });
    this.queue.push(this.now + this.workload.requestTimeoutTicks * tickLength, { kind: "client-timeout", client: client.id, seq: operation.seq, attempt: operation.attempt });
  }

  /** A timeout or a refusal: try again (at the leader named, or another node), or give up. */
  private retry(client: Client, operation: Operation): void {
    if (this.phase === "chaos" && operation.attempt >= this.workload.maxAttempts) {
      // A write may still take effect (a proposal in flight, a request not yet delivered): its
      // outcome is unknown. A read changes nothing, so dropping it from the history is exact.
      if (operation.input.f === "get") operation.pending.fail();
      else this.abandoned.push({ id: `${client.id}:${operation.seq}`, pending: operation.pending });
      this.log(`client ${client.id} gives up #${operation.seq}`);
      this.finish(client);
      return;
    }
    const others = this.ids.filter((id) => id !== client.target);
    client.target = operation.hint !== undefined && operation.hint !== client.target ? operation.hint : client.random.pick(others);
    operation.hint = undefined;
    this.sendRequest(client, operation);
  }

  private finish(client: Client): void {
    client.current = undefined;
    this.queue.push(this.now + 1 + client.random.int(this.workload.thinkTicks * tickLength + 1), { kind: "client-issue", client: client.id });
  }

  private receiveReply(client: Client, from: NodeId, reply: ClientReply): void {
    const operation = client.current;
    if (operation === undefined || operation.seq !== reply.seq) return;
    if (reply.kind === "refused") {
      operation.hint = reply.lead;
      // Back off a little, then retry (the timeout of this attempt is then stale).
      this.queue.push(this.now + client.random.between(1, 2 * tickLength), { kind: "client-timeout", client: client.id, seq: operation.seq, attempt: operation.attempt });
      return;
    }
    operation.pending.ok(reply.output);
    if (operation.input.f === "get") {
      this.stats.reads++;
    } else {
      this.stats.acknowledgedWrites++;
      this.invariants.acknowledged.add(`${client.id}:${operation.seq}`);
    }
    this.log(`client ${client.id} #${operation.seq} ok from ${from}${reply.output === undefined ? "" : ` ${JSON.stringify(reply.output)}`}`);
    client.target = from;
    this.finish(client);
  }

  /** A node handles a client's request: a read through ReadIndex, a write through a proposal. */
  private serve(id: NodeId, request: ClientRequest): void {
    const node = this.nodes.get(id)!;
    const raw = node.raw;
    if (raw === undefined) return;
    const input = request.input;
    if (input.f === "get") {
      if (this.bug === "stale-reads") return this.reply(node, request.client, { seq: request.seq, kind: "ok", output: node.machine.get(input.key) });
      const context = `${node.id}.${node.incarnation}.${++this.readCounter}`;
      const refusal = raw.readIndex(encoder.encode(context));
      if (refusal !== undefined) return this.reply(node, request.client, { seq: request.seq, kind: "refused", lead: raw.status().lead });
      node.pendingReads.set(context, { client: request.client, seq: request.seq, key: input.key, index: undefined });
    } else {
      // Already applied here (an earlier attempt took effect): nothing to propose.
      if (node.machine.lastSeq(request.client) >= request.seq) return this.reply(node, request.client, { seq: request.seq, kind: "ok", output: undefined });
      const refusal = raw.propose(encodeCommand({ client: request.client, seq: request.seq, f: input.f, key: input.key, value: input.value }));
      if (refusal !== undefined) return this.reply(node, request.client, { seq: request.seq, kind: "refused", lead: raw.status().lead });
      node.pendingWrites.set(`${request.client}:${request.seq}`, request.client);
      if (this.bug === "ack-on-propose" && raw.status().role === "leader") this.reply(node, request.client, { seq: request.seq, kind: "ok", output: undefined });
    }
    this.drive(node);
  }

  private reply(node: SimNode, client: number, reply: ClientReply): void {
    if (this.lost()) return;
    this.queue.push(this.now + this.delay(), { kind: "client-reply", client, from: node.id, reply });
  }

  private describeNodes(): string {
    return this.ids
      .map((id) => {
        const node = this.nodes.get(id)!;
        const status = node.raw?.status();
        if (status === undefined) return `  ${id}: down ${node.disk.describe()}`;
        return `  ${id}: ${status.role} term ${status.term} lead ${status.lead ?? "-"} commit ${status.commit} applied ${node.machine.index} log ${status.firstIndex}..${status.lastIndex} ${confStateKey(status.config)}`;
      })
      .join("\n");
  }
}

/** The node an event happens at, if any. */
function targetOf(event: SimEvent): NodeId | undefined {
  switch (event.kind) {
    case "tick":
    case "restart":
    case "report-snapshot":
    case "report-unreachable":
    case "client-request":
      return event.node;
    case "deliver":
      return event.message.to;
    default:
      return undefined;
  }
}

// ─── descriptions ──────────────────────────────────────────────────────────────────────────────

const keys = new WeakMap<Entry, string>();

/** `entryKey`, once per entry object (entries are shared by messages, Readys and disks). */
function cachedKey(entry: Entry): string {
  let key = keys.get(entry);
  if (key === undefined) {
    key = entryKey(entry);
    keys.set(entry, key);
  }
  return key;
}

function describeInput(input: KvInput): string {
  return input.f === "get" ? `get(${input.key})` : `${input.f}(${input.key}, ${input.value})`;
}

function describeEntries(entries: readonly Entry[]): string {
  if (entries.length === 0) return "";
  const first = entries[0]!;
  const last = entries[entries.length - 1]!;
  return first === last ? ` [${first.term}/${first.index}]` : ` [${first.term}/${first.index}..${last.term}/${last.index}]`;
}

/** A message in a few characters: `1->2 MsgApp t3 log 2/7 commit 7 [3/8..3/9]`. */
function describeMessage(m: Message): string {
  const head = `${m.from}->${m.to} ${m.type} t${m.term}`;
  switch (m.type) {
    case "MsgApp":
      return `${head} log ${m.logTerm}/${m.index} commit ${m.commit}${describeEntries(m.entries)}`;
    case "MsgAppResp":
      return `${head} ${m.index}${m.reject ? ` rejected hint ${m.rejectHint}/${m.logTerm}` : ""}`;
    case "MsgVote":
    case "MsgPreVote":
      return `${head} log ${m.logTerm}/${m.index}${m.transfer ? " transfer" : ""}`;
    case "MsgVoteResp":
    case "MsgPreVoteResp":
      return `${head}${m.reject ? " rejected" : " granted"}`;
    case "MsgSnap":
      return `${head} snap ${m.snapshot.metadata.term}/${m.snapshot.metadata.index} ${confStateKey(m.snapshot.metadata.confState)}`;
    case "MsgHeartbeat":
      return `${head} commit ${m.commit}${m.context.length > 0 ? ` ctx ${decoder.decode(m.context)}` : ""}`;
    case "MsgHeartbeatResp":
      return `${head}${m.context.length > 0 ? ` ctx ${decoder.decode(m.context)}` : ""}`;
    case "MsgProp":
      return `${head}${describeEntries(m.entries)}`;
    case "MsgReadIndex":
      return `${head} ctx ${decoder.decode(m.context)}`;
    case "MsgReadIndexResp":
      return `${head} index ${m.index} ctx ${decoder.decode(m.context)}`;
    case "MsgTransferLeader":
      return `${head} to ${m.transferee}`;
    case "MsgTimeoutNow":
      return head;
  }
}

function describeReady(ready: Ready): string {
  let text = "";
  if (ready.softState !== undefined) text += ` ${ready.softState.role} lead ${ready.softState.lead ?? "-"}`;
  if (ready.hardState !== undefined) text += ` hs ${ready.hardState.term}/${ready.hardState.vote ?? "-"}/${ready.hardState.commit}`;
  if (ready.snapshot !== undefined) text += ` snap ${ready.snapshot.metadata.term}/${ready.snapshot.metadata.index}`;
  if (ready.entries.length > 0) text += ` append${describeEntries(ready.entries)}`;
  if (ready.committedEntries.length > 0) text += ` apply${describeEntries(ready.committedEntries)}`;
  if (ready.messages.length > 0) text += ` send ${ready.messages.length}`;
  if (ready.readStates.length > 0) text += ` reads ${ready.readStates.map((state) => state.index).join(",")}`;
  if (ready.mustSync) text += " sync";
  return text;
}
