// The leader's view of the cluster: the configuration in force (voters, learners), a `Progress`
// per member, and the votes of the election under way. Iteration is in id order, so everything a
// node sends or prints is deterministic.
import { Inflights } from "./inflights.js";
import { Progress } from "./progress.js";
import { committedIndex, voteResult, type VoteResult } from "./quorum.js";
import { sortIds, type ConfState, type NodeId } from "./types.js";

export interface InflightLimits {
  readonly maxInflightMessages: number;
  readonly maxInflightBytes: number;
}

export class ProgressTracker {
  private voterIds: NodeId[] = [];
  private learnerIds: NodeId[] = [];
  private readonly progressById = new Map<NodeId, Progress>();
  private readonly votes = new Map<NodeId, boolean>();

  constructor(readonly limits: InflightLimits) {}

  /** A tracker for `confState`, every member's progress starting at `next`. */
  static fromConfState(confState: ConfState, next: number, limits: InflightLimits): ProgressTracker {
    const tracker = new ProgressTracker(limits);
    for (const id of confState.voters) tracker.setMember(id, false, next);
    for (const id of confState.learners) tracker.setMember(id, true, next);
    return tracker;
  }

  get voters(): readonly NodeId[] {
    return this.voterIds;
  }

  get learners(): readonly NodeId[] {
    return this.learnerIds;
  }

  /** Every member (voters and learners), in id order. */
  get ids(): readonly NodeId[] {
    return sortIds(this.progressById.keys());
  }

  progress(id: NodeId): Progress | undefined {
    return this.progressById.get(id);
  }

  isVoter(id: NodeId): boolean {
    return this.progressById.get(id)?.isLearner === false;
  }

  confState(): ConfState {
    return { voters: [...this.voterIds], learners: [...this.learnerIds] };
  }

  /** Whether the configuration has exactly one voter. */
  isSingleton(): boolean {
    return this.voterIds.length === 1;
  }

  newProgress(next: number, isLearner: boolean): Progress {
    return new Progress(next, new Inflights(this.limits.maxInflightMessages, this.limits.maxInflightBytes), isLearner);
  }

  /** Adds a member, or changes a member's kind (keeping its progress). */
  setMember(id: NodeId, isLearner: boolean, next: number): void {
    const existing = this.progressById.get(id);
    if (existing === undefined) {
      const progress = this.newProgress(next, isLearner);
      // A new member counts as active, or check-quorum could depose the leader before the new
      // member had a chance to answer.
      progress.recentActive = true;
      this.progressById.set(id, progress);
    } else {
      existing.isLearner = isLearner;
    }
    this.refreshMembers();
  }

  removeMember(id: NodeId): void {
    this.progressById.delete(id);
    this.votes.delete(id);
    this.refreshMembers();
  }

  /** Every member's progress restarts at (match 0, next) — a new term. `self` matches `selfMatch`. */
  resetProgress(next: number, self: NodeId, selfMatch: number): void {
    for (const [id, old] of this.progressById) {
      const progress = this.newProgress(next, old.isLearner);
      if (id === self) progress.match = selfMatch;
      this.progressById.set(id, progress);
    }
  }

  /** The largest index a majority of voters holds. */
  committed(): number {
    return committedIndex(this.voterIds, (id) => this.progressById.get(id)?.match);
  }

  /** Whether a majority of voters (counting `self`) was heard from since the last check. */
  quorumActive(self: NodeId): boolean {
    return voteResult(this.voterIds, (id) => id === self || this.progressById.get(id)?.recentActive === true) === "won";
  }

  resetVotes(): void {
    this.votes.clear();
  }

  /** Records a vote; only a voter's first answer in an election counts. */
  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): { readonly granted: number; readonly rejected: number; readonly result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const id of this.voterIds) {
      const vote = this.votes.get(id);
      if (vote === true) granted++;
      else if (vote === false) rejected++;
    }
    return { granted, rejected, result: voteResult(this.voterIds, (id) => this.votes.get(id)) };
  }

  /** The outcome of a poll among the voters (ReadIndex acknowledgements). */
  pollResult(acknowledged: ReadonlySet<NodeId>): VoteResult {
    return voteResult(this.voterIds, (id) => (acknowledged.has(id) ? true : undefined));
  }

  describeConfig(): string {
    return `voters=(${this.voterIds.join(" ")})` + (this.learnerIds.length > 0 ? ` learners=(${this.learnerIds.join(" ")})` : "");
  }

  private refreshMembers(): void {
    const voters: NodeId[] = [];
    const learners: NodeId[] = [];
    for (const [id, progress] of this.progressById) (progress.isLearner ? learners : voters).push(id);
    this.voterIds = sortIds(voters);
    this.learnerIds = sortIds(learners);
  }
}
