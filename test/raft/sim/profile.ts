// What a seed's run looks like: how hostile the network, disks and operators are, and how the
// Raft nodes are configured. Each seed draws its own mix, so a thousand seeds cover calm runs,
// lossy ones, partition storms, crash loops and membership churn, and their combinations.
import type { Random } from "./random.js";

/** Time units per Raft tick: messages take a fraction of a tick or several ticks. */
export const tickLength = 10;

export interface FaultProfile {
  /** Probability that a message (or a client request or reply) is lost. */
  readonly lossRate: number;
  readonly duplicateRate: number;
  /** Ordinary delivery takes 1…maxDelay time units. */
  readonly maxDelay: number;
  /** Probability of a long delay (up to `slowDelay` more units): reordering across ticks. */
  readonly slowRate: number;
  readonly slowDelay: number;
  /** Per tick: the chance the partition changes (a new split, or healing). */
  readonly partitionRate: number;
  /** Per tick: the chance an idle node crashes. */
  readonly crashRate: number;
  /** Per Ready: the chance the node crashes while handling it (at a random point). */
  readonly crashInReadyRate: number;
  /** Whether a crash keeps a random prefix of the writes since the last fsync. */
  readonly tornWrites: boolean;
  /** Nodes down at once, at most. */
  readonly maxDown: number;
  readonly maxDownTicks: number;
  /** Per tick: the chance of a membership change, and of a leadership transfer request. */
  readonly confChangeRate: number;
  readonly transferRate: number;
  /** Applied entries between two snapshots of a node, and entries kept before the snapshot. */
  readonly snapshotEvery: number;
  readonly keepEntries: number;
  /** Per tick and node: the chance buffered writes (commit-only hard states) reach the disk. */
  readonly flushRate: number;
  /** Time units a node's tick may be off the nominal `tickLength` (its clock runs fast or slow). */
  readonly clockSkew: number;
  /** Per tick: the chance a node pauses (a stop-the-world pause: no ticks, input waits). */
  readonly pauseRate: number;
  readonly maxPauseTicks: number;
}

export interface RaftOptions {
  readonly electionTimeoutTicks: number;
  readonly heartbeatIntervalTicks: number;
  readonly checkQuorum: boolean;
  readonly preVote: boolean;
  readonly maxInflightMessages: number;
  readonly maxMessageBytes: number;
}

export interface WorkloadOptions {
  readonly clients: number;
  readonly keys: readonly string[];
  /** Ticks a client waits for an answer before trying another node. */
  readonly requestTimeoutTicks: number;
  /** Attempts before a client gives up on an operation (during the faulty phase). */
  readonly maxAttempts: number;
  readonly thinkTicks: number;
}

/** Draws a fault mix: each kind of fault is on in some seeds and off in others. */
export function randomProfile(random: Random, nodes: number): FaultProfile {
  const on = (p: number) => random.chance(p);
  return {
    lossRate: on(0.6) ? random.pick([0.01, 0.05, 0.1, 0.2]) : 0,
    duplicateRate: on(0.4) ? random.pick([0.01, 0.05, 0.1]) : 0,
    maxDelay: random.pick([2, 5, 10, 20]),
    slowRate: on(0.5) ? random.pick([0.01, 0.05, 0.1]) : 0,
    slowDelay: random.pick([2, 10, 30]) * tickLength,
    partitionRate: on(0.6) ? random.pick([0.01, 0.03, 0.08]) : 0,
    crashRate: on(0.6) ? random.pick([0.005, 0.02, 0.05]) : 0,
    crashInReadyRate: on(0.5) ? random.pick([0.002, 0.01, 0.03]) : 0,
    tornWrites: on(0.5),
    maxDown: on(0.2) ? nodes : Math.floor(nodes / 2),
    maxDownTicks: random.pick([3, 10, 30]),
    confChangeRate: on(0.4) ? random.pick([0.01, 0.03, 0.08]) : 0,
    transferRate: on(0.3) ? random.pick([0.01, 0.05]) : 0,
    snapshotEvery: random.pick([3, 5, 10, 30]),
    keepEntries: random.pick([0, 0, 2, 5]),
    flushRate: random.pick([0, 0.1, 0.5]),
    clockSkew: on(0.3) ? random.pick([1, 3]) : 0,
    pauseRate: on(0.2) ? random.pick([0.01, 0.05]) : 0,
    maxPauseTicks: random.pick([5, 20, 40]),
  };
}

export function randomRaftOptions(random: Random): RaftOptions {
  return {
    electionTimeoutTicks: 10,
    heartbeatIntervalTicks: random.pick([1, 2, 3]),
    checkQuorum: random.chance(0.85),
    preVote: random.chance(0.85),
    maxInflightMessages: random.chance(0.3) ? random.pick([1, 2, 4]) : 256,
    maxMessageBytes: random.chance(0.3) ? random.pick([64, 200]) : 1024 * 1024,
  };
}

export function randomWorkload(random: Random, nodes: number): WorkloadOptions {
  return {
    clients: random.between(2, nodes + 1),
    keys: random.pick([["x"], ["x", "y"], ["x", "y", "z"]]),
    requestTimeoutTicks: random.pick([10, 20, 30]),
    maxAttempts: random.pick([2, 4, 8]),
    thinkTicks: random.pick([0, 2, 5]),
  };
}

export function describeProfile(profile: FaultProfile, raft: RaftOptions, workload: WorkloadOptions): string {
  const parts: string[] = [];
  if (profile.lossRate > 0) parts.push(`loss ${profile.lossRate}`);
  if (profile.duplicateRate > 0) parts.push(`dup ${profile.duplicateRate}`);
  parts.push(`delay ≤${profile.maxDelay}`);
  if (profile.slowRate > 0) parts.push(`slow ${profile.slowRate}×≤${profile.slowDelay}`);
  if (profile.partitionRate > 0) parts.push(`partitions ${profile.partitionRate}/tick`);
  if (profile.crashRate > 0) parts.push(`crashes ${profile.crashRate}/tick (≤${profile.maxDown} down, ≤${profile.maxDownTicks} ticks)`);
  if (profile.crashInReadyRate > 0) parts.push(`crashes in Ready ${profile.crashInReadyRate}`);
  if (profile.tornWrites) parts.push("torn writes");
  if (profile.clockSkew > 0) parts.push(`clock skew ±${profile.clockSkew}`);
  if (profile.pauseRate > 0) parts.push(`pauses ${profile.pauseRate}/tick ≤${profile.maxPauseTicks} ticks`);
  if (profile.confChangeRate > 0) parts.push(`conf changes ${profile.confChangeRate}/tick`);
  if (profile.transferRate > 0) parts.push(`transfers ${profile.transferRate}/tick`);
  parts.push(`snapshot every ${profile.snapshotEvery} keep ${profile.keepEntries}`);
  parts.push(`heartbeat ${raft.heartbeatIntervalTicks}`);
  if (!raft.checkQuorum) parts.push("no check-quorum");
  if (!raft.preVote) parts.push("no pre-vote");
  if (raft.maxInflightMessages < 256) parts.push(`inflight ${raft.maxInflightMessages}`);
  if (raft.maxMessageBytes < 1024) parts.push(`msg ${raft.maxMessageBytes}B`);
  parts.push(`${workload.clients} clients on ${workload.keys.length} keys`);
  return parts.join(", ");
}
