// The durable store of a Raft group: a segmented write-ahead log of entries and hard state with
// group commit, the latest snapshot beside it, recovery that truncates torn tails and fails
// loudly on corruption, and the file systems it runs on — node:fs, and an in-memory disk that
// crashes and loses unsynced writes for tests and the simulator.
export { Wal, defaultSegmentBytes, type Preallocation, type Recovered, type WalOptions, type WalStats, type WalUpdate } from "./wal.js";
export type { HardState, WalRecord } from "./recover.js";
export type { Snapshot, SnapshotMeta } from "./snapshot.js";
export { WalCorruptionError, WalFailedError, type WalCorruptionReason } from "./errors.js";
export { isNoSuchFile, type OpenMode, type WalFile, type WalFs } from "./fs.js";
export { nodeFs } from "./node-fs.js";
export { MemoryFs, type CrashOptions, type MemoryFsOperation, type MemoryFsOptions, type MemoryFsStats } from "./memory-fs.js";
