// A small seeded chaos run over the core: five nodes, a network that drops, duplicates and
// reorders, partitions, crashes (losing a Ready not yet persisted) and restarts, proposals,
// reads, membership changes, compaction and leadership transfers — with Raft's safety properties
// checked after every step, and a liveness check once the chaos stops. The real simulator lives
// elsewhere; this one guards the core's own invariants. A failure names its seed.
import { describe, expect, it } from "vitest";
import {
  MemoryStorage,
  RawNode,
  decodeConfChange,
  seededRandom,
  type ConfChange,
  type ConfState,
  type Message,
  type NodeId,
  type RandomInt,
} from "@coal/runtime/raft";

const ids: NodeId[] = ["1", "2", "3", "4", "5"];
const text = new TextEncoder();

interface SimNode {
  id: NodeId;
  storage: MemoryStorage;
  raw: RawNode;
  /** The configuration after each applied conf change (and the snapshot's), for snapshots. */
  confs: { index: number; confState: ConfState }[];
  lastTerm: number;
  lastCommit: number;
}

class Chaos {
  readonly random: RandomInt;
  readonly nodes = new Map<NodeId, SimNode>();
  network: Message[] = [];
  cut = new Set<string>();
  /** index → "term:type:data" of every entry any node applied. */
  readonly applied = new Map<number, string>();
  readonly leaders = new Map<number, NodeId>();
  /** read context → the commit index the read must not return below. */
  readonly reads = new Map<string, number>();
  readsServed = 0;
  private counter = 0;

  constructor(
    readonly seed: number,
    readonly options: { preVote: boolean; checkQuorum: boolean },
  ) {
    this.random = seededRandom(seed);
    const initial: ConfState = { voters: ["1", "2", "3"], learners: [] };
    for (const id of ids) {
      const storage = new MemoryStorage(["1", "2", "3"].includes(id) ? { bootstrap: initial } : {});
      this.nodes.set(id, this.start(id, storage));
    }
  }

  private start(id: NodeId, storage: MemoryStorage): SimNode {
    const snapshot = storage.snapshot();
    const raw = new RawNode({
      id,
      storage,
      applied: snapshot.metadata.index,
      electionTimeoutTicks: 10,
      heartbeatIntervalTicks: 2,
      randomInt: seededRandom(this.seed * 31 + Number(id) * 7 + this.counter++),
      preVote: this.options.preVote,
      checkQuorum: this.options.checkQuorum,
      maxInflightMessages: 4,
      maxMessageBytes: 200,
    });
    const status = raw.status();
    return { id, storage, raw, confs: [{ index: snapshot.metadata.index, confState: snapshot.metadata.confState }], lastTerm: status.term, lastCommit: status.commit };
  }

  private pick<T>(items: readonly T[]): T | undefined {
    return items.length === 0 ? undefined : items[this.random(items.length)];
  }

  private chance(percent: number): boolean {
    return this.random(1000) < percent * 10;
  }

  private key(a: NodeId, b: NodeId): string {
    return a < b ? `${a}|${b}` : `${b}|${a}`;
  }

  private globalCommit(): number {
    let max = 0;
    for (const node of this.nodes.values()) max = Math.max(max, node.raw.status().commit);
    return max;
  }

  step(chaos: boolean): void {
    const roll = this.random(1000);
    const node = this.pick([...this.nodes.values()])!;
    if (roll < 450) {
      node.raw.tick();
    } else if (roll < 750) {
      this.deliver(this.random(Math.max(1, this.network.length)));
    } else if (roll < 800 && chaos) {
      this.drop(this.random(Math.max(1, this.network.length)));
    } else if (roll < 830 && chaos) {
      const m = this.pick(this.network);
      if (m !== undefined) this.network.push(m);
    } else if (roll < 900) {
      node.raw.propose(text.encode(`v${this.counter++}`));
    } else if (roll < 920) {
      const context = `r${this.counter++}`;
      if (node.raw.readIndex(text.encode(context)) === undefined) this.reads.set(context, this.globalCommit());
    } else if (roll < 935 && chaos) {
      this.cut.clear();
      if (this.random(2) === 0) {
        const side = ids.filter(() => this.random(2) === 0);
        for (const a of side) for (const b of ids) if (!side.includes(b)) this.cut.add(this.key(a, b));
      }
    } else if (roll < 945 && chaos) {
      this.restart(node);
    } else if (roll < 960) {
      const type = this.pick(["add-voter", "add-learner", "remove-node"] as const)!;
      const change: ConfChange = { type, nodeId: this.pick(ids)!, context: new Uint8Array(0) };
      // Voters are removed (or demoted) only from configurations of three or more: going from
      // two voters to one can stall (see confchange.ts), which the liveness check would trip on.
      const voters = node.raw.status().config.voters;
      if (type === "add-voter" || voters.length >= 3 || !voters.includes(change.nodeId)) node.raw.proposeConfChange(change);
    } else if (roll < 975) {
      this.compact(node);
    } else if (roll < 985) {
      node.raw.transferLeadership(this.pick(ids)!);
    }
    for (const each of this.nodes.values()) this.handleReady(each, chaos);
    this.check();
  }

