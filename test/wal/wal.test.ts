// The write-ahead log's features on the real disk and on the in-memory one: round trips through
// a restart, group commit, overwriting a conflicting suffix, snapshots and compaction, segment
// roll-over, and what happens after an I/O error.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryFs, Wal, WalFailedError, type OpenMode, type WalFile, type WalFs, type WalOptions, type WalRecord } from "@coal/runtime/wal";

const directories: string[] = [];
afterEach(async () => {
  await Promise.all(directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
});

async function temporaryDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), "coal-wal-"));
  directories.push(directory);
  return directory;
}

/** Entry `index` of term `term`, with a payload that says which it is. */
function entry(index: number, term = 1, bytes = 16): WalRecord {
  const payload = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) payload[i] = (index * 31 + term * 7 + i) & 255;
  return { index, term, payload };
}

function entries(from: number, to: number, term = 1, bytes = 16): WalRecord[] {
  return Array.from({ length: to - from + 1 }, (_, i) => entry(from + i, term, bytes));
}

const summary = (records: readonly WalRecord[]) => records.map((record) => `${record.index}@${record.term}`);

describe.each([
  ["node fs", async (): Promise<{ directory: string; options: WalOptions }> => ({ directory: await temporaryDirectory(), options: { segmentBytes: 64 * 1024 } })],
  ["memory fs", async (): Promise<{ directory: string; options: WalOptions }> => ({ directory: "/data/group", options: { fs: new MemoryFs(), segmentBytes: 64 * 1024 } })],
])("wal on %s", (_, setup) => {
  it("starts empty", async () => {
    const { directory, options } = await setup();
    const wal = await Wal.open(directory, options);
    expect(wal.recovered).toEqual({ hardState: { term: 0, vote: undefined, commit: 0 }, snapshot: null, entries: [] });
    await wal.close();
  });

  it("recovers entries and hard state after a restart", async () => {
    const { directory, options } = await setup();
    const wal = await Wal.open(directory, options);
    await wal.save({ hardState: { term: 2, vote: "peer-a", commit: 0 }, entries: entries(1, 10, 2) });
    await wal.append(entries(11, 20, 2));
    await wal.saveHardState({ term: 3, vote: undefined, commit: 15 });
    await wal.close();

    const again = await Wal.open(directory, options);
    expect(again.recovered.hardState).toEqual({ term: 3, vote: undefined, commit: 15 });
    expect(again.recovered.entries).toEqual(entries(1, 20, 2));
    await again.append(entries(21, 25, 3));
    await again.close();
    const third = await Wal.open(directory, options);
    expect(summary(third.recovered.entries)).toEqual(summary([...entries(1, 20, 2), ...entries(21, 25, 3)]));
    expect(third.recovered.hardState.commit).toBe(15);
    await third.close();
  });

  it("keeps votes of any text and empty payloads", async () => {
    const { directory, options } = await setup();
    const wal = await Wal.open(directory, options);
    await wal.save({ hardState: { term: 1, vote: "ünïcode peer ✓", commit: 0 }, entries: [{ index: 1, term: 1, payload: new Uint8Array(0) }] });
    await wal.saveHardState({ term: 1, vote: "", commit: 1 });
    await wal.close();
    const again = await Wal.open(directory, options);
    expect(again.recovered.hardState).toEqual({ term: 1, vote: "", commit: 1 });
    expect(again.recovered.entries).toEqual([{ index: 1, term: 1, payload: new Uint8Array(0) }]);
    await again.close();
  });

  it("overwrites a conflicting suffix, and the overwrite survives a restart", async () => {
    const { directory, options } = await setup();
    const wal = await Wal.open(directory, options);
    await wal.append(entries(1, 10, 1));
    await wal.append(entries(6, 8, 2)); // a new leader's entries from 6: 9 and 10 are gone too
    await wal.close();
    const again = await Wal.open(directory, options);
    expect(summary(again.recovered.entries)).toEqual(summary([...entries(1, 5, 1), ...entries(6, 8, 2)]));
    await again.append(entries(9, 9, 2));
    await again.close();
    const third = await Wal.open(directory, options);
    expect(summary(third.recovered.entries)).toEqual([...summary(entries(1, 5, 1)), ...summary(entries(6, 9, 2))]);
    expect(third.recovered.entries.at(-1)).toEqual(entry(9, 2));
    await third.close();
  });

  it("rolls segments over, across restarts, and reads them all back", async () => {
    const { directory, options } = await setup();
    const small = { ...options, segmentBytes: 4096 };
    let expected: WalRecord[] = [];
    for (let round = 0; round < 4; round++) {
      const wal = await Wal.open(directory, small);
      expect(wal.recovered.entries).toEqual(expected);
      for (let i = 0; i < 10; i++) {
        const batch = entries(expected.length + 1, expected.length + 5, round + 1, 100);
        await wal.append(batch);
        expected = [...expected, ...batch];
      }
      await wal.saveHardState({ term: round + 1, vote: "b", commit: expected.length - 3 });
      await wal.close();
    }
    const wal = await Wal.open(directory, small);
    expect(wal.recovered.entries).toEqual(expected);
    expect(wal.recovered.hardState).toEqual({ term: 4, vote: "b", commit: 197 });
    await wal.close();
  });

  it("saves snapshots atomically and recovers the entries after the latest", async () => {
    const { directory, options } = await setup();
    const wal = await Wal.open(directory, options);
    await wal.append(entries(1, 30));
    await wal.saveSnapshot({ index: 10, term: 1, config: Uint8Array.of(1, 2, 3) }, new Uint8Array(1000).fill(7));
    await wal.saveSnapshot({ index: 20, term: 1, config: Uint8Array.of(4) }, new Uint8Array(10).fill(9));
    await wal.close();
    const again = await Wal.open(directory, options);
    expect(again.recovered.snapshot).toEqual({ meta: { index: 20, term: 1, config: Uint8Array.of(4) }, data: new Uint8Array(10).fill(9) });
    expect(summary(again.recovered.entries)).toEqual(summary(entries(21, 30)));
    await again.close();
  });

  it("accepts entries after a snapshot that is ahead of the log (a follower catching up)", async () => {
    const { directory, options } = await setup();
    const wal = await Wal.open(directory, options);
    await wal.append(entries(1, 5));
    void wal.saveSnapshot({ index: 100, term: 4, config: new Uint8Array(0) }, Uint8Array.of(1));
    await wal.append(entries(101, 103, 4)); // written only once the snapshot is durable
    await wal.close();
    const again = await Wal.open(directory, options);
    expect(again.recovered.snapshot?.meta.index).toBe(100);
    expect(summary(again.recovered.entries)).toEqual(summary(entries(101, 103, 4)));
    await again.close();
  });

  it("compacts whole segments below a snapshot, keeping the hard state and every later entry", async () => {
    const { directory, options } = await setup();
    const small = { ...options, segmentBytes: 4096 };
    const wal = await Wal.open(directory, small);
    await wal.saveHardState({ term: 7, vote: "c", commit: 0 });
    for (let i = 0; i < 40; i++) await wal.append(entries(i * 5 + 1, i * 5 + 5, 7, 100));
    const before = wal.stats.segmentsCreated;
    expect(before).toBeGreaterThanOrEqual(6);
    await wal.saveSnapshot({ index: 150, term: 7, config: new Uint8Array(0) }, new Uint8Array(0));
    await wal.compact(150);
    expect(wal.stats.segmentsRemoved).toBeGreaterThanOrEqual(4);
    expect(wal.stats.segmentsRemoved).toBeLessThan(before);
    await wal.close();
    const again = await Wal.open(directory, small);
    expect(again.recovered.hardState).toEqual({ term: 7, vote: "c", commit: 0 });
    expect(summary(again.recovered.entries)).toEqual(summary(entries(151, 200, 7, 100)));
    await again.close();
  });

  it("never compacts a segment whose entries a later overwrite left alive", async () => {
    const { directory, options } = await setup();
    const small = { ...options, segmentBytes: 4096 };
    const wal = await Wal.open(directory, small);
    for (let i = 0; i < 12; i++) await wal.append(entries(i * 5 + 1, i * 5 + 5, 1, 100));
    // Overwrite from 20 on: entries 1..19 stay in the early segments, 20.. live in the last ones.
    await wal.append(entries(20, 30, 2, 100));
    await wal.saveSnapshot({ index: 10, term: 1, config: new Uint8Array(0) }, new Uint8Array(0));
    await wal.compact(10);
    await wal.close();
    const again = await Wal.open(directory, small);
    expect(summary(again.recovered.entries)).toEqual([...summary(entries(11, 19, 1)), ...summary(entries(20, 30, 2))]);
    await again.close();
  });
});

