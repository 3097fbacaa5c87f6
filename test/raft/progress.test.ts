// The leader's per-follower bookkeeping — the inflight window, progress states — and the pieces
// under it: majority arithmetic and the in-memory log storage.
import { describe, expect, it } from "vitest";
import { Inflights, MemoryStorage, Progress, limitSize, type Entry } from "@coal/runtime/raft";
import { committedIndex, voteResult } from "../../runtime/src/raft/quorum.js";

const entry = (index: number, term: number, data = ""): Entry => ({ index, term, type: "normal", data: new TextEncoder().encode(data) });

describe("inflights", () => {
  it("fills up to its capacity and frees by acknowledged index", () => {
    const inflights = new Inflights(3);
    inflights.add(5, 10);
    inflights.add(7, 10);
    expect(inflights.full()).toBe(false);
    inflights.add(9, 10);
    expect(inflights.full()).toBe(true);
    expect(() => inflights.add(10, 1)).toThrow(/full/);
    inflights.freeLE(6);
    expect(inflights.count).toBe(2);
    expect(inflights.bytes).toBe(20);
    inflights.freeLE(9);
    expect(inflights.count).toBe(0);
  });

  it("wraps around its ring many times", () => {
    const inflights = new Inflights(4);
    let next = 1;
    let freed = 0;
    for (let round = 0; round < 100; round++) {
      while (!inflights.full()) inflights.add(next++, 1);
      freed += 2;
      inflights.freeLE(freed);
      expect(inflights.count).toBe(next - 1 - freed);
    }
  });

  it("is also bounded by bytes", () => {
    const inflights = new Inflights(100, 25);
    inflights.add(1, 10);
    inflights.add(2, 10);
    expect(inflights.full()).toBe(false);
    inflights.add(3, 10);
    expect(inflights.full()).toBe(true);
    inflights.freeLE(1);
    expect(inflights.full()).toBe(false);
  });

  it("refuses indices that do not grow", () => {
    const inflights = new Inflights(4);
    inflights.add(5, 0);
    expect(() => inflights.add(5, 0)).toThrow(/not above/);
  });

  it("freeing below the oldest frees nothing; reset empties it", () => {
    const inflights = new Inflights(4);
    inflights.add(5, 1);
    inflights.freeLE(4);
    expect(inflights.count).toBe(1);
    inflights.reset();
    expect(inflights.count).toBe(0);
    expect(inflights.bytes).toBe(0);
  });
});

describe("progress", () => {
  const progress = (next: number, capacity = 2) => new Progress(next, new Inflights(capacity), false);

  it("probe: one append at a time, and an acknowledgement moves the match", () => {
    const p = progress(5);
    expect(p.state).toBe("probe");
    expect(p.isPaused()).toBe(false);
    p.sentEntries(3, 30);
    expect(p.isPaused()).toBe(true);
    expect(p.next).toBe(5); // probes do not advance next
    expect(p.maybeUpdate(7)).toBe(true);
    expect(p).toMatchObject({ match: 7, next: 8 });
    expect(p.isPaused()).toBe(false);
    expect(p.maybeUpdate(6)).toBe(false); // stale
  });

  it("probe: a rejection of the last probe moves next back to the hint, a stale one is ignored", () => {
    const p = progress(10);
    p.match = 2;
    expect(p.maybeDecrTo(8, 4)).toBe(false); // not our probe (we sent at 9)
    expect(p.maybeDecrTo(9, 4)).toBe(true);
    expect(p.next).toBe(5); // hint + 1
    expect(p.maybeDecrTo(4, 0)).toBe(true);
    expect(p.next).toBe(3); // never below match + 1
  });

  it("replicate: appends stream optimistically until the window is full", () => {
    const p = progress(5);
    p.match = 4;
    p.becomeReplicate();
    p.sentEntries(2, 20);
    expect(p.next).toBe(7);
    expect(p.isPaused()).toBe(false);
    p.sentEntries(1, 10);
    expect(p.isPaused()).toBe(true);
    expect(p.inflights.count).toBe(2);
    p.maybeUpdate(6);
    p.inflights.freeLE(6);
    expect(p.inflights.count).toBe(1);
  });

  it("replicate: a rejection above the match sends next back to match + 1", () => {
    const p = progress(5);
    p.match = 4;
    p.becomeReplicate();
    p.sentEntries(3, 0);
    expect(p.maybeDecrTo(4, 0)).toBe(false); // at or below the match: stale
    expect(p.maybeDecrTo(6, 0)).toBe(true);
    expect(p.next).toBe(5);
  });

  it("snapshot: paused until it lands, then probes from past it", () => {
    const p = progress(5);
    p.match = 2;
    p.becomeSnapshot(20);
    expect(p.isPaused()).toBe(true);
    p.sentEntries(0, 0);
    p.becomeProbe();
    expect(p.next).toBe(21);
    const failed = progress(5);
    failed.match = 2;
    failed.becomeSnapshot(20);
    failed.pendingSnapshot = 0; // reported failed
    failed.becomeProbe();
    expect(failed.next).toBe(3);
  });
});

