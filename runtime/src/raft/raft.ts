// The Raft state machine: messages and ticks in, state changes and messages out. It does no I/O
// and keeps no clock — `tick()` is time, `randomInt` is chance — so the same inputs always give
// the same outputs. `RawNode` (raw-node.ts) wraps it with the Ready/advance protocol; most code
// should use that. The structure follows etcd's raft: a step function per role, a progress
// tracker on the leader, ReadIndex, pre-vote, check-quorum and leadership transfer.
import { assert } from "./assert.js";
import { decodeConfChange } from "./codec.js";
import { applyConfChangeTo, checkConfChange, describeConfChange } from "./confchange.js";
import { RaftLog } from "./log.js";
import type { Progress } from "./progress.js";
import type { RandomInt } from "./random.js";
import { ReadOnly } from "./read-only.js";
import { snapshotUnavailable, type Storage } from "./storage.js";
import { ProgressTracker } from "./tracker.js";
import {
  payloadBytes,
  type AppendMessage,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type HeartbeatMessage,
  type Message,
  type NodeId,
  type ProposalMessage,
  type ReadIndexMessage,
  type ReadState,
  type Refusal,
  type Role,
  type Snapshot,
  type SnapshotMessage,
  type SoftState,
  type TransferLeaderMessage,
} from "./types.js";

export type LogLevel = "debug" | "info" | "warn";

/** Receives the core's narrative (state changes, elections, refusals). Optional; deterministic. */
export type RaftLogger = (level: LogLevel, line: string) => void;

export interface RaftConfig {
  /** This node's id; never empty. */
  readonly id: NodeId;
  /** The persisted log, hard state and configuration this node starts from. */
  readonly storage: Storage;
  /**
   * Ticks without hearing from a leader before a follower campaigns; the actual timeout is drawn
   * from [electionTimeoutTicks, 2 × electionTimeoutTicks) each time, from `randomInt`. It is
   * also the leader's check-quorum period and the lease a follower grants its leader.
   */
  readonly electionTimeoutTicks: number;
  /** Ticks between a leader's heartbeats; well below the election timeout (etcd uses 1 to 10). */
  readonly heartbeatIntervalTicks: number;
  /** The only source of randomness (election jitter): an integer in [0, bound). */
  readonly randomInt: RandomInt;
  /**
   * The last index the application has applied (from its own snapshot or state). Committed
   * entries after it are handed out again on restart. Default: the storage's snapshot index.
   */
  readonly applied?: number;
  /** Bytes of entries per append message, each counted as payload + header (`entryBytes`); at least one entry is always sent. Default 1 MiB. */
  readonly maxMessageBytes?: number;
  /** Bytes of committed entries per Ready, counted like `maxMessageBytes`. Default `maxMessageBytes`. */
  readonly maxCommittedBytesPerReady?: number;
  /** Payload bytes a leader accepts into its uncommitted tail before refusing proposals. Default no limit. */
  readonly maxUncommittedBytes?: number;
  /** Append messages in flight to one follower in replicate state. Default 256. */
  readonly maxInflightMessages?: number;
  /** Payload bytes in flight to one follower. Default no limit. */
  readonly maxInflightBytes?: number;
  /**
   * A leader steps down after an election timeout without hearing from a quorum, and followers
   * that heard from a leader within an election timeout ignore votes (leader stickiness).
   * Default true.
   */
  readonly checkQuorum?: boolean;
  /**
   * A node first asks whether it could win (pre-vote, thesis §9.6) without raising its term; a
   * node partitioned away and back cannot then disrupt a working leader. Default true.
   */
  readonly preVote?: boolean;
  readonly logger?: RaftLogger;
}

type CampaignKind = "pre-election" | "election" | "transfer";

const roleNames: Record<Role, string> = { follower: "StateFollower", "pre-candidate": "StatePreCandidate", candidate: "StateCandidate", leader: "StateLeader" };

export function describeRole(role: Role): string {
  return roleNames[role];
}