/** A file system whose fdatasyncs wait until the test lets them finish, to see what is queued behind one. */
class GatedFs implements WalFs {
  private waiting: (() => void)[] = [];
  holding = false;

  constructor(readonly inner: MemoryFs) {}

  /** Lets every held fdatasync finish. */
  release(): void {
    for (const go of this.waiting.splice(0)) go();
  }

  get held(): number {
    return this.waiting.length;
  }

  mkdir = (path: string) => this.inner.mkdir(path);
  readdir = (path: string) => this.inner.readdir(path);
  rename = (from: string, to: string) => this.inner.rename(from, to);
  unlink = (path: string) => this.inner.unlink(path);
  syncDirectory = (path: string) => this.inner.syncDirectory(path);
  async open(path: string, mode: OpenMode): Promise<WalFile> {
    const file = await this.inner.open(path, mode);
    const datasync = async () => {
      if (this.holding) await new Promise<void>((go) => this.waiting.push(go));
      await file.datasync();
    };
    return { path, size: () => file.size(), read: (p, n) => file.read(p, n), write: (d, p) => file.write(d, p), truncate: (n) => file.truncate(n), datasync, sync: () => file.sync(), close: () => file.close() };
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("group commit", () => {
  it("queues saves issued during an fdatasync into the next batch, and resolves each only once durable", async () => {
    const fs = new GatedFs(new MemoryFs());
    const wal = await Wal.open("/g", { fs, segmentBytes: 1 << 20 });
    fs.holding = true;
    const resolved: number[] = [];
    const first = wal.append([entry(1)]).then(() => resolved.push(1));
    await settle();
    expect(fs.held).toBe(1); // written, its fdatasync in flight
    const rest = [2, 3, 4, 5].map((index) => wal.append([entry(index)]).then(() => resolved.push(index)));
    await settle();
    expect(resolved).toEqual([]);
    // A crash now loses everything: nothing was acknowledged.
    fs.release();
    await first;
    expect(resolved).toEqual([1]);
    await settle();
    expect(fs.held).toBe(1); // 2..5: one batch, one write, one fdatasync
    expect(resolved).toEqual([1]);
    fs.release();
    await Promise.all(rest);
    expect(resolved).toEqual([1, 2, 3, 4, 5]);
    expect(wal.stats.batches).toBe(2);
    fs.holding = false;
    await wal.close();
  });

  it("acknowledges only durable saves: a crash while an fdatasync is in flight keeps every acknowledged one", async () => {
    const memory = new MemoryFs();
    const fs = new GatedFs(memory);
    const wal = await Wal.open("/g", { fs, segmentBytes: 1 << 20 });
    await wal.append(entries(1, 3));
    fs.holding = true;
    const pending = wal.append(entries(4, 6)).catch(() => "lost");
    await settle();
    const restarted = memory.crash();
    fs.release();
    expect(await pending).toBe("lost");
    const again = await Wal.open("/g", { fs: restarted, segmentBytes: 1 << 20 });
    expect(summary(again.recovered.entries)).toEqual(summary(entries(1, 3)));
    await again.close();
  });

  it("batches 64 concurrent writers into far fewer fdatasyncs (memory fs)", async () => {
    const fs = new MemoryFs();
    const wal = await Wal.open("/g", { fs, segmentBytes: 1 << 20 });
    const before = fs.stats.datasyncs;
    let next = 1;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        for (let k = 0; k < 20; k++) await wal.append([entry(next++)]);
      }),
    );
    const syncs = fs.stats.datasyncs - before;
    expect(wal.stats.records).toBe(1280);
    expect(syncs).toBe(wal.stats.batches);
    expect(syncs).toBeLessThanOrEqual(1280 / 32);
    await wal.close();
    const again = await Wal.open("/g", { fs, segmentBytes: 1 << 20 });
    expect(again.recovered.entries).toEqual(entries(1, 1280));
    await again.close();
  });

