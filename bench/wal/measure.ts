// The measurements of bench/wal, shared with bench/raft: durable appends to the write-ahead log
// by concurrent writers, and the raw baselines of the same bytes: write + fdatasync on a plain
// file, and O_DSYNC writes (what the log itself uses where the platform has it) on a zero-filled one. Each run uses a fresh directory under `root` and removes it.
import { constants } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import { join } from "node:path";
import { Wal, type Preallocation, type WalRecord } from "@coal/runtime/wal";

export interface AppendRun {
  readonly ms: number;
  readonly entries: number;
  readonly syncs: number;
}

/** The bytes a record of `size` payload bytes takes on disk (the layout of runtime/src/wal/record.ts). */
export const recordBytesOf = (size: number) => 32 + Math.ceil(size / 8) * 8;

export const defaultSegmentBytes = 64 * 1024 * 1024;

/** write + fdatasync of one record's bytes at a time, one writer, on a plain file (`grow`) or a zero-filled one. */
/** `count` durable appends, each awaited: write + fdatasync, or (`dsync`) one write on an O_DSYNC descriptor. */
export async function rawAppends(root: string, count: number, size: number, grow = true, dsync = false): Promise<AppendRun> {
  const directory = await mkdtemp(join(root, "raw-"));
  const recordBytes = recordBytesOf(size);
  let file = await open(join(directory, "raw"), "w+");
  const bytes = new Uint8Array(recordBytes).fill(42);
  if (!grow) {
    const zeros = new Uint8Array(1024 * 1024);
    for (let at = 0; at < count * recordBytes; at += zeros.length) await file.write(zeros, 0, zeros.length, at);
    await file.sync();
  }
  if (dsync) {
    await file.close();
    file = await open(join(directory, "raw"), constants.O_RDWR | constants.O_DSYNC);
  }
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    await file.write(bytes, 0, bytes.length, i * recordBytes);
    if (!dsync) await file.datasync();
  }
  const ms = performance.now() - started;
  await file.close();
  await rm(directory, { recursive: true });
  return { ms, entries: count, syncs: count };
}

/** `count` durable appends of `payload` by `concurrency` writers, each awaiting its append before the next. */
export async function walAppends(root: string, count: number, concurrency: number, payload: Uint8Array, preallocation: Preallocation = "zero-fill", segmentBytes = defaultSegmentBytes): Promise<AppendRun> {
  const directory = await mkdtemp(join(root, "wal-"));
  const log = await Wal.open(directory, { segmentBytes, preallocation });
  await log.append([{ index: 1, term: 1, payload }]); // creates the first segment, outside the timing
  let next = 2;
  const last = count + 1;
  const batchesBefore = log.stats.batches;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next <= last) {
        const entry: WalRecord = { index: next++, term: 1, payload };
        await log.append([entry]);
      }
    }),
  );
  const ms = performance.now() - started;
  const syncs = log.stats.batches - batchesBefore;
  await log.close();
  await rm(directory, { recursive: true });
  return { ms, entries: count, syncs };
}
