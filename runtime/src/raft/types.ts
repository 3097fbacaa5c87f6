// The data the Raft core speaks: log entries, hard state, configurations, snapshots and the
// messages peers exchange. Everything here is plain data (no classes, no methods), so a simulator
// can copy, drop, duplicate and reorder it, and `codec.ts` can turn it into bytes.

/** A node's id. Drivers use a peer id's hex; the core only compares and sorts them. */
export type NodeId = string;

export type EntryType = "normal" | "conf-change";

/**
 * One log entry. `index` and `term` are positive integers below 2^53 once the entry is in a log;
 * a proposal's entries carry 0 for both until the leader places them. A "conf-change" entry's
 * data is an encoded `ConfChange` (`encodeConfChange`).
 */
export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/**
 * What must be durable before a node speaks: its term, whom it voted for in that term, and the
 * highest index it knows to be committed. Losing `term` or `vote` lets a node vote twice in a
 * term; losing `commit` is harmless (it is learned again).
 */
export interface HardState {
  readonly term: number;
  /** The candidate this node voted for in `term`, if any. */
  readonly vote: NodeId | undefined;
  readonly commit: number;
}

/** A membership configuration: the voters and the learners (who replicate but never vote). */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export interface SnapshotMetadata {
  /** The last log index the snapshot covers, and that entry's term. */
  readonly index: number;
  readonly term: number;
  /** The configuration in force once every entry up to `index` is applied. */
  readonly confState: ConfState;
}

/** The application's state at `metadata.index`, opaque to the core. */
export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  readonly data: Uint8Array;
}

/**
 * A single-server membership change (see `confchange.ts`): "add-voter" adds a voter or promotes
 * a learner, "add-learner" adds a learner or demotes a voter, "remove-node" removes either.
 */
export type ConfChangeType = "add-voter" | "add-learner" | "remove-node";

export interface ConfChange {
  readonly type: ConfChangeType;
  readonly nodeId: NodeId;
  /** Opaque to the core: an application's note on the change (for example the peer's address). */
  readonly context: Uint8Array;
}

export type Role = "follower" | "pre-candidate" | "candidate" | "leader";

/** Volatile state worth telling the application about when it changes. */
export interface SoftState {
  readonly lead: NodeId | undefined;
  readonly role: Role;
}

/** A linearizable read is safe once the application has applied up to `index`. */
export interface ReadState {
  readonly index: number;
  /** The context the read was requested with (`RawNode.readIndex`). */
  readonly context: Uint8Array;
}

interface MessageBase {
  readonly from: NodeId;
  readonly to: NodeId;
  /**
   * The sender's term. Proposals and read requests forwarded by a follower carry 0: they are not
   * tied to a term, and whoever leads when they arrive handles them.
   */
  readonly term: number;
}

/** Leader → follower: entries after (logTerm, index), and the leader's commit index. */
export interface AppendMessage extends MessageBase {
  readonly type: "MsgApp";
  readonly logTerm: number;
  readonly index: number;
  readonly commit: number;
  readonly entries: readonly Entry[];
}

/**
 * Follower → leader. Accepted: `index` is the follower's last index matching the leader.
 * Rejected: `index` is the rejected append's index, and (rejectHint, logTerm) is the follower's
 * guess at the last entry that could match — the largest index ≤ the probe whose term is ≤ the
 * probe's term — so the leader skips a whole term of mismatches per round trip.
 */
export interface AppendResponseMessage extends MessageBase {
  readonly type: "MsgAppResp";
  readonly index: number;
  readonly reject: boolean;
  readonly rejectHint: number;
  readonly logTerm: number;
}

/** A (pre-)candidate asks for a vote; (logTerm, index) is its last entry. */
export interface VoteMessage extends MessageBase {
  readonly type: "MsgVote" | "MsgPreVote";
  readonly logTerm: number;
  readonly index: number;
  /** Sent on a leader's request (leadership transfer): voters ignore their leader lease. */
  readonly transfer: boolean;
}

export interface VoteResponseMessage extends MessageBase {
  readonly type: "MsgVoteResp" | "MsgPreVoteResp";
  readonly reject: boolean;
}

/** Leader → follower whose next entry was compacted away. */
export interface SnapshotMessage extends MessageBase {
  readonly type: "MsgSnap";
  readonly snapshot: Snapshot;
}

/**
 * Leader → follower. `commit` is at most what the follower is known to hold; `context` is the
 * newest pending ReadIndex context (empty for none), acknowledged by the response.
 */
export interface HeartbeatMessage extends MessageBase {
  readonly type: "MsgHeartbeat";
  readonly commit: number;
  readonly context: Uint8Array;
}

export interface HeartbeatResponseMessage extends MessageBase {
  readonly type: "MsgHeartbeatResp";
  readonly context: Uint8Array;
}

/** A proposal forwarded by a follower to its leader (term 0; entries not yet placed). */
export interface ProposalMessage extends MessageBase {
  readonly type: "MsgProp";
  readonly entries: readonly Entry[];
}

/** A read request forwarded to the leader (term 0). */
export interface ReadIndexMessage extends MessageBase {
  readonly type: "MsgReadIndex";
  readonly context: Uint8Array;
}

/** Leader → the follower that asked: the read of `context` is safe at `index`. */
export interface ReadIndexResponseMessage extends MessageBase {
  readonly type: "MsgReadIndexResp";
  readonly index: number;
  readonly context: Uint8Array;
}

/** A request, forwarded to the leader, to hand leadership to `transferee`. */
export interface TransferLeaderMessage extends MessageBase {
  readonly type: "MsgTransferLeader";
  readonly transferee: NodeId;
}

/** Leader → transferee: campaign now, without waiting for an election timeout or pre-vote. */
export interface TimeoutNowMessage extends MessageBase {
  readonly type: "MsgTimeoutNow";
}

/** Everything one node sends another. A discriminated union on `type`. */
export type Message =
  | AppendMessage
  | AppendResponseMessage
  | VoteMessage
  | VoteResponseMessage
  | SnapshotMessage
  | HeartbeatMessage
  | HeartbeatResponseMessage
  | ProposalMessage
  | ReadIndexMessage
  | ReadIndexResponseMessage
  | TransferLeaderMessage
  | TimeoutNowMessage;

export type MessageType = Message["type"];

/**
 * Why the core refused a request (a proposal, a read, a transfer, a message). Stable codes: a
 * driver maps them to its own errors and metrics. Refusals are normal operation — no leader yet,
 * a transfer under way — never broken invariants.
 */
export type Refusal =
  | "no-leader"
  | "leadership-transfer-in-progress"
  | "not-in-configuration"
  | "conf-change-pending"
  | "invalid-conf-change"
  | "uncommitted-log-full"
  | "empty-read-context"
  | "not-a-voter"
  | "unknown-peer"
  | "wrong-recipient";

export const emptyHardState: HardState = { term: 0, vote: undefined, commit: 0 };

export const emptyConfState: ConfState = { voters: [], learners: [] };

export function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

/** Payload bytes of entries: what the uncommitted-log and inflight limits count. */
export function payloadBytes(entries: readonly Entry[]): number {
  let total = 0;
  for (const entry of entries) total += entry.data.byteLength;
  return total;
}

/** Ids in the one order every listing and broadcast uses, so output is deterministic. */
export function sortIds(ids: Iterable<NodeId>): NodeId[] {
  return [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
