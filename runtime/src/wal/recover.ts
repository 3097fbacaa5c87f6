// Recovery: the snapshot and every segment read back into the state the log was in — hard state,
// snapshot, and the entries after it — checking that the segments follow each other and that the
// surviving entries run without a gap from the snapshot on.
//
// An entry record with index i replaces every entry ≥ i (Raft overwriting a conflicting suffix),
// so gaps between records are normal while replaying — a later record can overwrite the entries
// on both sides — and only the log that survives replay must be contiguous.
import { join } from "node:path";
import { WalCorruptionError } from "./errors.js";
import type { WalFs } from "./fs.js";
import { decodeVote, isSegmentHeaderPayload, RecordType } from "./record.js";
import { parseSegmentFileName, scanSegment } from "./segment.js";
import { readSnapshot, type Snapshot } from "./snapshot.js";

export interface WalRecord {
  readonly index: number;
  readonly term: number;
  readonly payload: Uint8Array;
}

/** Raft's hard state: what a node must remember before it answers anyone. */
export interface HardState {
  readonly term: number;
  /** Who this node voted for in `term`, opaque to the store (a node id); undefined for nobody. */
  readonly vote: string | undefined;
  readonly commit: number;
}

export const emptyHardState: HardState = { term: 0, vote: undefined, commit: 0 };

/** What a segment holds, as far as compaction needs to know. */
export interface SegmentInfo {
  readonly name: string;
  readonly sequence: number;
  readonly firstIndex: number;
  /** The lowest entry index written in it (Infinity if none): its entries below the next segments' lowest survive. */
  lowestIndex: number;
}

export interface Recovery {
  readonly hardState: HardState | undefined;
  readonly snapshot: Snapshot | null;
  readonly entries: WalRecord[];
  readonly segments: SegmentInfo[];
  /** The last segment's valid records end here; [end, tornEnd) is a torn tail to zero. */
  readonly end: number;
  readonly tornEnd: number;
}

interface LiveEntry {
  readonly record: WalRecord;
  readonly path: string;
  readonly offset: number;
}

export async function recover(fs: WalFs, walDirectory: string, snapshotDirectory: string): Promise<Recovery> {
  const snapshot = await readSnapshot(fs, snapshotDirectory);
  const snapshotIndex = snapshot?.meta.index ?? 0;
  const named = (await fs.readdir(walDirectory)).flatMap((name) => {
    const parsed = parseSegmentFileName(name);
    return parsed === undefined ? [] : [{ name, ...parsed }];
  });
  named.sort((a, b) => a.sequence - b.sequence);

  const segments: SegmentInfo[] = [];
  const live: LiveEntry[] = [];
  let hardState: HardState | undefined;
  let end = 0;
  let tornEnd = 0;
  for (const [k, segment] of named.entries()) {
    const path = join(walDirectory, segment.name);
    const previous = named[k - 1]?.sequence;
    if (previous === segment.sequence) throw new WalCorruptionError("bad-segment-header", path, 0, `two segments with sequence number ${segment.sequence}`);
    if (previous !== undefined && previous + 1 !== segment.sequence) throw new WalCorruptionError("missing-segment", path, 0, `segment ${previous + 1} is missing before this one`);
    const isLast = k === named.length - 1;
    const file = await fs.open(path, "read");
    let bytes: Uint8Array;
    try {
      bytes = await file.read(0, await file.size());
    } finally {
      await file.close();
    }
    const scan = scanSegment(bytes, path, isLast);
    ({ end, tornEnd } = scan);
    const info: SegmentInfo = { name: segment.name, sequence: segment.sequence, firstIndex: segment.firstIndex, lowestIndex: Infinity };
    segments.push(info);
    const [header, ...records] = scan.records;
    if (header === undefined) {
      // Only the last segment may be empty: its first write never reached the disk.
      if (!isLast) throw new WalCorruptionError("bad-segment-header", path, 0, "a segment with no records before the last segment");
      continue;
    }
    if (header.type !== RecordType.segmentHeader || !isSegmentHeaderPayload(header.payload) || header.a !== segment.sequence || header.b !== segment.firstIndex) {
      throw new WalCorruptionError("bad-segment-header", path, 0, "the first record is not this segment's header");
    }
    for (const record of records) {
      if (record.type === RecordType.segmentHeader) throw new WalCorruptionError("bad-sequence", path, record.offset, "a segment header after the first record");
      if (record.type === RecordType.hardState) {
        const decoded = decodeVote(record.payload);
        if (decoded === undefined) throw new WalCorruptionError("bad-sequence", path, record.offset, "a hard state whose vote does not decode");
        hardState = { term: record.a, vote: decoded.vote, commit: record.b };
        continue;
      }
      const index = record.b;
      if (index < 1) throw new WalCorruptionError("bad-sequence", path, record.offset, "an entry with index 0");
      info.lowestIndex = Math.min(info.lowestIndex, index);
      while (live.length > 0 && live[live.length - 1]!.record.index >= index) live.pop();
      if (index > snapshotIndex) live.push({ record: { index, term: record.a, payload: record.payload.slice() }, path, offset: record.offset });
    }
  }

  let expected = snapshotIndex + 1;
  for (const entry of live) {
    if (entry.record.index !== expected) {
      const after = expected - 1 === snapshotIndex ? `the snapshot ends at ${snapshotIndex}` : `the previous entry is ${expected - 1}`;
      throw new WalCorruptionError("index-gap", entry.path, entry.offset, `entry ${entry.record.index} follows a gap: ${after}`);
    }
    expected++;
  }
  return { hardState, snapshot, entries: live.map((entry) => entry.record), segments, end, tornEnd };
}