export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId | undefined;
  lead: NodeId | undefined;
  role: Role = "follower";
  readonly log: RaftLog;
  tracker: ProgressTracker;
  /** Messages to send once this Ready's state is persisted. */
  messages: Message[] = [];
  /** Reads confirmed since the last Ready. */
  readStates: ReadState[] = [];
  /** The voter leadership is being handed to, while a transfer is under way. */
  leadTransferee: NodeId | undefined;
  /**
   * The index of the latest configuration change this leader may have in its log. A new one may
   * be proposed only once it is applied (one change at a time; see confchange.ts).
   */
  pendingConfIndex = 0;

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private uncommittedBytes = 0;
  private readOnly = new ReadOnly();
  /** Reads that arrived before this leader committed an entry of its term. */
  private pendingReadIndexMessages: ReadIndexMessage[] = [];

  readonly electionTimeout: number;
  readonly heartbeatTimeout: number;
  readonly checkQuorum: boolean;
  readonly preVote: boolean;
  private readonly maxMessageBytes: number;
  private readonly maxUncommittedBytes: number;
  private readonly randomInt: RandomInt;
  private readonly logger: RaftLogger;

  constructor(config: RaftConfig) {
    assert(config.id !== "", "a node id is never empty");
    assert(Number.isInteger(config.heartbeatIntervalTicks) && config.heartbeatIntervalTicks > 0, "heartbeatIntervalTicks must be a positive integer");
    assert(Number.isInteger(config.electionTimeoutTicks) && config.electionTimeoutTicks > config.heartbeatIntervalTicks, "electionTimeoutTicks must be an integer above heartbeatIntervalTicks");
    this.id = config.id;
    this.electionTimeout = config.electionTimeoutTicks;
    this.heartbeatTimeout = config.heartbeatIntervalTicks;
    this.checkQuorum = config.checkQuorum ?? true;
    this.preVote = config.preVote ?? true;
    this.maxMessageBytes = config.maxMessageBytes ?? 1024 * 1024;
    this.maxUncommittedBytes = config.maxUncommittedBytes ?? Infinity;
    this.randomInt = config.randomInt;
    this.logger = config.logger ?? (() => {});
    const limits = { maxInflightMessages: config.maxInflightMessages ?? 256, maxInflightBytes: config.maxInflightBytes ?? Infinity };

    this.log = new RaftLog(config.storage, config.maxCommittedBytesPerReady ?? this.maxMessageBytes);
    const { hardState, confState } = config.storage.initialState();
    this.tracker = ProgressTracker.fromConfState(confState, this.log.lastIndex() + 1, limits);
    this.logConfig();
    if (hardState.term !== 0 || hardState.commit !== 0 || hardState.vote !== undefined) this.loadState(hardState);
    if (config.applied !== undefined && config.applied > 0) this.log.appliedTo(config.applied);
    this.becomeFollower(this.term, undefined);
    this.info(
      `newRaft ${this.id} [peers: [${this.tracker.voters.join(",")}], term: ${this.term}, commit: ${this.log.committed}, applied: ${this.log.applied}, lastindex: ${this.log.lastIndex()}, lastterm: ${this.log.lastTerm()}]`,
    );
  }

  softState(): SoftState {
    return { lead: this.lead, role: this.role };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  // ─── inputs ──────────────────────────────────────────────────────────────────────────────────

  /** One unit of logical time. */
  tick(): void {
    if (this.role === "leader") this.tickHeartbeat();
    else this.tickElection();
  }

  /** Starts an election now (a pre-vote first when enabled). */
  campaign(): void {
    this.hup(this.preVote ? "pre-election" : "election");
  }

  /** A message from a peer, or a local request built as one (proposal, read, transfer). */
  step(m: Message): Refusal | undefined {
    if (m.term === 0) {
      // Not tied to a term: forwarded proposals and reads, and answers of a node still at term 0.
      // Whatever only a leader sends always carries a real term.
      if (m.type === "MsgApp" || m.type === "MsgHeartbeat" || m.type === "MsgSnap" || m.type === "MsgTimeoutNow" || m.type === "MsgReadIndexResp") return undefined;
    } else if (m.term > this.term) {
      if (m.type === "MsgVote" || m.type === "MsgPreVote") {
        // Leader stickiness: having heard from a leader within an election timeout, ignore
        // elections. With check-quorum for every vote (a deposed leader steps down within the
        // same time, so this cannot keep a dead leader); with pre-vote for pre-votes (§9.6).
        const inLease = this.lead !== undefined && this.electionElapsed < this.electionTimeout && (this.checkQuorum || (this.preVote && m.type === "MsgPreVote"));
        if (!m.transfer && inLease) {
          this.info(
            `${this.id} [logterm: ${this.log.lastTerm()}, index: ${this.log.lastIndex()}, vote: ${this.vote ?? "0"}] ignored ${m.type} from ${m.from} [logterm: ${m.logTerm}, index: ${m.index}] at term ${this.term}: lease is not expired (remaining ticks: ${this.electionTimeout - this.electionElapsed})`,
          );
          return undefined;
        }
      }
      if (m.type === "MsgPreVote") {
        // A pre-vote never changes our term.
      } else if (m.type === "MsgPreVoteResp" && !m.reject) {
        // A granted pre-vote echoes the term we would campaign at; we move to it only on winning.
      } else {
        this.info(`${this.id} [term: ${this.term}] received a ${m.type} message with higher term from ${m.from} [term: ${m.term}]`);
        const fromLeader = m.type === "MsgApp" || m.type === "MsgHeartbeat" || m.type === "MsgSnap";
        this.becomeFollower(m.term, fromLeader ? m.from : undefined);
      }
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === "MsgHeartbeat" || m.type === "MsgApp")) {
        // A leader we no longer follow. If it was cut off while we moved on, our silence would
        // leave it leading forever under check-quorum/pre-vote (we would never disrupt it, and
        // it would never learn the term); this answer makes it step down.
        this.send({ type: "MsgAppResp", from: this.id, to: m.from, term: this.term, index: 0, reject: false, rejectHint: 0, logTerm: 0 });
      } else if (m.type === "MsgPreVote") {
        // Answer a stale pre-vote with our term, so the pre-candidate learns it and follows.
        this.info(
          `${this.id} [logterm: ${this.log.lastTerm()}, index: ${this.log.lastIndex()}, vote: ${this.vote ?? "0"}] rejected ${m.type} from ${m.from} [logterm: ${m.logTerm}, index: ${m.index}] at term ${this.term}`,
        );
        this.send({ type: "MsgPreVoteResp", from: this.id, to: m.from, term: this.term, reject: true });
      } else {
        this.debug(`${this.id} [term: ${this.term}] ignored a ${m.type} message with lower term from ${m.from} [term: ${m.term}]`);
      }
      return undefined;
    }

    if (m.type === "MsgVote" || m.type === "MsgPreVote") {
      // We can vote for whom we already voted for; or vote if we have neither voted nor follow a
      // leader this term; or grant a pre-vote for a future term.
      const canVote = this.vote === m.from || (this.vote === undefined && this.lead === undefined) || (m.type === "MsgPreVote" && m.term > this.term);
      const responseType = m.type === "MsgVote" ? "MsgVoteResp" : "MsgPreVoteResp";
      if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
        this.info(
          `${this.id} [logterm: ${this.log.lastTerm()}, index: ${this.log.lastIndex()}, vote: ${this.vote ?? "0"}] cast ${m.type} for ${m.from} [logterm: ${m.logTerm}, index: ${m.index}] at term ${this.term}`,
        );
        // The response carries the candidate's term: for a pre-vote, a lower term would read as stale.
        this.send({ type: responseType, from: this.id, to: m.from, term: m.term, reject: false });
        if (m.type === "MsgVote") {
          this.electionElapsed = 0;
          this.vote = m.from;
        }
      } else {
        this.info(
          `${this.id} [logterm: ${this.log.lastTerm()}, index: ${this.log.lastIndex()}, vote: ${this.vote ?? "0"}] rejected ${m.type} from ${m.from} [logterm: ${m.logTerm}, index: ${m.index}] at term ${this.term}`,
        );
        this.send({ type: responseType, from: this.id, to: m.from, term: this.term, reject: true });
      }
      return undefined;
    }

    switch (this.role) {
      case "leader":
        return this.stepLeader(m);
      case "candidate":
      case "pre-candidate":
        return this.stepCandidate(m);
      case "follower":
        return this.stepFollower(m);
    }
  }

  /** Proposes entries (data and type set; term and index are assigned by the leader). */
  propose(entries: readonly Entry[]): Refusal | undefined {
    return this.step({ type: "MsgProp", from: this.id, to: this.id, term: 0, entries });
  }

  /** Asks for a linearizable read point; the answer comes as a ReadState (or is dropped). */
  readIndex(context: Uint8Array): Refusal | undefined {
    if (context.length === 0) return "empty-read-context";
    return this.step({ type: "MsgReadIndex", from: this.id, to: this.id, term: 0, context });
  }

  transferLeadership(transferee: NodeId): Refusal | undefined {
    return this.step({ type: "MsgTransferLeader", from: this.id, to: this.id, term: this.term, transferee });
  }

  /** The transport could not reach `id`: stop streaming to it and probe again. */
  reportUnreachable(id: NodeId): void {
    if (this.role !== "leader") return;
    const progress = this.tracker.progress(id);
    if (progress === undefined) return;
    this.debug(`${this.id} failed to send message to ${id} because it is unreachable [${progress.describe()}]`);
    if (progress.state === "replicate") progress.becomeProbe();
  }

  /**
   * The outcome of sending a snapshot. Success waits for the follower's answer to probe again;
   * failure probes after the next heartbeat answer (and sends a snapshot again if still needed).
   */
  reportSnapshot(id: NodeId, status: "delivered" | "failed"): void {
    if (this.role !== "leader") return;
    const progress = this.tracker.progress(id);
    if (progress === undefined || progress.state !== "snapshot") return;
    if (status === "failed") progress.pendingSnapshot = 0;
    progress.becomeProbe();
    this.debug(`${this.id} snapshot ${status === "delivered" ? "succeeded" : "failed"}, resumed sending replication messages to ${id} [${progress.describe()}]`);
    // Either way, wait for a response before sending more.
    progress.msgAppFlowPaused = true;
  }

  /**
   * Applies a committed configuration change (the application calls this, through RawNode, when
   * it applies the entry). An invalid change — possible only when a stale proposal slipped
   * through — applies as a no-op on every node alike, since every node applies the same log.
   */
  applyConfChange(change: ConfChange): ConfState {
    const problem = checkConfChange(this.tracker, change);
    if (problem !== undefined) {
      this.warn(`${this.id} ignored configuration change ${describeConfChange(change)}: ${problem}`);
      return this.tracker.confState();
    }
    applyConfChangeTo(this.tracker, change, this.log.lastIndex());
    return this.switchToConfig();
  }

  /** Called from `advance` with the payload of the entries just applied. */
  reduceUncommittedBytes(bytes: number): void {
    this.uncommittedBytes = bytes > this.uncommittedBytes ? 0 : this.uncommittedBytes - bytes;
  }

  /** Whether this node may campaign: a voter, not waiting to apply a snapshot. */
  promotable(): boolean {
    return this.tracker.isVoter(this.id) && !this.log.hasPendingSnapshot();
  }

  // ─── roles ───────────────────────────────────────────────────────────────────────────────────

  private becomeFollower(term: number, lead: NodeId | undefined): void {
    this.reset(term);
    this.lead = lead;
    this.role = "follower";
    this.info(`${this.id} became follower at term ${this.term}`);
  }

  private becomePreCandidate(): void {
    assert(this.role !== "leader", "invalid transition [leader -> pre-candidate]");
    // No term change and no vote: a pre-vote must not disturb anyone's state, ours included.
    this.tracker.resetVotes();
    this.lead = undefined;
    this.role = "pre-candidate";
    this.info(`${this.id} became pre-candidate at term ${this.term}`);
  }

  private becomeCandidate(): void {
    assert(this.role !== "leader", "invalid transition [leader -> candidate]");
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = "candidate";
    this.info(`${this.id} became candidate at term ${this.term}`);
  }

  private becomeLeader(): void {
    assert(this.role !== "follower", "invalid transition [follower -> leader]");
    this.reset(this.term);
    this.lead = this.id;
    this.role = "leader";
    const self = this.tracker.progress(this.id);
    assert(self !== undefined, "a leader is in its configuration");
    self.becomeReplicate();
    self.recentActive = true;
    // Any entry in our log may be a configuration change we have not applied yet.
    this.pendingConfIndex = this.log.lastIndex();
    // An entry of our own term: committing it commits everything before it (§5.4.2), and tells
    // us the commit point, which ReadIndex needs.
    const appended = this.appendEntries([{ term: 0, index: 0, type: "normal", data: new Uint8Array(0) }]);
    assert(appended, "the empty entry always fits");
    this.info(`${this.id} became leader at term ${this.term}`);
  }

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = undefined;
    }
    this.lead = undefined;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.abortLeaderTransfer();
    this.tracker.resetVotes();
    this.tracker.resetProgress(this.log.lastIndex() + 1, this.id, this.log.lastIndex());
    this.pendingConfIndex = 0;
    this.uncommittedBytes = 0;
    this.readOnly = new ReadOnly();
    this.pendingReadIndexMessages = [];
  }

  private resetRandomizedElectionTimeout(): void {
    const jitter = this.randomInt(this.electionTimeout);
    assert(Number.isInteger(jitter) && jitter >= 0 && jitter < this.electionTimeout, () => `randomInt(${this.electionTimeout}) returned ${jitter}`);
    this.randomizedElectionTimeout = this.electionTimeout + jitter;
  }

  private loadState(hardState: HardState): void {
    assert(
      hardState.commit >= this.log.committed && hardState.commit <= this.log.lastIndex(),
      () => `${this.id} state.commit ${hardState.commit} is out of range [${this.log.committed}, ${this.log.lastIndex()}]`,
    );
    this.log.committed = hardState.commit;
    this.term = hardState.term;
    this.vote = hardState.vote;
  }

  // ─── ticks ───────────────────────────────────────────────────────────────────────────────────

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.campaign();
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0;
      if (this.checkQuorum) this.checkQuorumActive();
      // A transfer that did not finish within an election timeout is abandoned (and, by a
      // leader outside the voters, tried again).
      if (this.role === "leader" && this.leadTransferee !== undefined) this.abortLeaderTransfer();
      if (this.role === "leader" && !this.tracker.isVoter(this.id)) this.transferToSuccessor();
    }
    if (this.role !== "leader") return;
    this.expireSnapshots();
    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat();
    }
  }

  /**
   * A snapshot neither answered by the follower nor reported by the driver within two election
   * timeouts is presumed lost (or its answer was): probe again from just past it. If the
   * follower has it, the probe succeeds; if not, the probe's rejection leads to a new snapshot.
   */
  private expireSnapshots(): void {
    for (const id of this.tracker.ids) {
      const progress = this.tracker.progress(id)!;
      if (id === this.id || progress.state !== "snapshot") continue;
      if (++progress.snapshotTicks < 2 * this.electionTimeout) continue;
      this.debug(`${this.id} snapshot to ${id} unanswered for ${progress.snapshotTicks} ticks; probing again`);
      progress.becomeProbe();
      this.sendAppend(id);
    }
  }

  private checkQuorumActive(): void {
    if (!this.tracker.quorumActive(this.id)) {
      this.warn(`${this.id} stepped down to follower since quorum is not active`);
      this.becomeFollower(this.term, undefined);
    }
    // Everyone (but us) must be heard from again before the next check.
    for (const id of this.tracker.ids) {
      const progress = this.tracker.progress(id)!;
      if (id !== this.id) progress.recentActive = false;
    }
  }

  // ─── elections ───────────────────────────────────────────────────────────────────────────────

  private hup(kind: CampaignKind): void {
    if (this.role === "leader") {
      this.debug(`${this.id} ignoring campaign because already leader`);
      return;
    }
    if (!this.promotable()) {
      this.warn(`${this.id} is unpromotable and can not campaign`);
      return;
    }
    if (this.hasUnappliedConfChanges()) {
      this.warn(`${this.id} cannot campaign at term ${this.term} since there are still pending configuration changes to apply`);
      return;
    }
    this.info(`${this.id} is starting a new election at term ${this.term}`);
    this.startCampaign(kind);
  }

  private hasUnappliedConfChanges(): boolean {
    if (this.log.committed <= this.log.applied) return false;
    const entries = this.log.slice(this.log.applied + 1, this.log.committed + 1, Infinity);
    assert(typeof entries !== "string", "unapplied committed entries are available");
    return entries.some((entry) => entry.type === "conf-change");
  }

  private startCampaign(kind: CampaignKind): void {
    let voteType: "MsgVote" | "MsgPreVote";
    let term: number;
    if (kind === "pre-election") {
      this.becomePreCandidate();
      voteType = "MsgPreVote";
      // Asked at the term we would campaign at; our own term stays put until we win.
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      voteType = "MsgVote";
      term = this.term;
    }
    if (this.poll(this.id, voteType === "MsgVote" ? "MsgVoteResp" : "MsgPreVoteResp", true) === "won") {
      // A single voter wins at once.
      if (kind === "pre-election") this.startCampaign("election");
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    for (const id of this.tracker.voters) {
      if (id === this.id) continue;
      this.info(`${this.id} [logterm: ${lastTerm}, index: ${lastIndex}] sent ${voteType} request to ${id} at term ${this.term}`);
      this.send({ type: voteType, from: this.id, to: id, term, logTerm: lastTerm, index: lastIndex, transfer: kind === "transfer" });
    }
  }

  private poll(id: NodeId, type: "MsgVoteResp" | "MsgPreVoteResp", granted: boolean) {
    if (granted) this.info(`${this.id} received ${type} from ${id} at term ${this.term}`);
    else this.info(`${this.id} received ${type} rejection from ${id} at term ${this.term}`);
    this.tracker.recordVote(id, granted);
    const { granted: grants, rejected, result } = this.tracker.tallyVotes();
    this.info(`${this.id} has received ${grants} ${type} votes and ${rejected} vote rejections`);
    return result;
  }

  // ─── per-role step functions ─────────────────────────────────────────────────────────────────

  private stepLeader(m: Message): Refusal | undefined {
    switch (m.type) {
      case "MsgProp":
        return this.leaderPropose(m);
      case "MsgReadIndex":
        return this.leaderReadIndex(m);
      case "MsgTransferLeader":
        return this.leaderTransfer(m);
      default:
        break;
    }
    const progress = this.tracker.progress(m.from);
    if (progress === undefined) {
      this.debug(`${this.id} no progress available for ${m.from}`);
      return "unknown-peer";
    }
    switch (m.type) {
      case "MsgAppResp":
        this.handleAppendResponse(m, progress);
        return undefined;
      case "MsgHeartbeatResp":
        this.handleHeartbeatResponse(m.from, m.context, progress);
        return undefined;
      default:
        // Votes of an election we already won, appends from a leader of our term (impossible):
        // nothing to do.
        return undefined;
    }
  }

  private stepCandidate(m: Message): Refusal | undefined {
    // Only answers to our own kind of request count (a pre-candidate ignores real vote answers).
    const responseType = this.role === "pre-candidate" ? "MsgPreVoteResp" : "MsgVoteResp";
    switch (m.type) {
      case "MsgProp":
      case "MsgReadIndex":
      case "MsgTransferLeader":
        this.info(`${this.id} no leader at term ${this.term}; dropping ${m.type}`);
        return "no-leader";
      case "MsgApp":
        this.becomeFollower(m.term, m.from); // a leader of our term exists
        this.handleAppendEntries(m);
        return undefined;
      case "MsgHeartbeat":
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return undefined;
      case "MsgSnap":
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return undefined;
      case "MsgPreVoteResp":
      case "MsgVoteResp": {
        if (m.type !== responseType) return undefined;
        const result = this.poll(m.from, m.type, !m.reject);
        if (result === "won") {
          if (this.role === "pre-candidate") {
            this.startCampaign("election");
          } else {
            this.becomeLeader();
            this.broadcastAppend();
          }
        } else if (result === "lost") {
          // A pre-candidate (term unchanged) or candidate that cannot win goes back to following.
          this.becomeFollower(this.term, undefined);
        }
        return undefined;
      }
      case "MsgTimeoutNow":
        this.debug(`${this.id} [term ${this.term} state ${describeRole(this.role)}] ignored MsgTimeoutNow from ${m.from}`);
        return undefined;
      default:
        return undefined;
    }
  }

  private stepFollower(m: Message): Refusal | undefined {
    switch (m.type) {
      case "MsgProp":
      case "MsgReadIndex":
        if (this.lead === undefined) {
          this.info(`${this.id} no leader at term ${this.term}; dropping ${m.type}`);
          return "no-leader";
        }
        this.send({ ...m, to: this.lead });
        return undefined;
      case "MsgTransferLeader":
        if (this.lead === undefined) {
          this.info(`${this.id} no leader at term ${this.term}; dropping leader transfer msg`);
          return "no-leader";
        }
        this.send({ ...m, to: this.lead, term: this.term });
        return undefined;
      case "MsgApp":
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppendEntries(m);
        return undefined;
      case "MsgHeartbeat":
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return undefined;
      case "MsgSnap":
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return undefined;
      case "MsgTimeoutNow":
        // Our leader asks us to take over: campaign now, skipping pre-vote (voters would refuse
        // it while they still follow that leader).
        this.info(`${this.id} [term ${this.term}] received MsgTimeoutNow from ${m.from} and starts an election to get leadership`);
        this.hup("transfer");
        return undefined;
      case "MsgReadIndexResp":
        this.readStates.push({ index: m.index, context: m.context });
        return undefined;
      default:
        return undefined;
    }
  }

  // ─── follower: handling the leader's messages ────────────────────────────────────────────────

  private handleAppendEntries(m: AppendMessage): void {
    if (m.index < this.log.committed) {
      // Everything up to our commit index matches already: say so, and the leader moves on.
      this.respondAppend(m.from, this.log.committed);
      return;
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      this.respondAppend(m.from, lastNew);
      return;
    }
    // No match at (logTerm, index). Hint at the last entry that could match: the largest index
    // ≤ the probe whose term is ≤ logTerm. Entries above it have larger terms than the leader's
    // at the same index, so they cannot match; the leader jumps straight there.
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    this.debug(`${this.id} [logterm: ${this.log.termOrZero(m.index)}, index: ${m.index}] rejected MsgApp [logterm: ${m.logTerm}, index: ${m.index}] from ${m.from}`);
    this.send({ type: "MsgAppResp", from: this.id, to: m.from, term: this.term, index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term });
  }

  private respondAppend(to: NodeId, index: number): void {
    this.send({ type: "MsgAppResp", from: this.id, to, term: this.term, index, reject: false, rejectHint: 0, logTerm: 0 });
  }

  private handleHeartbeat(m: HeartbeatMessage): void {
    // The leader sends at most what we are known to hold, so this never passes our log.
    this.log.commitTo(m.commit);
    this.send({ type: "MsgHeartbeatResp", from: this.id, to: m.from, term: this.term, context: m.context });
  }

  private handleSnapshot(m: SnapshotMessage): void {
    const { index, term } = m.snapshot.metadata;
    if (this.restore(m.snapshot)) {
      this.respondAppend(m.from, this.log.lastIndex());
    } else {
      this.info(`${this.id} [commit: ${this.log.committed}] ignored snapshot [index: ${index}, term: ${term}]`);
      this.respondAppend(m.from, this.log.committed);
    }
  }

  /** Replaces the log with a snapshot, unless it holds nothing new. */
  private restore(snapshot: Snapshot): boolean {
    const { index, term, confState } = snapshot.metadata;
    if (index <= this.log.committed) return false;
    if (this.role !== "follower") {
      // Defence in depth: only followers restore. Move to a new term so no leader of this term
      // can be us.
      this.warn(`${this.id} attempted to restore snapshot as leader; should never happen`);
      this.becomeFollower(this.term + 1, undefined);
      return false;
    }
    if (this.log.matchTerm(index, term)) {
      // We hold the snapshot's last entry: nothing to replace, just commit up to it.
      this.info(`${this.id} [commit: ${this.log.committed}, lastindex: ${this.log.lastIndex()}, lastterm: ${this.log.lastTerm()}] fast-forwarded commit to snapshot [index: ${index}, term: ${term}]`);
      this.log.commitTo(index);
      return false;
    }
    // A snapshot whose configuration does not include us is still restored: we may have been
    // added after it was taken (the entries after it add us) or removed (we will never campaign).
    this.log.restore(snapshot);
    this.tracker = ProgressTracker.fromConfState(confState, this.log.lastIndex() + 1, this.tracker.limits);
    this.info(`${this.id} [commit: ${this.log.committed}, lastindex: ${this.log.lastIndex()}, lastterm: ${this.log.lastTerm()}] restored snapshot [index: ${index}, term: ${term}]`);
    this.switchToConfig();
    return true;
  }

  // ─── leader: proposals, replication, commitment ──────────────────────────────────────────────

  private leaderPropose(m: ProposalMessage): Refusal | undefined {
    if (m.entries.length === 0) return undefined;
    if (!this.tracker.isVoter(this.id)) {
      // Removed or demoted while leading: we are handing over, and accept nothing new.
      return this.dropProposal("not-in-configuration");
    }
    if (this.leadTransferee !== undefined) {
      this.debug(`${this.id} [term ${this.term}] transfer leadership to ${this.leadTransferee} is in progress; dropping proposal`);
      return "leadership-transfer-in-progress";
    }
    let confIndex: number | undefined;
    for (const [offset, entry] of m.entries.entries()) {
      if (entry.type !== "conf-change") continue;
      if (confIndex !== undefined) return this.dropProposal("conf-change-pending");
      if (this.pendingConfIndex > this.log.applied) {
        this.info(`${this.id} ignoring conf change: possible unapplied conf change at index ${this.pendingConfIndex} (applied to ${this.log.applied})`);
        return "conf-change-pending";
      }
      const change = decodeConfChangeOrUndefined(entry.data);
      const problem = change === undefined ? "malformed" : checkConfChange(this.tracker, change);
      if (problem !== undefined) {
        this.info(`${this.id} ignoring conf change: ${problem}`);
        return "invalid-conf-change";
      }
      confIndex = this.log.lastIndex() + 1 + offset;
    }
    if (!this.appendEntries(m.entries)) {
      this.debug(`${this.id} appending new entries to log would exceed uncommitted entry size limit; dropping proposal`);
      return "uncommitted-log-full";
    }
    if (confIndex !== undefined) this.pendingConfIndex = confIndex;
    this.broadcastAppend();
    return undefined;
  }

  private dropProposal(refusal: Refusal): Refusal {
    this.debug(`${this.id} dropping proposal: ${refusal}`);
    return refusal;
  }

  /** Places entries at the end of our log in our term. False if over the uncommitted limit. */
  private appendEntries(entries: readonly Entry[]): boolean {
    const bytes = payloadBytes(entries);
    // Always admit one proposal into an empty tail, however large, so progress is possible.
    if (this.uncommittedBytes > 0 && bytes > 0 && this.uncommittedBytes + bytes > this.maxUncommittedBytes) return false;
    this.uncommittedBytes += bytes;
    const first = this.log.lastIndex() + 1;
    const placed = entries.map((entry, offset) => ({ term: this.term, index: first + offset, type: entry.type, data: entry.data }));
    const last = this.log.append(placed);
    // Our own copy counts toward the quorum now: the Ready contract persists it before any
    // message that could reveal the resulting commit index is sent, or any entry applied.
    this.tracker.progress(this.id)?.maybeUpdate(last);
    this.maybeCommit();
    return true;
  }

  /** Advances the commit index to what a quorum holds, if that entry is of our term (§5.4.2). */
  private maybeCommit(): boolean {
    return this.log.maybeCommit(this.tracker.committed(), this.term);
  }

  private committedEntryInCurrentTerm(): boolean {
    return this.log.termOrZero(this.log.committed) === this.term;
  }

  private broadcastAppend(): void {
    for (const id of this.tracker.ids) if (id !== this.id) this.sendAppend(id);
  }

  private sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true);
  }

  /**
   * Sends `to` the entries from its next index, unless its progress is paused. With
   * `sendIfEmpty` false, sends only when there are entries. Returns whether it sent anything.
   */
  private maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const progress = this.tracker.progress(to);
    if (progress === undefined || progress.isPaused()) return false;
    const prevIndex = progress.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (typeof prevTerm !== "number") return this.maybeSendSnapshot(to, progress);
    let entries: readonly Entry[] = [];
    // With a full window, only an empty append goes (to be acked or rejected, which frees the
    // window even if every message in it was lost).
    if (progress.state !== "replicate" || !progress.inflights.full()) {
      const found = this.log.entries(progress.next, this.maxMessageBytes);
      if (typeof found === "string") return this.maybeSendSnapshot(to, progress);
      entries = found;
    }
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({ type: "MsgApp", from: this.id, to, term: this.term, logTerm: prevTerm, index: prevIndex, commit: this.log.committed, entries });
    progress.sentEntries(entries.length, payloadBytes(entries));
    return true;
  }

  private maybeSendSnapshot(to: NodeId, progress: Progress): boolean {
    if (!progress.recentActive) {
      this.debug(`ignore sending snapshot to ${to} since it is not recently active`);
      return false;
    }
    const snapshot = this.log.snapshot();
    if (snapshot === snapshotUnavailable) {
      this.debug(`${this.id} failed to send snapshot to ${to} because snapshot is temporarily unavailable`);
      return false;
    }
    const { index, term } = snapshot.metadata;
    assert(index !== 0, "need non-empty snapshot");
    this.debug(`${this.id} [firstindex: ${this.log.firstIndex()}, commit: ${this.log.committed}] sent snapshot[index: ${index}, term: ${term}] to ${to} [${progress.describe()}]`);
    progress.becomeSnapshot(index);
    this.send({ type: "MsgSnap", from: this.id, to, term: this.term, snapshot });
    return true;
  }

  private handleAppendResponse(m: Extract<Message, { type: "MsgAppResp" }>, progress: Progress): void {
    progress.recentActive = true;
    if (m.reject) {
      this.debug(`${this.id} received MsgAppResp(rejected, hint: (index ${m.rejectHint}, term ${m.logTerm})) from ${m.from} for index ${m.index}`);
      let nextProbe = m.rejectHint;
      if (m.logTerm > 0) {
        // The follower's log may match ours up to (rejectHint, logTerm). Our entries with terms
        // above logTerm cannot match it, so probe at our last entry with a term ≤ logTerm.
        nextProbe = this.log.findConflictByTerm(m.rejectHint, m.logTerm).index;
      }
      if (progress.maybeDecrTo(m.index, nextProbe)) {
        this.debug(`${this.id} decreased progress of ${m.from} to [${progress.describe()}]`);
        if (progress.state === "replicate") progress.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    const wasPaused = progress.isPaused();
    if (!progress.maybeUpdate(m.index) && !(progress.match === m.index && progress.state === "probe")) return;
    if (progress.state === "probe") {
      progress.becomeReplicate();
    } else if (progress.state === "snapshot" && (progress.match + 1 >= this.log.firstIndex() || progress.match >= progress.pendingSnapshot)) {
      // The snapshot landed, or the follower holds enough of the log anyway. Back to appends —
      // or, if we compacted past it meanwhile, to probing, which sends a newer snapshot.
      this.debug(`${this.id} recovered from needing snapshot, resumed sending replication messages to ${m.from} [${progress.describe()}]`);
      progress.becomeProbe();
      if (progress.match + 1 >= this.log.firstIndex()) progress.becomeReplicate();
    } else if (progress.state === "replicate") {
      progress.inflights.freeLE(m.index);
    }
    if (this.maybeCommit()) {
      this.releasePendingReadIndexMessages();
      this.broadcastAppend();
    } else if (wasPaused) {
      this.sendAppend(m.from);
    }
    // Pipelining: keep sending while the window has room and there are entries.
    while (this.maybeSendAppend(m.from, false)) {
      // each call sent one batch
    }
    if (m.from === this.leadTransferee && progress.match === this.log.lastIndex()) {
      this.info(`${this.id} sent MsgTimeoutNow to ${m.from} after received MsgAppResp`);
      this.sendTimeoutNow(m.from);
    }
  }

  private handleHeartbeatResponse(from: NodeId, context: Uint8Array, progress: Progress): void {
    progress.recentActive = true;
    // Resume a paused follower: if the appends that filled its window were all lost, an empty
    // append now is what gets it acked or rejected. Probing followers get an append too, which
    // moves them back to replicate.
    progress.msgAppFlowPaused = false;
    if (progress.match < this.log.lastIndex() || progress.state === "probe") this.sendAppend(from);

    if (context.length === 0) return;
    const acknowledged = this.readOnly.acknowledge(from, context);
    if (acknowledged === undefined || this.tracker.pollResult(acknowledged) !== "won") return;
    for (const status of this.readOnly.advance(context)) this.respondToReadIndex(status.request, status.index);
  }

  private broadcastHeartbeat(): void {
    const context = this.readOnly.lastPendingContext() ?? new Uint8Array(0);
    for (const id of this.tracker.ids) if (id !== this.id) this.sendHeartbeat(id, context);
  }

  private sendHeartbeat(to: NodeId, context: Uint8Array): void {
    const progress = this.tracker.progress(to)!;
    // Never tell a follower a commit index beyond what it is known to hold: its log past the
    // match point may still differ from ours.
    const commit = Math.min(progress.match, this.log.committed);
    this.send({ type: "MsgHeartbeat", from: this.id, to, term: this.term, commit, context });
  }

  // ─── leader: ReadIndex ───────────────────────────────────────────────────────────────────────

  private leaderReadIndex(m: ReadIndexMessage): Refusal | undefined {
    if (m.context.length === 0) return "empty-read-context";
    if (this.tracker.isSingleton() && this.tracker.isVoter(this.id)) {
      // The only voter: nobody else can have committed anything.
      this.respondToReadIndex(m, this.log.committed);
      return undefined;
    }
    if (!this.committedEntryInCurrentTerm()) {
      // Until an entry of our term commits, our commit index may lag what earlier leaders
      // committed; a read at it could miss acknowledged writes. Wait.
      this.pendingReadIndexMessages.push(m);
      return undefined;
    }
    this.startReadIndex(m);
    return undefined;
  }

  private startReadIndex(m: ReadIndexMessage): void {
    this.readOnly.add(this.log.committed, m);
    this.readOnly.acknowledge(this.id, m.context);
    for (const id of this.tracker.ids) if (id !== this.id) this.sendHeartbeat(id, m.context);
  }

  private releasePendingReadIndexMessages(): void {
    if (this.pendingReadIndexMessages.length === 0 || !this.committedEntryInCurrentTerm()) return;
    const pending = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of pending) this.startReadIndex(m);
  }

  private respondToReadIndex(request: ReadIndexMessage, index: number): void {
    if (request.from === this.id) {
      this.readStates.push({ index, context: request.context });
    } else {
      this.send({ type: "MsgReadIndexResp", from: this.id, to: request.from, term: this.term, index, context: request.context });
    }
  }

  // ─── leader: leadership transfer ─────────────────────────────────────────────────────────────

  private leaderTransfer(m: TransferLeaderMessage): Refusal | undefined {
    return this.startTransfer(m.transferee);
  }

  /** A leader outside the voters hands over to the most up-to-date voter (ties: lowest id). */
  private transferToSuccessor(): void {
    if (this.leadTransferee !== undefined) return;
    let best: NodeId | undefined;
    for (const id of this.tracker.voters) {
      if (id === this.id) continue;
      if (best === undefined || this.tracker.progress(id)!.match > this.tracker.progress(best)!.match) best = id;
    }
    if (best !== undefined) this.startTransfer(best);
  }

  private startTransfer(transferee: NodeId): Refusal | undefined {
    const progress = this.tracker.progress(transferee);
    if (progress === undefined || progress.isLearner) {
      this.debug(`${this.id} is learner or unknown, ignored transferring leadership to ${transferee}`);
      return "not-a-voter";
    }
    if (this.leadTransferee !== undefined) {
      if (this.leadTransferee === transferee) {
        this.info(`${this.id} [term ${this.term}] transfer leadership to ${transferee} is in progress, ignores request to same node ${transferee}`);
        return undefined;
      }
      this.info(`${this.id} [term ${this.term}] abort previous transferring leadership to ${this.leadTransferee}`);
      this.abortLeaderTransfer();
    }
    if (transferee === this.id) {
      this.debug(`${this.id} is already leader. Ignored transferring leadership to self`);
      return undefined;
    }
    this.info(`${this.id} [term ${this.term}] starts to transfer leadership to ${transferee}`);
    // The transfer must finish within an election timeout (tickHeartbeat aborts it then).
    this.electionElapsed = 0;
    this.leadTransferee = transferee;
    if (progress.match === this.log.lastIndex()) {
      this.info(`${this.id} sends MsgTimeoutNow to ${transferee} immediately as ${transferee} already has up-to-date log`);
      this.sendTimeoutNow(transferee);
    } else {
      this.sendAppend(transferee);
    }
    return undefined;
  }

  private sendTimeoutNow(to: NodeId): void {
    this.send({ type: "MsgTimeoutNow", from: this.id, to, term: this.term });
  }

  private abortLeaderTransfer(): void {
    this.leadTransferee = undefined;
  }

  // ─── configuration ───────────────────────────────────────────────────────────────────────────

  /** Adjusts to the tracker's (new) configuration: step down if removed, replicate to new members. */
  private switchToConfig(): ConfState {
    this.logConfig();
    const confState = this.tracker.confState();
    const self = this.tracker.progress(this.id);
    if (!this.tracker.isVoter(this.id) && (this.role === "candidate" || this.role === "pre-candidate")) {
      // An election we may no longer run.
      this.becomeFollower(this.term, undefined);
      return confState;
    }
    if (this.role !== "leader" || confState.voters.length === 0) return confState;
    // The quorum may have shrunk (commit more) or grown (new members need appends).
    if (this.maybeCommit()) {
      this.releasePendingReadIndexMessages();
      this.broadcastAppend();
    } else {
      for (const id of this.tracker.ids) if (id !== this.id) this.maybeSendAppend(id, false);
    }
    if (this.leadTransferee !== undefined && !this.tracker.isVoter(this.leadTransferee)) this.abortLeaderTransfer();
    if (self === undefined || self.isLearner) {
      // Removed or demoted. Stepping down at once could leave the voters stuck: they may not
      // know yet that the change committed (so they still need our vote), and our log may be
      // ahead of theirs (so we would refuse it). Instead we keep leading — counted in no quorum,
      // refusing proposals — until a voter we bring up to date takes over.
      this.info(`${this.id} is no longer a voter; handing leadership over`);
      this.transferToSuccessor();
    }
    return confState;
  }

  private logConfig(): void {
    this.info(`${this.id} switched to configuration ${this.tracker.describeConfig()}`);
  }

  // ─── output ──────────────────────────────────────────────────────────────────────────────────

  private send(m: Message): void {
    assert(m.to !== this.id, () => `${this.id} sending ${m.type} to itself`);
    this.messages.push(m);
  }

  private info(line: string): void {
    this.logger("info", line);
  }

  private warn(line: string): void {
    this.logger("warn", line);
  }

  private debug(line: string): void {
    this.logger("debug", line);
  }
}

function decodeConfChangeOrUndefined(data: Uint8Array): ConfChange | undefined {
  try {
    return decodeConfChange(data);
  } catch {
    return undefined;
  }
}