  private deliver(at: number): void {
    const [m] = this.network.splice(at, 1);
    if (m === undefined) return;
    if (this.cut.has(this.key(m.from, m.to))) return this.lost(m);
    this.nodes.get(m.to)?.raw.step(m);
  }

  private drop(at: number): void {
    const [m] = this.network.splice(at, 1);
    if (m !== undefined) this.lost(m);
  }

  /** A lost snapshot is reported, as a driver's transport would on a failed send. */
  private lost(m: Message): void {
    if (m.type === "MsgSnap") this.nodes.get(m.from)?.raw.reportSnapshot(m.to, "failed");
  }

  private restart(node: SimNode): void {
    this.nodes.set(node.id, this.start(node.id, node.storage));
  }

  private compact(node: SimNode): void {
    const applied = node.raw.status().applied;
    if (applied <= node.storage.snapshot().metadata.index) return;
    const conf = [...node.confs].reverse().find((c) => c.index <= applied)!;
    node.storage.createSnapshot(applied, conf.confState, new Uint8Array(0));
    node.storage.compact(applied);
  }

  /** The Ready contract: persist, send, apply, advance — or crash before persisting. */
  private handleReady(node: SimNode, chaos: boolean): void {
    if (!node.raw.hasReady()) return;
    const ready = node.raw.ready();
    if (chaos && this.chance(0.5)) {
      // Crash with this Ready unpersisted: nothing of it was written or sent.
      this.restart(node);
      return;
    }
    if (ready.snapshot !== undefined) node.storage.applySnapshot(ready.snapshot);
    node.storage.append(ready.entries);
    if (ready.hardState !== undefined) node.storage.setHardState(ready.hardState);
    for (const m of ready.messages) {
      if (this.cut.has(this.key(m.from, m.to))) this.lost(m);
      else this.network.push(m);
    }
    if (ready.snapshot !== undefined) node.confs = [{ index: ready.snapshot.metadata.index, confState: ready.snapshot.metadata.confState }];
    for (const entry of ready.committedEntries) {
      const value = `${entry.term}:${entry.type}:${new TextDecoder().decode(entry.data)}`;
      const seen = this.applied.get(entry.index);
      if (seen !== undefined && seen !== value) throw new Error(`seed ${this.seed}: node ${node.id} applied ${value} at ${entry.index}, another node applied ${seen}`);
      this.applied.set(entry.index, value);
      if (entry.type === "conf-change") node.confs.push({ index: entry.index, confState: node.raw.applyConfChange(decodeConfChange(entry.data)) });
    }
    for (const read of ready.readStates) {
      const context = new TextDecoder().decode(read.context);
      const floor = this.reads.get(context);
      if (floor === undefined) continue; // forwarded twice, or answered already
      if (read.index < floor) throw new Error(`seed ${this.seed}: read ${context} served at ${read.index}, below the commit index ${floor} it was asked after`);
      this.reads.delete(context);
      this.readsServed++;
    }
    node.raw.advance();
  }

