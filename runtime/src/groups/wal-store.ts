// A durable GroupStore on the write-ahead log (runtime/src/wal): each Ready is one group commit —
// its entries, then its hard state, in one write and one fdatasync — preceded by the snapshot it
// carries, if any. A Ready that changes only the commit index is not written at all: Raft
// recovers the commit index from its peers, and skipping those writes spares an fsync per
// heartbeat round. Entries are stored in the core's own encoding (raft/codec.ts), the
// configuration of a snapshot as JSON.
import { decodeEntry, encodeEntry, type ConfState, type Snapshot } from "../raft/index.js";
import { Wal, type WalOptions } from "../wal/index.js";
import type { GroupStore, Recovered } from "./store.js";

export async function walStore(directory: string, options: WalOptions = {}): Promise<GroupStore> {
  const wal = await Wal.open(directory, options);
  let snapshotIndex = wal.recovered.snapshot?.meta.index ?? 0;
  const saveSnapshot = async (snapshot: Snapshot) => {
    if (snapshot.metadata.index <= snapshotIndex) return;
    snapshotIndex = snapshot.metadata.index;
    await wal.saveSnapshot({ index: snapshot.metadata.index, term: snapshot.metadata.term, config: encodeConfState(snapshot.metadata.confState) }, snapshot.data);
  };
  return {
    load: async (): Promise<Recovered> => {
      const { hardState, snapshot, entries } = wal.recovered;
      const blank = hardState.term === 0 && hardState.vote === undefined && hardState.commit === 0;
      return {
        hardState: blank ? undefined : hardState,
        snapshot: snapshot === null ? undefined : { metadata: { index: snapshot.meta.index, term: snapshot.meta.term, confState: decodeConfState(snapshot.meta.config) }, data: snapshot.data },
        entries: entries.map((record) => decodeEntry(record.payload)),
      };
    },
    persist: async (ready) => {
      if (ready.snapshot !== undefined) await saveSnapshot(ready.snapshot);
      if (!ready.mustSync && ready.entries.length === 0) return;
      await wal.save({
        ...(ready.hardState === undefined ? {} : { hardState: ready.hardState }),
        entries: ready.entries.map((entry) => ({ index: entry.index, term: entry.term, payload: encodeEntry(entry) })),
      });
    },
    compact: async (snapshot) => {
      await saveSnapshot(snapshot);
      await wal.compact(snapshot.metadata.index);
    },
    close: () => wal.close(),
  };
}

function encodeConfState(confState: ConfState): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ voters: confState.voters, learners: confState.learners }));
}

function decodeConfState(bytes: Uint8Array): ConfState {
  const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { voters: string[]; learners: string[] };
  return { voters: parsed.voters, learners: parsed.learners };
}
