// Raft groups on the embedded network: commands from any member apply exactly once everywhere,
// linearizable reads see every acknowledged write, a leader cut off is replaced and the group
// keeps serving, and a member that fell behind compaction catches up from a snapshot.
import { afterEach, describe, expect, it } from "vitest";
import { Network } from "@coal/runtime/net";
import { Group, jsonCodec, type StateMachine } from "@coal/runtime/groups";

type Command = { readonly op: "put"; readonly key: string; readonly value: string } | { readonly op: "append"; readonly key: string; readonly value: string };

/** A small key-value machine: `put` returns the previous value, `append` the new one. */
function kv(): StateMachine<Command, string | null, string, string | null> & { readonly state: Map<string, string>; applied: number } {
  const state = new Map<string, string>();
  return {
    signature: "00".repeat(32),
    commands: jsonCodec<Command>(),
    results: jsonCodec<string | null>(),
    state,
    applied: 0,
    apply(command) {
      this.applied++;
      const previous = state.get(command.key) ?? null;
      state.set(command.key, command.op === "put" ? command.value : (previous ?? "") + command.value);
      return command.op === "put" ? previous : state.get(command.key)!;
    },
    query: (key) => state.get(key) ?? null,
    snapshot: () => new TextEncoder().encode(JSON.stringify([...state])),
    restore(bytes) {
      state.clear();
      for (const [k, v] of JSON.parse(new TextDecoder().decode(bytes)) as [string, string][]) state.set(k, v);
    },
  };
}

const groups: Group<Command, string | null, string, string | null>[] = [];
afterEach(async () => {
  await Promise.all(groups.splice(0).map((g) => g.close()));
});

async function cluster(size: number, options: { snapshotEvery?: number } = {}) {
  const net = Network.memory();
  const peers = Array.from({ length: size }, () => net.join());
  const machines = peers.map(() => kv());
  const members = await Promise.all(
    peers.map((peer, i) => Group.start({ id: "test-group", self: peer.id, members: peers.map((p) => p.id), channel: peer.channel("test-group"), machine: machines[i]!, tickMs: 10, electionTicks: 10, ...options })),
  );
  groups.push(...members);
  return { net, peers, machines, members };
}

describe("groups", () => {
  it("elects one leader and applies commands from any member exactly once on every member", async () => {
    const { members, machines } = await cluster(3);
    const leader = await members[0]!.when().leader();
    expect(members.filter((m) => m.status().role === "leader")).toHaveLength(1);
    const follower = members.find((m) => m.status().role !== "leader")!;
    expect(await follower.execute({ op: "put", key: "a", value: "1" })).toBeNull();
    expect(await members.find((m) => m.status().leader === leader && m.status().role === "leader")!.execute({ op: "append", key: "a", value: "2" })).toBe("12");
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => members[i % 3]!.execute({ op: "append", key: "b", value: "x" })));
    expect(new Set(results.map((r) => r!.length)).size).toBe(50);
    for (const m of members) await m.when().reaches(members[0]!.status().commit);
    for (const machine of machines) {
      expect(machine.state.get("a")).toBe("12");
      expect(machine.state.get("b")).toBe("x".repeat(50));
      expect(machine.applied).toBe(52);
    }
  });

  it("answers linearizable reads on followers with every acknowledged write", async () => {
    const { members } = await cluster(3);
    await members[0]!.when().leader();
    for (let i = 0; i < 20; i++) {
      const writer = members[i % 3]!;
      const reader = members[(i + 1) % 3]!;
      await writer.execute({ op: "put", key: "k", value: String(i) });
      expect(await reader.query("k", "linearizable")).toBe(String(i));
    }
  });

  it("replaces a leader that is cut off, keeps serving, and the old leader catches up when it returns", async () => {
    const { net, peers, members, machines } = await cluster(3);
    const leaderId = await members[0]!.when().leader();
    await members[0]!.execute({ op: "put", key: "before", value: "1" });
    net.isolate(leaderId);
    const others = members.filter((_, i) => peers[i]!.id !== leaderId);
    await others[0]!.when().leader();
    await new Promise<void>((resolve) => {
      const check = () => (others.some((m) => m.status().role === "leader" && m.status().leader !== leaderId) ? resolve() : setTimeout(check, 10));
      check();
    });
    expect(await others[0]!.execute({ op: "put", key: "during", value: "2" })).toBeNull();
    expect(await others[1]!.query("during")).toBe("2");
    net.heal();
    const old = members[peers.findIndex((p) => p.id === leaderId)]!;
    await old.when().reaches(others[0]!.status().commit);
    expect(machines[peers.findIndex((p) => p.id === leaderId)]!.state.get("during")).toBe("2");
    expect(old.status().role).not.toBe("leader");
  });

  it("brings a member that fell behind compaction up to date with a snapshot", async () => {
    const { net, peers, members, machines } = await cluster(3, { snapshotEvery: 20 });
    const leaderId = await members[0]!.when().leader();
    const laggard = peers.findIndex((p) => p.id !== leaderId);
    net.isolate(peers[laggard]!.id);
    const live = members.filter((_, i) => i !== laggard);
    await Promise.all(Array.from({ length: 1200 }, (_, i) => live[i % 2]!.execute({ op: "append", key: "log", value: "." })));
    await live[0]!.execute({ op: "put", key: "done", value: "yes" });
    net.heal();
    await members[laggard]!.when().reaches(live[0]!.status().commit);
    expect(machines[laggard]!.state.get("log")).toBe(".".repeat(1200));
    expect(machines[laggard]!.state.get("done")).toBe("yes");
    // It restored from a snapshot: it applied far fewer commands than the group committed.
    expect(machines[laggard]!.applied).toBeLessThan(1201);
  });
});

