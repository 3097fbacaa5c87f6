// The driver's handle on one Raft node: inputs (tick, step, propose, …) change state; `ready()`
// collects what the driver must do about it, in one `Ready`; `advance()` says it was done. This
// is the whole I/O contract between the pure core and the world — see `Ready`.
import { assert } from "./assert.js";
import { encodeConfChange } from "./codec.js";
import type { ProgressState } from "./progress.js";
import { Raft, type RaftConfig } from "./raft.js";
import {
  hardStateEqual,
  payloadBytes,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type ReadState,
  type Refusal,
  type Role,
  type Snapshot,
  type SoftState,
} from "./types.js";

/**
 * Everything a node needs done, handed out by `RawNode.ready()`. Handle it in this order, then
 * call `advance()`:
 *
 * 1. **Persist**, durably (fsync when `mustSync`): `snapshot` (it replaces the log up to its
 *    index), then `entries` (an entry at an index already stored replaces it and every entry
 *    after it), then `hardState`. Term and vote must be on disk before step 2: a message sent on
 *    a vote or term not yet durable could let this node vote twice in one term after a crash.
 * 2. **Send** `messages`. Delivery may fail, reorder or duplicate; the core copes. If a
 *    `MsgSnap` is known to have failed or succeeded, say so with `reportSnapshot`.
 * 3. **Apply**: restore the state machine from `snapshot` if present, then apply
 *    `committedEntries` in order. For each "conf-change" entry call `applyConfChange` with its
 *    decoded change (membership changes take effect then, on every node). Answer `readStates`
 *    once the state machine has applied up to each one's index.
 * 4. **`advance()`**.
 *
 * `softState` is informational (leader and role changed). Nothing in a Ready may be skipped.
 */
export interface Ready {
  /** Present when the leader or role changed since the last Ready. */
  readonly softState: SoftState | undefined;
  /** Present when term, vote or commit changed since the last Ready: persist before sending. */
  readonly hardState: HardState | undefined;
  /** New entries to append to stable storage, before sending. */
  readonly entries: readonly Entry[];
  /** A snapshot from the leader to persist (before sending) and restore (before applying). */
  readonly snapshot: Snapshot | undefined;
  /** Entries committed and not yet applied, in index order. */
  readonly committedEntries: readonly Entry[];
  /** Messages to send once everything above is persisted. */
  readonly messages: readonly Message[];
  /** Linearizable reads confirmed since the last Ready. */
  readonly readStates: readonly ReadState[];
  /** Whether step 1 needs an fsync: new entries, a snapshot, or a changed term or vote. */
  readonly mustSync: boolean;
}

export interface ProgressStatus {
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly isLearner: boolean;
  readonly recentActive: boolean;
  readonly paused: boolean;
  readonly pendingSnapshot: number;
  readonly inflightMessages: number;
}

/** A node's state for invariant checks, metrics and tests. */
export interface Status {
  readonly id: NodeId;
  readonly term: number;
  readonly vote: NodeId | undefined;
  readonly lead: NodeId | undefined;
  readonly role: Role;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly lastTerm: number;
  readonly config: ConfState;
  /** Per member, on the leader only. */
  readonly progress: ReadonlyMap<NodeId, ProgressStatus> | undefined;
  readonly leadTransferee: NodeId | undefined;
}

export type RawNodeConfig = RaftConfig;

export class RawNode {
  private readonly raft: Raft;
  private previousSoftState: SoftState;
  private previousHardState: HardState;
  /** The Ready handed out and not yet advanced. */
  private outstanding: Ready | undefined;

  constructor(config: RawNodeConfig) {
    this.raft = new Raft(config);
    this.previousSoftState = this.raft.softState();
    this.previousHardState = this.raft.hardState();
  }

  get id(): NodeId {
    return this.raft.id;
  }

  /** Advances logical time by one tick. */
  tick(): void {
    this.raft.tick();
  }

  /** Campaigns for leadership now (with a pre-vote first when enabled). */
  campaign(): void {
    this.raft.campaign();
  }

  /**
   * Proposes `data` for the log. On a follower the proposal is forwarded to the leader, which may
   * still drop it: acceptance here is no promise of commitment — watch the committed entries.
   */
  propose(data: Uint8Array): Refusal | undefined {
    return this.raft.propose([{ term: 0, index: 0, type: "normal", data }]);
  }

  /** Proposes a membership change; only one may be in flight (see confchange.ts). */
  proposeConfChange(change: ConfChange): Refusal | undefined {
    return this.raft.propose([{ term: 0, index: 0, type: "conf-change", data: encodeConfChange(change) }]);
  }

  /**
   * Applies a committed conf-change entry's change; call it while applying that entry. Returns
   * the configuration now in force, to store with the next snapshot.
   */
  applyConfChange(change: ConfChange): ConfState {
    return this.raft.applyConfChange(change);
  }

  /** A message from a peer. */
  step(message: Message): Refusal | undefined {
    if (message.to !== this.raft.id) return "wrong-recipient";
    // Answers from nodes outside the configuration are dropped (a removed node's late replies).
    const isResponse = message.type === "MsgAppResp" || message.type === "MsgHeartbeatResp" || message.type === "MsgVoteResp" || message.type === "MsgPreVoteResp";
    if (isResponse && this.raft.tracker.progress(message.from) === undefined) return "unknown-peer";
    return this.raft.step(message);
  }