  it("batches 64 concurrent writers into far fewer fdatasyncs (node fs)", async () => {
    const directory = await temporaryDirectory();
    const wal = await Wal.open(directory, { segmentBytes: 1 << 20 });
    let next = 1;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        for (let k = 0; k < 20; k++) await wal.append([entry(next++)]);
      }),
    );
    expect(wal.stats.records).toBe(1280);
    expect(wal.stats.batches).toBeLessThanOrEqual(1280 / 16);
    await wal.close();
    const again = await Wal.open(directory, { segmentBytes: 1 << 20 });
    expect(again.recovered.entries).toEqual(entries(1, 1280));
    await again.close();
  });

  it("persists a hard state with the entries it commits in one fdatasync", async () => {
    const fs = new MemoryFs();
    const wal = await Wal.open("/g", { fs, segmentBytes: 4096 });
    const before = fs.stats.datasyncs;
    await wal.save({ hardState: { term: 1, vote: "a", commit: 3 }, entries: entries(1, 3) });
    expect(fs.stats.datasyncs - before).toBe(1);
    await wal.close();
  });
});

describe("the files", () => {
  it("lays a group out as dataDir/<group>/wal and /snap, segments named by sequence and first index", async () => {
    const directory = await temporaryDirectory();
    const group = join(directory, "group-1");
    const wal = await Wal.open(group, { segmentBytes: 4096 });
    for (let i = 0; i < 12; i++) await wal.append(entries(i * 10 + 1, i * 10 + 10, 1, 100));
    await wal.saveSnapshot({ index: 5, term: 1, config: new Uint8Array(0) }, new Uint8Array(0));
    await wal.close();
    expect((await readdir(group)).sort()).toEqual(["snap", "wal"]);
    expect(await readdir(join(group, "snap"))).toEqual(["snapshot"]);
    const segments = (await readdir(join(group, "wal"))).filter((name) => name.endsWith(".wal")).sort();
    expect(segments[0]).toBe("0000000000000001-0000000000000001.wal");
    expect(segments.length).toBeGreaterThan(3);
    for (const name of segments) expect(name).toMatch(/^[0-9a-f]{16}-[0-9a-f]{16}\.wal$/);
  });
});

