// What a leader knows about one follower's log, and how it sends to it:
//   probe     — the match point is unknown; one append per heartbeat until one is accepted;
//   replicate — the match point is known; appends stream optimistically, bounded by `inflights`;
//   snapshot  — a snapshot is on its way; nothing else is sent until it lands (or is reported lost).
import { Inflights } from "./inflights.js";

export type ProgressState = "probe" | "replicate" | "snapshot";

export class Progress {
  /** The highest index known to match the leader's log. */
  match = 0;
  /** The next index to send. */
  next: number;
  state: ProgressState = "probe";
  /** In "snapshot": the index of the snapshot sent. */
  pendingSnapshot = 0;
  /** Heard from since the last check-quorum round (a leader counts itself always active). */
  recentActive = false;
  /**
   * Sending is paused: in "probe", an append is out and unanswered; in "replicate", the
   * inflight window is full. A heartbeat response lifts it, so a lost message cannot stall us.
   */
  msgAppFlowPaused = false;
  readonly inflights: Inflights;
  isLearner: boolean;
  /** Leader ticks spent in "snapshot": the safety net for a snapshot lost without a report. */
  snapshotTicks = 0;

  constructor(next: number, inflights: Inflights, isLearner: boolean) {
    this.next = next;
    this.inflights = inflights;
    this.isLearner = isLearner;
  }

  private resetState(state: ProgressState): void {
    this.msgAppFlowPaused = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.snapshotTicks = 0;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // After a snapshot, probe from just past it (the follower should hold it by now).
    if (this.state === "snapshot") {
      const pendingSnapshot = this.pendingSnapshot;
      this.resetState("probe");
      this.next = Math.max(this.match + 1, pendingSnapshot + 1);
    } else {
      this.resetState("probe");
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState("replicate");
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState("snapshot");
    this.pendingSnapshot = snapshotIndex;
    this.next = snapshotIndex + 1;
  }

  /** An append of `entries` entries (`bytes` of payload) was sent from `next`. */
  sentEntries(entries: number, bytes: number): void {
    if (this.state === "replicate") {
      if (entries > 0) {
        this.next += entries;
        this.inflights.add(this.next - 1, bytes);
      }
      this.msgAppFlowPaused = this.inflights.full();
    } else if (this.state === "probe") {
      if (entries > 0) this.msgAppFlowPaused = true;
    }
  }

  /** The follower acknowledged `index`. Returns whether that was news. */
  maybeUpdate(index: number): boolean {
    if (index <= this.match) return false;
    this.match = index;
    this.next = Math.max(this.next, index + 1);
    this.msgAppFlowPaused = false;
    return true;
  }

  /**
   * The follower rejected an append at `rejected`, hinting that its log may match up to
   * `matchHint`. Returns false for a stale rejection (one answering an append sent before the
   * latest change of `next`), which is ignored.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === "replicate") {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.msgAppFlowPaused = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case "probe":
      case "replicate":
        return this.msgAppFlowPaused;
      case "snapshot":
        return true;
    }
  }

  describe(): string {
    let text = `${stateNames[this.state]} match=${this.match} next=${this.next}`;
    if (this.isLearner) text += " learner";
    if (this.isPaused()) text += " paused";
    if (this.state === "snapshot") text += ` pendingSnap=${this.pendingSnapshot}`;
    if (!this.recentActive) text += " inactive";
    if (this.inflights.count > 0) text += ` inflight=${this.inflights.count}`;
    if (this.inflights.full()) text += "[full]";
    return text;
  }
}

const stateNames: Record<ProgressState, string> = { probe: "StateProbe", replicate: "StateReplicate", snapshot: "StateSnapshot" };