  /**
   * Requests a linearizable read point. `context` (non-empty, unique among pending reads)
   * identifies the request; a `ReadState` with it appears in a later Ready once confirmed. A
   * request may be dropped (leader change); the caller retries after a timeout.
   */
  readIndex(context: Uint8Array): Refusal | undefined {
    return this.raft.readIndex(context);
  }

  /** Asks the leader to hand leadership to `transferee` (forwarded when not leader). */
  transferLeadership(transferee: NodeId): Refusal | undefined {
    return this.raft.transferLeadership(transferee);
  }

  reportUnreachable(id: NodeId): void {
    this.raft.reportUnreachable(id);
  }

  /**
   * Tells the leader what became of a `MsgSnap` to `id`. Until the follower answers or this is
   * called, the leader sends that follower nothing else — a driver whose transport can lose
   * messages silently should report "failed" after a timeout.
   */
  reportSnapshot(id: NodeId, status: "delivered" | "failed"): void {
    this.raft.reportSnapshot(id, status);
  }

  /** Whether `ready()` has anything. False while a Ready is outstanding (not advanced). */
  hasReady(): boolean {
    if (this.outstanding !== undefined) return false;
    const raft = this.raft;
    const soft = raft.softState();
    if (soft.lead !== this.previousSoftState.lead || soft.role !== this.previousSoftState.role) return true;
    if (!hardStateEqual(raft.hardState(), this.previousHardState)) return true;
    if (raft.log.hasPendingSnapshot()) return true;
    if (raft.messages.length > 0 || raft.readStates.length > 0) return true;
    if (raft.log.unstableEntries().length > 0) return true;
    return raft.log.hasNextCommittedEntries();
  }

  /** What to do now (see `Ready`). Call `advance()` after handling it, before the next `ready()`. */
  ready(): Ready {
    assert(this.outstanding === undefined, "ready() called again before advance()");
    const raft = this.raft;
    const soft = raft.softState();
    const hard = raft.hardState();
    const softChanged = soft.lead !== this.previousSoftState.lead || soft.role !== this.previousSoftState.role;
    const hardChanged = !hardStateEqual(hard, this.previousHardState);
    const entries = [...raft.log.unstableEntries()];
    const snapshot = raft.log.unstable.snapshot;
    const ready: Ready = {
      softState: softChanged ? soft : undefined,
      hardState: hardChanged ? hard : undefined,
      entries,
      snapshot,
      committedEntries: raft.log.nextCommittedEntries(),
      messages: raft.messages,
      readStates: raft.readStates,
      mustSync: entries.length > 0 || snapshot !== undefined || hard.term !== this.previousHardState.term || hard.vote !== this.previousHardState.vote,
    };
    raft.messages = [];
    raft.readStates = [];
    if (softChanged) this.previousSoftState = soft;
    if (hardChanged) this.previousHardState = hard;
    this.outstanding = ready;
    return ready;
  }

  /** The last Ready was handled: its entries and snapshot are stable, its entries applied. */
  advance(): void {
    const ready = this.outstanding;
    assert(ready !== undefined, "advance() without an outstanding ready()");
    this.outstanding = undefined;
    const log = this.raft.log;
    if (ready.snapshot !== undefined) {
      log.stableSnapTo(ready.snapshot.metadata.index);
      // A snapshot applied means everything it covers is applied.
      if (ready.snapshot.metadata.index > log.applied) log.appliedTo(ready.snapshot.metadata.index);
    }
    const lastEntry = ready.entries[ready.entries.length - 1];
    if (lastEntry !== undefined) log.stableTo(lastEntry.index, lastEntry.term);
    const lastCommitted = ready.committedEntries[ready.committedEntries.length - 1];
    if (lastCommitted !== undefined && lastCommitted.index > log.applied) log.appliedTo(lastCommitted.index);
    this.raft.reduceUncommittedBytes(payloadBytes(ready.committedEntries));
  }

  status(): Status {
    const raft = this.raft;
    let progress: Map<NodeId, ProgressStatus> | undefined;
    if (raft.role === "leader") {
      progress = new Map();
      for (const id of raft.tracker.ids) {
        const p = raft.tracker.progress(id)!;
        progress.set(id, {
          match: p.match,
          next: p.next,
          state: p.state,
          isLearner: p.isLearner,
          recentActive: p.recentActive,
          paused: p.isPaused(),
          pendingSnapshot: p.pendingSnapshot,
          inflightMessages: p.inflights.count,
        });
      }
    }
    return {
      id: raft.id,
      term: raft.term,
      vote: raft.vote,
      lead: raft.lead,
      role: raft.role,
      commit: raft.log.committed,
      applied: raft.log.applied,
      firstIndex: raft.log.firstIndex(),
      lastIndex: raft.log.lastIndex(),
      lastTerm: raft.log.lastTerm(),
      config: raft.tracker.confState(),
      progress,
      leadTransferee: raft.leadTransferee,
    };
  }

  /** Entries [lo, hi) of the log (stable and unstable), defaulting to all that are held. */
  logEntries(lo = this.raft.log.firstIndex(), hi = this.raft.log.lastIndex() + 1): readonly Entry[] {
    const entries = this.raft.log.slice(lo, hi, Infinity);
    assert(typeof entries !== "string", () => `entries [${lo}, ${hi}) are compacted`);
    return entries;
  }

  /** Progress descriptions for tests and debugging (leader only; empty otherwise). */
  describeProgress(): string[] {
    const raft = this.raft;
    if (raft.role !== "leader") return [];
    return raft.tracker.ids.map((id) => `${id}: ${raft.tracker.progress(id)!.describe()}`);
  }
}
