// Recovery from damaged files: a torn or corrupt tail is truncated to the last valid record,
// whatever byte the damage starts at; corruption in the middle — before valid records of a later
// write, or anywhere in a segment that is not the last — fails loudly, naming the file and offset.
// Offsets come from walking the records by the layout documented in record.ts.
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryFs, Wal, WalCorruptionError, type WalRecord } from "@coal/runtime/wal";

const directories: string[] = [];
afterEach(async () => {
  await Promise.all(directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
});

function entry(index: number, term = 1, bytes = 40): WalRecord {
  const payload = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) payload[i] = (index * 31 + term * 7 + i + 1) & 255 || 1;
  return { index, term, payload };
}

function entries(from: number, to: number, term = 1, bytes = 40): WalRecord[] {
  return Array.from({ length: to - from + 1 }, (_, i) => entry(from + i, term, bytes));
}

const summary = (records: readonly WalRecord[]) => records.map((record) => `${record.index}@${record.term}`);

/** [start, end) of every record in a segment, padding included. */
function recordRanges(bytes: Uint8Array): [number, number][] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ranges: [number, number][] = [];
  for (let at = 0; at + 32 <= bytes.length && view.getUint32(at + 4, true) !== 0; ) {
    const end = at + Math.ceil((8 + view.getUint32(at + 4, true)) / 8) * 8;
    ranges.push([at, end]);
    at = end;
  }
  return ranges;
}

const options = (fs: MemoryFs) => ({ fs, segmentBytes: 64 * 1024 });

/** A log on a fresh memory disk, one append per batch; returns the disk and its segment paths, in order. */
async function build(batches: readonly (readonly WalRecord[])[], segmentBytes = 64 * 1024): Promise<{ fs: MemoryFs; segments: string[] }> {
  const fs = new MemoryFs();
  const wal = await Wal.open("/g", { fs, segmentBytes });
  for (const batch of batches) await wal.append(batch);
  await wal.close();
  const segments = (await fs.readdir("/g/wal")).filter((name) => name.endsWith(".wal")).sort();
  return { fs, segments: segments.map((name) => `/g/wal/${name}`) };
}

/** The same files on a fresh disk, with `path` replaced by `bytes`. */
function withFile(fs: MemoryFs, files: readonly string[], path: string, bytes: Uint8Array): MemoryFs {
  const copy = new MemoryFs();
  for (const file of files) copy.writeFile(file, file === path ? bytes : fs.readFile(file));
  return copy;
}

async function recovered(fs: MemoryFs): Promise<string[]> {
  const wal = await Wal.open("/g", options(fs));
  const result = summary(wal.recovered.entries);
  await wal.close();
  return result;
}

async function corruption(fs: MemoryFs): Promise<WalCorruptionError> {
  const error = await Wal.open("/g", options(fs)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WalCorruptionError);
  return error as WalCorruptionError;
}

