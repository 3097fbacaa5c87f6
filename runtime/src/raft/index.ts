// Raft consensus as a pure state machine (spec 05, "Groups"): no timers, sockets, clocks,
// randomness of its own or `await` — a driver feeds it ticks and messages and carries out each
// `Ready` (persist, send, apply, advance). The same core runs in a seeded simulator and over TCP.
//
//   const node = new RawNode({ id, storage, electionTimeoutTicks: 10, heartbeatIntervalTicks: 1,
//                              randomInt: seededRandom(seed) });
//   node.tick(); node.step(message); node.propose(data); node.readIndex(context);
//   if (node.hasReady()) { const rd = node.ready(); /* persist, send, apply */ node.advance(); }
//
// Features: pre-vote and check-quorum (with leader stickiness), commitment only by counting
// replicas of a current-term entry (§5.4.2), per-follower progress (probe / replicate /
// snapshot) with pipelining, batching and inflight limits, fast log repair by rejection hints,
// ReadIndex reads, single-server membership changes with learners, snapshots and compaction,
// leadership transfer. Configuration changes take effect when the application applies them
// (`RawNode.applyConfChange`), one at a time.
export { RawNode, type Ready, type RawNodeConfig, type Status, type ProgressStatus } from "./raw-node.js";
export type { RaftConfig, RaftLogger, LogLevel } from "./raft.js";
export { MemoryStorage, limitSize, entryBytes, entryHeaderBytes, snapshotUnavailable, emptySnapshot, type Storage, type StorageError, type InitialState, type MemoryStorageOptions, type SnapshotUnavailable } from "./storage.js";
export {
  emptyConfState,
  emptyHardState,
  hardStateEqual,
  payloadBytes,
  type AppendMessage,
  type AppendResponseMessage,
  type ConfChange,
  type ConfChangeType,
  type ConfState,
  type Entry,
  type EntryType,
  type HardState,
  type HeartbeatMessage,
  type HeartbeatResponseMessage,
  type Message,
  type MessageType,
  type NodeId,
  type ProposalMessage,
  type ReadIndexMessage,
  type ReadIndexResponseMessage,
  type ReadState,
  type Refusal,
  type Role,
  type Snapshot,
  type SnapshotMessage,
  type SnapshotMetadata,
  type SoftState,
  type TimeoutNowMessage,
  type TransferLeaderMessage,
  type VoteMessage,
  type VoteResponseMessage,
} from "./types.js";
export {
  RaftDecodeError,
  codecVersion,
  decodeConfChange,
  decodeEntry,
  decodeHardState,
  decodeMessage,
  decodeSnapshot,
  encodeConfChange,
  encodeEntry,
  encodeHardState,
  encodeMessage,
  encodeSnapshot,
  type RaftDecodeReason,
} from "./codec.js";
export { describeBytes, describeConfState, describeEntries, describeEntry, describeHardState, describeMessage, describeReady, describeSnapshot, describeSoftState } from "./describe.js";
export { describeConfChange, type ConfChangeProblem } from "./confchange.js";
export { Inflights } from "./inflights.js";
export { Progress, type ProgressState } from "./progress.js";
export { seededRandom, type RandomInt } from "./random.js";
export { RaftInvariantError } from "./assert.js";