  private check(): void {
    for (const node of this.nodes.values()) {
      const status = node.raw.status();
      const where = `seed ${this.seed}, node ${node.id}`;
      if (status.term < node.lastTerm) throw new Error(`${where}: term went back from ${node.lastTerm} to ${status.term}`);
      if (status.commit < node.lastCommit) throw new Error(`${where}: commit went back from ${node.lastCommit} to ${status.commit}`);
      node.lastTerm = status.term;
      node.lastCommit = status.commit;
      if (status.role !== "leader") continue;
      const other = this.leaders.get(status.term);
      if (other !== undefined && other !== node.id) throw new Error(`${where}: two leaders in term ${status.term}: ${other} and ${node.id}`);
      this.leaders.set(status.term, node.id);
      // Commitment is first known to a leader: remember the term each index was committed in.
      for (let index = this.maxCommitted + 1; index <= status.commit; index++) this.commitTerms.set(index, status.term);
      this.maxCommitted = Math.max(this.maxCommitted, status.commit);
      // Leader completeness: an entry committed in an earlier term is in this leader's log (where
      // not compacted). A stale leader of a lower term may lack later commitments; that is fine.
      for (const [index, committedIn] of this.commitTerms) {
        if (committedIn >= status.term || index < status.firstIndex) continue;
        if (index > status.lastIndex) throw new Error(`${where}: leader of term ${status.term} lacks index ${index}, committed in term ${committedIn}`);
        const [entry] = node.raw.logEntries(index, index + 1);
        const value = `${entry!.term}:${entry!.type}:${new TextDecoder().decode(entry!.data)}`;
        const seen = this.applied.get(index);
        if (seen !== undefined && seen !== value) throw new Error(`${where}: leader of term ${status.term} holds ${value} at ${index}, but ${seen} was committed in term ${committedIn}`);
      }
    }
  }

  /** The highest index any leader has committed, and the term each index was committed in. */
  private maxCommitted = 0;
  private readonly commitTerms = new Map<number, number>();

  /**
   * Heals the network and runs calmly — every node ticks, then every message in flight is
   * delivered in order — until a proposal commits on every member.
   */
  settle(): void {
    this.cut.clear();
    const marker = `final${this.seed}`;
    for (let round = 0; round < 500; round++) {
      // Members as the leader sees them: a node removed while cut off may never learn it.
      // (the leader of the highest term: a removed node may lead a stale term alone forever)
      const leader = [...this.nodes.values()].filter((n) => n.raw.status().role === "leader").sort((a, b) => b.raw.status().term - a.raw.status().term)[0];
      if (leader !== undefined && round % 20 === 0) leader.raw.propose(text.encode(marker));
      const config = leader?.raw.status().config;
      const members = [...this.nodes.values()].filter((n) => config !== undefined && (config.voters.includes(n.id) || config.learners.includes(n.id)));
      const done = [...this.applied.entries()].find(([, v]) => v.endsWith(`:normal:${marker}`));
      if (done !== undefined && members.length > 0 && members.every((n) => n.raw.status().applied >= done[0])) return;
      for (const node of this.nodes.values()) node.raw.tick();
      for (let burst = 0; burst < 100; burst++) {
        for (const node of this.nodes.values()) this.handleReady(node, false);
        this.check();
        if (this.network.length === 0) break;
        const inFlight = this.network;
        this.network = [];
        for (const m of inFlight) this.nodes.get(m.to)?.raw.step(m);
      }
    }
    const states = [...this.nodes.values()].map((n) => JSON.stringify(n.raw.status(), (_, v) => (v instanceof Map ? Object.fromEntries(v) : v)));
    throw new Error(`seed ${this.seed}: no progress after the chaos stopped:\n${states.join("\n")}`);
  }
}

// A fixed budget here; COAL_RAFT_SEEDS / COAL_RAFT_STEPS / COAL_RAFT_FIRST_SEED run longer.
const seeds = Number(process.env["COAL_RAFT_SEEDS"] ?? 12);
const steps = Number(process.env["COAL_RAFT_STEPS"] ?? 3000);
const firstSeed = Number(process.env["COAL_RAFT_FIRST_SEED"] ?? 1);

describe("raft under chaos (seeded)", () => {
  for (const options of [
    { preVote: true, checkQuorum: true },
    { preVote: false, checkQuorum: false },
    { preVote: true, checkQuorum: false },
  ]) {
    it(`keeps its safety properties and recovers (preVote=${options.preVote}, checkQuorum=${options.checkQuorum})`, () => {
      let served = 0;
      let committed = 0;
      for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
        const chaos = new Chaos(seed, options);
        for (let i = 0; i < steps; i++) chaos.step(true);
        chaos.settle();
        served += chaos.readsServed;
        committed += chaos.applied.size;
      }
      // The run did real work: entries committed and reads answered.
      expect(committed).toBeGreaterThan(seeds * 20);
      expect(served).toBeGreaterThan(seeds);
    });
  }
});