describe("a torn or corrupt tail", () => {
  it("is truncated to the previous record when the last record is torn at any byte (zeros after)", async () => {
    const { fs, segments } = await build([1, 2, 3, 4, 5].map((i) => [entry(i)]));
    const path = segments[0]!;
    const bytes = fs.readFile(path);
    const [start, end] = recordRanges(bytes).at(-1)!;
    for (let cut = start; cut < end; cut++) {
      const torn = bytes.slice();
      torn.fill(0, cut);
      const disk = withFile(fs, segments, path, torn);
      expect(await recovered(disk), `cut at ${cut}`).toEqual(summary(entries(1, 4)));
      // The log goes on from there, and the new record is read back after a restart.
      const wal = await Wal.open("/g", options(disk));
      await wal.append([entry(5, 2)]);
      await wal.close();
      expect(await recovered(disk), `cut at ${cut}, then appended`).toEqual([...summary(entries(1, 4)), "5@2"]);
    }
  });

  it("is truncated to the previous record when the file ends at any byte of the last record", async () => {
    const { fs, segments } = await build([1, 2, 3, 4, 5].map((i) => [entry(i)]));
    const path = segments[0]!;
    const bytes = fs.readFile(path);
    const [start, end] = recordRanges(bytes).at(-1)!;
    for (let cut = start; cut < end; cut++) {
      const disk = withFile(fs, segments, path, bytes.slice(0, cut));
      expect(await recovered(disk), `file ends at ${cut}`).toEqual(summary(entries(1, 4)));
    }
  });

  it("is truncated when any byte of the last record is flipped, and its remains never come back", async () => {
    const { fs, segments } = await build([[entry(1)], [entry(2)], [entry(3, 1, 400)]]);
    const path = segments[0]!;
    const bytes = fs.readFile(path);
    const [start, end] = recordRanges(bytes).at(-1)!;
    for (let at = start; at < end; at++) {
      const flipped = bytes.slice();
      flipped[at]! ^= 0xff;
      const disk = withFile(fs, segments, path, flipped);
      expect(await recovered(disk), `flipped byte ${at}`).toEqual(summary(entries(1, 2)));
      if (at % 37 !== 0) continue;
      // The bad record's bytes were zeroed: a shorter record written in its place leaves none behind.
      const wal = await Wal.open("/g", options(disk));
      await wal.append([entry(3, 2)]);
      await wal.close();
      expect(await recovered(disk)).toEqual(["1@1", "2@1", "3@2"]);
    }
  });

  it("is a clean end when followed by zeros, however many (preallocation)", async () => {
    const { fs, segments } = await build([entries(1, 3), entries(4, 6)]);
    const path = segments[0]!;
    const bytes = fs.readFile(path);
    const longer = new Uint8Array(bytes.length + 3 * 1024 * 1024);
    longer.set(bytes);
    expect(await recovered(withFile(fs, segments, path, longer))).toEqual(summary(entries(1, 6)));
    expect(await recovered(withFile(fs, segments, path, bytes.slice(0, recordRanges(bytes).at(-1)![1])))).toEqual(summary(entries(1, 6)));
  });

  it("is truncated at a hole: a write torn with a sector that never reached the disk, valid records after it", async () => {
    const { fs, segments } = await build([entries(1, 30)]);
    const path = segments[0]!;
    const bytes = fs.readFile(path);
    const ranges = recordRanges(bytes);
    for (const hole of [0, 512, 1024, 1536]) {
      const torn = bytes.slice();
      torn.fill(0, hole, hole + 512);
      // Records are [header, entry 1, …]: the first damaged one and everything after it go.
      const survivors = ranges.slice(1).filter(([, end]) => end <= hole).length;
      const disk = withFile(fs, segments, path, torn);
      expect(await recovered(disk), `hole at ${hole}`).toEqual(summary(entries(1, survivors)));
      // What followed the hole is zeroed too: it never comes back after the next write.
      const wal = await Wal.open("/g", options(disk));
      await wal.append([entry(survivors + 1, 2)]);
      await wal.close();
      expect(await recovered(disk)).toEqual([...summary(entries(1, survivors)), `${survivors + 1}@2`]);
    }
  });
});

describe("corruption in the middle", () => {
  it("fails loudly, naming the file and the record's offset, when any byte of a middle record is flipped", async () => {
    const { fs, segments } = await build([1, 2, 3, 4, 5].map((i) => [entry(i)]));
    const path = segments[0]!;
    const bytes = fs.readFile(path);
    const [start, end] = recordRanges(bytes)[3]!; // entry 3 (after the header and entries 1, 2)
    for (let at = start; at < end; at++) {
      const flipped = bytes.slice();
      flipped[at]! ^= 0xff;
      const error = await corruption(withFile(fs, segments, path, flipped));
      expect(error.reason).toBe("bad-record");
      expect(error.file).toBe(path);
      expect(error.offset, `flipped byte ${at}`).toBe(start);
      expect(error.message).toContain(`${path} at byte ${start}`);
    }
  });

  it("fails loudly for a flipped byte in the middle of the last write too: damage no torn write explains", async () => {
    const { fs, segments } = await build([entries(1, 10)]);
    const path = segments[0]!;
    const bytes = fs.readFile(path);
    const [start, end] = recordRanges(bytes)[5]!;
    for (let at = start; at < end; at++) {
      const flipped = bytes.slice();
      flipped[at]! ^= 0xff;
      const error = await corruption(withFile(fs, segments, path, flipped));
      expect([error.file, error.offset]).toEqual([path, start]);
    }
  });

  it("fails loudly for a hole in a write that a later, synced write follows", async () => {
    const { fs, segments } = await build([entries(1, 30), entries(31, 35)]);
    const path = segments[0]!;
    const torn = fs.readFile(path);
    torn.fill(0, 1024, 1536);
    const first = recordRanges(fs.readFile(path)).find(([, end]) => end > 1024)!;
    const error = await corruption(withFile(fs, segments, path, torn));
    expect([error.reason, error.file, error.offset]).toEqual(["bad-record", path, first[0]]);
  });

  it("fails loudly for any damage to a segment that is not the last: its records and its zero tail", async () => {
    const { fs, segments } = await build(
      Array.from({ length: 12 }, (_, i) => entries(i * 10 + 1, i * 10 + 10)),
      4096,
    );
    expect(segments.length).toBeGreaterThan(2);
    const path = segments[0]!;
    const bytes = fs.readFile(path);
    const [start] = recordRanges(bytes).at(-1)!;
    const flipped = bytes.slice();
    flipped[start + 20]! ^= 0x01;
    const error = await corruption(withFile(fs, segments, path, flipped));
    expect([error.reason, error.file, error.offset]).toEqual(["bad-record", path, start]);

    const tail = bytes.slice();
    tail[4000] = 1;
    const stray = await corruption(withFile(fs, segments, path, tail));
    expect([stray.reason, stray.file, stray.offset]).toEqual(["unexpected-bytes", path, 4000]);
  });

  it("fails loudly when a segment in the middle is missing", async () => {
    const { fs, segments } = await build(
      Array.from({ length: 12 }, (_, i) => entries(i * 10 + 1, i * 10 + 10)),
      4096,
    );
    const disk = new MemoryFs();
    for (const file of segments) if (file !== segments[1]) disk.writeFile(file, fs.readFile(file));
    const error = await corruption(disk);
    expect([error.reason, error.file, error.offset]).toEqual(["missing-segment", segments[2], 0]);
  });

  it("fails loudly when the surviving entries do not run on from the snapshot", async () => {
    // Entries appended after a snapshot that is ahead of the log need that snapshot: without it, a gap.
    const ahead = new MemoryFs();
    const log = await Wal.open("/g", options(ahead));
    await log.append(entries(1, 2));
    await log.saveSnapshot({ index: 10, term: 2, config: new Uint8Array(0) }, new Uint8Array(0));
    await log.append(entries(11, 12, 2));
    await log.close();
    ahead.removeFile("/g/snap/snapshot");
    const error = await corruption(ahead);
    expect(error.reason).toBe("index-gap");
    expect(error.message).toContain("entry 11 follows a gap: the previous entry is 2");
  });

  it("fails loudly on a corrupt snapshot", async () => {
    const fs = new MemoryFs();
    const wal = await Wal.open("/g", options(fs));
    await wal.append(entries(1, 4));
    await wal.saveSnapshot({ index: 2, term: 1, config: Uint8Array.of(1) }, new Uint8Array(100).fill(3));
    await wal.close();
    const snapshot = fs.readFile("/g/snap/snapshot");
    snapshot[60]! ^= 1;
    fs.writeFile("/g/snap/snapshot", snapshot);
    const error = await corruption(fs);
    expect([error.reason, error.file]).toEqual(["bad-snapshot", "/g/snap/snapshot"]);
  });
});