describe("misuse and failure", () => {
  it("refuses entries that would leave a gap, start inside the snapshot, or are not consecutive", async () => {
    const wal = await Wal.open("/g", { fs: new MemoryFs(), segmentBytes: 4096 });
    await wal.append(entries(1, 3));
    expect(() => wal.append(entries(5, 6))).toThrow(/at most one past the last entry/);
    expect(() => wal.append([entry(4), entry(6)])).toThrow(/consecutive/);
    await wal.saveSnapshot({ index: 3, term: 1, config: new Uint8Array(0) }, new Uint8Array(0));
    expect(() => wal.append(entries(3, 4))).toThrow(/after the snapshot/);
    expect(() => wal.compact(4)).toThrow(/snapshot ends at 3/);
    await wal.close();
    expect(() => wal.append(entries(4, 4))).toThrow(/closed/);
  });

  it("stops after an I/O error: the failed save, those queued behind it and every later one reject", async () => {
    let failSyncs = false;
    const fs = new MemoryFs({
      onOperation: (operation) => {
        if (failSyncs && operation === "datasync") throw Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" });
      },
    });
    const wal = await Wal.open("/g", { fs, segmentBytes: 4096 });
    await wal.append(entries(1, 2));
    failSyncs = true;
    const failed = wal.append(entries(3, 3));
    const queued = wal.append(entries(4, 4));
    await expect(failed).rejects.toBeInstanceOf(WalFailedError);
    await expect(queued).rejects.toBeInstanceOf(WalFailedError);
    failSyncs = false;
    await expect(wal.append(entries(5, 5))).rejects.toThrow(/must be reopened: EIO/);
    await expect(wal.saveHardState({ term: 1, vote: undefined, commit: 0 })).rejects.toBeInstanceOf(WalFailedError);
    await wal.close();
    const again = await Wal.open("/g", { fs, segmentBytes: 4096 });
    expect(summary(again.recovered.entries).slice(0, 2)).toEqual(summary(entries(1, 2)));
    await again.close();
  });
});

describe("nodeFs", () => {
  it("writes durably through the O_DSYNC descriptor, also after the file is renamed into place", async () => {
    const { nodeFs } = await import("@coal/runtime/wal");
    const directory = await temporaryDirectory();
    const file = await nodeFs.open(join(directory, "spare"), "create");
    await file.write(new Uint8Array(4096), 0); // preallocated, as a spare segment is
    await nodeFs.rename(join(directory, "spare"), join(directory, "segment"));
    expect(file.writeDurably).toBeTypeOf("function");
    await file.writeDurably!(Uint8Array.of(1, 2, 3, 4), 100);
    await file.close();
    const again = await nodeFs.open(join(directory, "segment"), "read");
    expect([...(await again.read(99, 6))]).toEqual([0, 1, 2, 3, 4, 0]);
    expect(await again.size()).toBe(4096);
    await again.close();
  });
});
