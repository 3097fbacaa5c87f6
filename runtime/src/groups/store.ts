// Where a group member keeps its Raft state between runs. The driver persists each Ready through
// a GroupStore before sending that Ready's messages; on start it rebuilds the core's in-memory
// log from what the store recovered. `memoryStore` keeps nothing (the embedded network: a member
// that stops is gone); a durable store keeps the write-ahead log and snapshots in `dataDir`.
import type { Entry, HardState, Snapshot } from "../raft/index.js";

export interface Recovered {
  readonly hardState: HardState | undefined;
  readonly snapshot: Snapshot | undefined;
  /** Entries after the snapshot, in index order. */
  readonly entries: readonly Entry[];
}

export interface GroupStore {
  load(): Promise<Recovered>;
  /**
   * Makes a Ready's state durable (fsync when `mustSync`): the snapshot replaces the log up to its
   * index, entries replace any held at their indices and after, then the hard state.
   */
  persist(ready: { readonly hardState: HardState | undefined; readonly entries: readonly Entry[]; readonly snapshot: Snapshot | undefined; readonly mustSync: boolean }): Promise<void>;
  /** Records a snapshot the application made and drops the entries it covers. */
  compact(snapshot: Snapshot): Promise<void>;
  close(): Promise<void>;
}

/** A store that keeps nothing: state lives as long as the process. */
export function memoryStore(): GroupStore {
  return {
    load: async () => ({ hardState: undefined, snapshot: undefined, entries: [] }),
    persist: async () => {},
    compact: async () => {},
    close: async () => {},
  };
}
