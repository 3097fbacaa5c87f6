// Replicated collections on the embedded network: every kind's writes agree on every member, a
// write's version is what a reader on another member waits for, readers (learners) never vote,
// and CE1 codecs from the identity module plug straight in.
import { afterEach, describe, expect, it } from "vitest";
import { codec, primitive } from "@coal/runtime/identity";
import { Network, type Peer } from "@coal/runtime/net";
import { collectionSignature, Collections, groupId, jsonCodec, type Versioned } from "@coal/runtime/groups";

const open: Versioned[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

function peers(n: number): { net: ReturnType<typeof Network.memory>; peers: Peer[] } {
  const net = Network.memory();
  return { net, peers: Array.from({ length: n }, () => net.join()) };
}

const fast = { tickMs: 10, electionTicks: 10 };
const text = codec<string>(primitive("string"));
const count = codec<number>(primitive("u32"));

async function members<T extends Versioned>(all: Peer[], make: (peer: Peer) => Promise<T>): Promise<T[]> {
  const made = await Promise.all(all.map(make));
  open.push(...made);
  return made;
}

describe("replicated collections", () => {
  it("Map: writes from any writer agree everywhere; a reader waits for a write's version", async () => {
    const { peers: all } = peers(4);
    const writers = all.slice(0, 3).map((p) => p.id);
    const maps = await members(all, (peer) => Collections.map({ id: "scores", peer, writers, readers: [all[3]!.id], keys: text, values: count, ...fast }));
    const reader = maps[3]!;
    const v1 = await maps[0]!.set("alice", 3);
    const v2 = await maps[1]!.set("bob", 5);
    const v3 = await maps[2]!.set("alice", 4);
    expect(v1).toBeLessThan(v2);
    expect(v2).toBeLessThan(v3);
    await reader.when().reaches(v3);
    expect(reader.version).toBeGreaterThanOrEqual(v3);
    expect([...reader.entries()]).toEqual([
      ["alice", 4],
      ["bob", 5],
    ]);
    await maps[0]!.delete("bob");
    for (const m of maps) await m.when().reaches(maps[0]!.version);
    for (const m of maps) expect(m.has("bob")).toBe(false);
    expect(maps.map((m) => m.size)).toEqual([1, 1, 1, 1]);
  });

  it("Vec, Set, Cell and Once keep their own semantics on every member", async () => {
    const { peers: all } = peers(3);
    const writers = all.map((p) => p.id);
    const vecs = await members(all, (peer) => Collections.vec({ id: "log", peer, writers, values: text, ...fast }));
    expect((await vecs[1]!.push("a")).index).toBe(0);
    expect((await vecs[2]!.push("b")).index).toBe(1);
    await vecs[0]!.set(0, "A");
    expect(await vecs[0]!.pop()).toBe("b");
    const v = await vecs[0]!.push("c");
    for (const vec of vecs) {
      await vec.when().reaches(v.version);
      expect([...vec]).toEqual(["A", "c"]);
    }

    const sets = await members(all, (peer) => Collections.set({ id: "tags", peer, writers, values: text, ...fast }));
    expect((await sets[0]!.add("x")).added).toBe(true);
    expect((await sets[1]!.add("x")).added).toBe(false);
    const removed = await sets[2]!.delete("x");
    expect(removed.deleted).toBe(true);
    await sets[0]!.when().reaches(removed.version);
    expect(sets[0]!.has("x")).toBe(false);

    const onces = await members(all, (peer) => Collections.once({ id: "leader-of-record", peer, writers, values: text, ...fast }));
    const outcomes = await Promise.all(onces.map((o, i) => o.set(`candidate-${i}`)));
    expect(outcomes.filter((o) => o.won)).toHaveLength(1);
    const winner = onces[0]!.get() ?? (await onces[0]!.when().reaches(Math.max(...outcomes.map((o) => o.version))), onces[0]!.get());
    for (const o of onces) {
      await o.when().reaches(Math.max(...outcomes.map((x) => x.version)));
      expect(o.get()).toBe(winner);
    }

    const cells = await members(all, (peer) => Collections.cell({ id: "config", peer, writers, values: jsonCodec<{ cadence: number }>(), ...fast }));
    await cells[0]!.set({ cadence: 2 });
    const last = await cells[1]!.set({ cadence: 5 });
    await cells[2]!.when().reaches(last);
    expect(cells[2]!.get()).toEqual({ cadence: 5 });
  });

  it("PriorityQueue pops the lowest priority first, first in among equals, once across members", async () => {
    const { peers: all } = peers(3);
    const writers = all.map((p) => p.id);
    const queues = await members(all, (peer) => Collections.priorityQueue({ id: "jobs", peer, writers, values: text, ...fast }));
    await queues[0]!.push(5n, "late");
    await queues[1]!.push(1n, "first");
    await queues[2]!.push(1n, "second");
    await queues[0]!.push(-3n, "urgent");
    const popped = await Promise.all([queues[0]!.pop(), queues[1]!.pop(), queues[2]!.pop(), queues[0]!.pop(), queues[1]!.pop()]);
    const values = popped.filter((p) => p !== undefined).map((p) => p!.value);
    expect(values.sort()).toEqual(["first", "late", "second", "urgent"]);
    expect(popped.filter((p) => p === undefined)).toHaveLength(1);
    // In order when popped one after another, from any member.
    await queues[0]!.push(0n, "b");
    await queues[1]!.push(0n, "c");
    await queues[2]!.push(-1n, "a");
    const ordered = [await queues[2]!.pop(), await queues[0]!.pop(), await queues[1]!.pop()].map((p) => p?.value);
    expect(ordered).toEqual(["a", "b", "c"]);
  });
});

describe("group ids", () => {
  it("differ whenever anything that decides behaviour differs, so mismatched members never meet", () => {
    const base = { key: "scores", tickMs: 50, electionTicks: 10, heartbeatTicks: 1, machine: collectionSignature("map", text, count) };
    const id = groupId(base);
    expect(groupId({ ...base })).toBe(id);
    expect(groupId({ ...base, key: "other" })).not.toBe(id);
    expect(groupId({ ...base, tickMs: 20 })).not.toBe(id);
    expect(groupId({ ...base, electionTicks: 20 })).not.toBe(id);
    expect(groupId({ ...base, machine: collectionSignature("map", text, text) })).not.toBe(id);
    expect(groupId({ ...base, machine: collectionSignature("vec", count) })).not.toBe(id);
    expect(groupId({ ...base, validators: ["11".repeat(32)] })).not.toBe(id);
  });

  it("keep a member with another value type out of the group", async () => {
    const { peers: all } = peers(3);
    const writers = all.map((p) => p.id);
    const good = await members(all.slice(0, 2), (peer) => Collections.map({ id: "typed", peer, writers, keys: text, values: count, ...fast }));
    const [odd] = await members(all.slice(2), (peer) => Collections.map({ id: "typed", peer, writers, keys: text, values: text, ...fast }));
    const version = await good[0]!.set("a", 1);
    await good[1]!.when().reaches(version);
    expect(good[1]!.get("a")).toBe(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(odd!.size).toBe(0);
    expect(odd!.version).toBe(0);
  });
});