describe("durable groups", () => {
  it("survive every member stopping: state comes back from the write-ahead log and snapshots", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { randomBytes } = await import("node:crypto");
    const { walStore } = await import("@coal/runtime/groups");
    const root = mkdtempSync(join(tmpdir(), "coal-group-"));
    const seeds = [randomBytes(32), randomBytes(32), randomBytes(32)];
    try {
      const run = async () => {
        const net = Network.memory();
        const peers = seeds.map((secretKey) => net.join({ secretKey }));
        const machines = peers.map(() => kv());
        const members = await Promise.all(
          peers.map(async (peer, i) => Group.start({ id: "durable", self: peer.id, members: peers.map((p) => p.id), channel: peer.channel("durable"), machine: machines[i]!, store: await walStore(join(root, String(i)), { segmentBytes: 64 * 1024 }), tickMs: 10, electionTicks: 10, snapshotEvery: 50 })),
        );
        return { members, machines };
      };
      const first = await run();
      await first.members[0]!.when().leader();
      await Promise.all(Array.from({ length: 120 }, (_, i) => first.members[i % 3]!.execute({ op: "append", key: "log", value: String(i % 10) })));
      const expected = first.machines[0]!.state.get("log");
      await Promise.all(first.members.map((m) => m.close()));

      const second = await run();
      groups.push(...second.members);
      // Every acknowledged write is back, on every member, and new writes follow them.
      await second.members[0]!.when().leader();
      await second.members[1]!.execute({ op: "append", key: "log", value: "!" });
      for (const m of second.members) await m.when().reaches(second.members[1]!.applied);
      for (const machine of second.machines) expect(machine.state.get("log")).toBe(expected + "!");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("groups over TCP", () => {
  it("replicate between TCP nodes: commands, linearizable reads, and a member restarting from its log", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { randomBytes } = await import("node:crypto");
    const { walStore } = await import("@coal/runtime/groups");
    const root = mkdtempSync(join(tmpdir(), "coal-tcp-group-"));
    const seeds = [randomBytes(32), randomBytes(32), randomBytes(32)];
    const nodes = [await Network.tcp({ secretKey: seeds[0]! })];
    for (const seed of seeds.slice(1)) nodes.push(await Network.tcp({ secretKey: seed, bootstrap: [{ id: nodes[0]!.id, address: nodes[0]!.address }] }));
    const ids = nodes.map((n) => n.id);
    const start = async (i: number) => Group.start({ id: "tcp-kv", self: ids[i]!, members: ids, channel: nodes[i]!.channel("tcp-kv"), machine: kv(), store: await walStore(join(root, String(i))), tickMs: 20, electionTicks: 10 });
    try {
      const members = await Promise.all([0, 1, 2].map(start));
      await members[0]!.when().leader();
      for (let i = 0; i < 10; i++) await members[i % 3]!.execute({ op: "append", key: "k", value: String(i) });
      expect(await members[2]!.query("k")).toBe("0123456789");
      // Member 1 stops and starts again from its data directory; it catches up and serves.
      await members[1]!.close();
      await members[0]!.execute({ op: "append", key: "k", value: "+" });
      members[1] = await start(1);
      expect(await members[1]!.query("k")).toBe("0123456789+");
      await Promise.all(members.map((m) => m.close()));
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
      rmSync(root, { recursive: true, force: true });
    }
  });
});