describe("quorum", () => {
  it("commits what a majority holds", () => {
    const matches = new Map([
      ["1", 5],
      ["2", 3],
      ["3", 9],
    ]);
    expect(committedIndex(["1", "2", "3"], (id) => matches.get(id))).toBe(5);
    expect(committedIndex(["1", "2", "3", "4"], (id) => matches.get(id))).toBe(3);
    expect(committedIndex(["1"], (id) => matches.get(id))).toBe(5);
    expect(committedIndex([], () => 7)).toBe(0);
  });

  it("decides votes as soon as the outcome is certain", () => {
    const votes = (granted: Record<string, boolean>) => (id: string) => granted[id];
    expect(voteResult(["1", "2", "3"], votes({ "1": true }))).toBe("pending");
    expect(voteResult(["1", "2", "3"], votes({ "1": true, "2": true }))).toBe("won");
    expect(voteResult(["1", "2", "3"], votes({ "1": true, "2": false }))).toBe("pending");
    expect(voteResult(["1", "2", "3"], votes({ "1": false, "2": false }))).toBe("lost");
    expect(voteResult(["1", "2", "3", "4"], votes({ "1": true, "2": true }))).toBe("pending");
    expect(voteResult([], votes({}))).toBe("lost");
  });
});

describe("memory storage", () => {
  it("appends, overwrites a suffix, compacts and snapshots", () => {
    const storage = new MemoryStorage();
    storage.append([entry(1, 1), entry(2, 1), entry(3, 1)]);
    expect([storage.firstIndex(), storage.lastIndex()]).toEqual([1, 3]);
    storage.append([entry(3, 2), entry(4, 2)]);
    expect(storage.term(3)).toBe(2);
    expect(storage.lastIndex()).toBe(4);
    expect(storage.createSnapshot(2, { voters: ["1"], learners: [] }, new Uint8Array(0))).toMatchObject({ metadata: { index: 2, term: 1 } });
    expect(storage.compact(2)).toBeUndefined();
    expect(storage.firstIndex()).toBe(3);
    expect(storage.term(2)).toBe(1); // the compacted entry's term stays available
    expect(storage.term(1)).toBe("compacted");
    expect(storage.term(5)).toBe("unavailable");
    expect(storage.entries(2, 4, Infinity)).toBe("compacted");
    expect(storage.entries(3, 5, Infinity)).toEqual([entry(3, 2), entry(4, 2)]);
    expect(storage.compact(2)).toBe("compacted");
    // entries older than the first index are ignored when appended again
    storage.append([entry(2, 1), entry(3, 2), entry(4, 3)]);
    expect(storage.term(4)).toBe(3);
    expect(() => storage.append([entry(9, 3)])).toThrow(/missing log entries/);
  });

  it("replaces its log with a newer snapshot, and refuses an older one", () => {
    const storage = new MemoryStorage();
    storage.append([entry(1, 1), entry(2, 1)]);
    const snapshot = { metadata: { index: 10, term: 3, confState: { voters: ["1", "2"], learners: [] } }, data: new Uint8Array(0) };
    expect(storage.applySnapshot(snapshot)).toBeUndefined();
    expect([storage.firstIndex(), storage.lastIndex(), storage.term(10)]).toEqual([11, 10, 3]);
    expect(storage.initialState().confState).toEqual(snapshot.metadata.confState);
    expect(storage.applySnapshot({ ...snapshot, metadata: { ...snapshot.metadata, index: 9 } })).toBe("snapshot-out-of-date");
  });

  it("limits entries by size, always returning at least one", () => {
    const entries = [entry(1, 1, "aaaa"), entry(2, 1, "bbbb"), entry(3, 1, "cc")];
    expect(limitSize(entries, 0)).toHaveLength(1);
    expect(limitSize(entries, 21 + 4 + 21 + 4)).toHaveLength(2);
    expect(limitSize(entries, Infinity)).toHaveLength(3);
  });
});