describe("segments at the edges", () => {
  it("reads a last segment whose first write never reached the disk as empty, and writes on in it", async () => {
    const { fs, segments } = await build(
      Array.from({ length: 6 }, (_, i) => entries(i * 10 + 1, i * 10 + 10)),
      4096,
    );
    const last = segments.at(-1)!;
    const earlier = new MemoryFs();
    for (const file of segments) earlier.writeFile(file, file === last ? new Uint8Array(4096) : fs.readFile(file));
    const kept = await recovered(earlier);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept).toEqual(summary(entries(1, kept.length)));
    const wal = await Wal.open("/g", options(earlier));
    await wal.append([entry(kept.length + 1, 3)]);
    await wal.close();
    expect(await recovered(earlier)).toEqual([...kept, `${kept.length + 1}@3`]);
  });
});

describe("on the real disk", () => {
  async function directory(): Promise<string> {
    const path = await mkdtemp(join(tmpdir(), "coal-wal-recovery-"));
    directories.push(path);
    return path;
  }

  it("truncates a torn tail and fails loudly on a corrupt middle record, naming the file", async () => {
    const group = await directory();
    const wal = await Wal.open(group, { segmentBytes: 64 * 1024 });
    for (let i = 1; i <= 5; i++) await wal.append([entry(i)]);
    await wal.close();
    const [name] = (await readdir(join(group, "wal"))).filter((file) => file.endsWith(".wal"));
    const path = join(group, "wal", name!);
    const bytes = new Uint8Array(await readFile(path));
    const ranges = recordRanges(bytes);

    const torn = bytes.slice();
    torn.fill(0, ranges.at(-1)![0] + 13);
    await writeFile(path, torn);
    await appendFile(path, new Uint8Array(100_000)); // zeros after the tail
    const reopened = await Wal.open(group, { segmentBytes: 64 * 1024 });
    expect(summary(reopened.recovered.entries)).toEqual(summary(entries(1, 4)));
    await reopened.append([entry(5, 2)]);
    await reopened.close();

    const again = new Uint8Array(await readFile(path));
    again[ranges[2]![0] + 40]! ^= 0x10;
    await writeFile(path, again);
    const error = await Wal.open(group, { segmentBytes: 64 * 1024 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WalCorruptionError);
    expect((error as WalCorruptionError).file).toBe(path);
    expect((error as WalCorruptionError).offset).toBe(ranges[2]![0]);
    expect((error as Error).message).toMatch(new RegExp(`${name!.replace(".", "\\.")} at byte ${ranges[2]![0]}: a checksum mismatch, with valid records after it`));
  });
});
