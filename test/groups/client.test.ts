// Group clients: peers outside a Raft committee that run commands through the group's log by
// asking members over `client:<group id>` (answers on `client-reply:<group id>`). A command runs at most once however often the client
// resends it to other members; a refusal reads the same from every member; only the clients a
// committee admits are served; linearizable reads see every acknowledged write; the services'
// clients (Chronicle, Atlas, Compute) work from outside; it all works over TCP; and garbage on
// the client channel is dropped without hurting the member.
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { Network, type Channel, type Peer, type TcpNode } from "@coal/runtime/net";
import { Collections, connectKeyedGroup, GroupError, jsonCodec, MapClient, startKeyedGroup, type Group, type GroupClient, type StateMachine } from "@coal/runtime/groups";
import { codec, primitive } from "@coal/runtime/identity";
import {
  Atlas,
  Chronicle,
  Compute,
  ComputeRefused,
  entryHash,
  followRetirements,
  imageHash,
  retirementEntry,
  retirementMarker,
  verifyChronicle,
  verifyGrant,
  type ChronicleEntry,
  type MemberCard,
} from "@coal/runtime/services";

const fast = { tickMs: 10, electionTicks: 10 };

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await sleep(10);
  }
}

// -- a small counter machine --------------------------------------------------------------------

type Command = { readonly op: "add"; readonly tag: string } | { readonly op: "fail"; readonly reason: string };
/** `count`: how often this tag has been applied (1 the first time); `index`: the entry's log index. */
type Result = { readonly total: number; readonly count: number; readonly index: number };
type State = { readonly total: number; readonly counts: [string, number][] };

type Counter = StateMachine<Command, Result, null, number> & { readonly counts: Map<string, number>; readonly total: number };

function counter(): Counter {
  const counts = new Map<string, number>();
  let total = 0;
  return {
    signature: "c1".repeat(32),
    commands: jsonCodec<Command>(),
    results: jsonCodec<Result>(),
    counts,
    get total() {
      return total;
    },
    apply(command, { index }) {
      if (command.op === "fail") throw new Error(`refused: ${command.reason}`);
      total++;
      const count = (counts.get(command.tag) ?? 0) + 1;
      counts.set(command.tag, count);
      return { total, count, index };
    },
    query: () => total,
    snapshot: () => new TextEncoder().encode(JSON.stringify({ total, counts: [...counts] } satisfies State)),
    restore(bytes) {
      const state = JSON.parse(new TextDecoder().decode(bytes)) as State;
      total = state.total;
      counts.clear();
      for (const [tag, n] of state.counts) counts.set(tag, n);
    },
  };
}

const decodeState = (bytes: Uint8Array): State => JSON.parse(new TextDecoder().decode(bytes)) as State;

type CounterGroup = Group<Command, Result, null, number>;
type GroupPeer = { readonly id: string; channel(name: string): Channel };

interface Committee {
  net: ReturnType<typeof Network.memory>;
  peers: Peer[];
  ids: string[];
  machines: Counter[];
  members: CounterGroup[];
  key: string;
}

async function committee(options: { clients?: "any" | readonly string[]; wrap?: (peer: Peer) => GroupPeer; key?: string; net?: ReturnType<typeof Network.memory> } = {}): Promise<Committee> {
  const net = options.net ?? Network.memory();
  const peers = [net.join(), net.join(), net.join()];
  const ids = peers.map((p) => p.id);
  const machines = peers.map(() => counter());
  const key = options.key ?? "client-counter";
  const members = await Promise.all(
    peers.map((peer, i) =>
      startKeyedGroup({ key, peer: options.wrap?.(peer) ?? peer, members: ids, ...(options.clients === undefined ? {} : { clients: options.clients }), ...fast }, machines[i]!),
    ),
  );
  cleanups.push(() => Promise.all(members.map((m) => m.close())));
  return { net, peers, ids, machines, members, key };
}

function client(c: Committee, peer: GroupPeer, options: { members?: readonly string[]; attemptMs?: number; timeoutMs?: number } = {}): GroupClient<Command, Result> {
  const made = connectKeyedGroup({ key: c.key, peer, members: options.members ?? c.ids, ...fast, ...(options.attemptMs === undefined ? {} : { attemptMs: options.attemptMs }), ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) }, counter());
  cleanups.push(() => made.close());
  return made;
}

/** Waits until every listed member has applied everything the most advanced one has committed. */
async function converge(members: readonly CounterGroup[]): Promise<void> {
  const commit = Math.max(...members.map((m) => m.status().commit));
  for (const m of members) await m.when().reaches(commit);
}

async function leaderOf(c: Committee): Promise<number> {
  await c.members[0]!.when().leader();
  let index = -1;
  await until(() => (index = c.members.findIndex((m) => m.status().role === "leader")) >= 0);
  return index;
}

// -- the tests ----------------------------------------------------------------------------------

describe("group clients", () => {
  it("run commands from outside the committee, and every member's state agrees", async () => {
    const c = await committee({ clients: "any" });
    const outsider = c.net.join();
    expect(c.ids).not.toContain(outsider.id);
    const cl = client(c, outsider);
    const results: Result[] = [];
    for (let i = 0; i < 10; i++) results.push(await cl.execute({ op: "add", tag: `t${i}` }));
    expect(results.map((r) => r.total)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(results.every((r) => r.count === 1)).toBe(true);
    for (let i = 1; i < results.length; i++) expect(results[i]!.index).toBeGreaterThan(results[i - 1]!.index);
    // Concurrent commands too.
    const more = await Promise.all(Array.from({ length: 20 }, (_, i) => cl.execute({ op: "add", tag: `c${i}` })));
    expect(new Set(more.map((r) => r.total))).toEqual(new Set(Array.from({ length: 20 }, (_, i) => 11 + i)));
    await converge(c.members);
    for (const machine of c.machines) {
      expect(machine.total).toBe(30);
      expect([...machine.counts.values()].every((n) => n === 1)).toBe(true);
      expect(machine.counts.size).toBe(30);
    }
  });

  it("applies a command once when the member first asked proposes it but answers too late", async () => {
    // Every member's traffic goes through a switch: a "slow" member's Raft messages leave late
    // (its proposals reach the leader after the client has moved on) and its answers to clients
    // are lost, so the client always resends the same command to another member.
    const slow = new Set<string>();
    const delayMs = 150;
    const wrap = (peer: Peer): GroupPeer => ({
      id: peer.id,
      channel: (name) => {
        const inner = peer.channel(name);
        return {
          send: (to, message) => {
            if (!slow.has(peer.id)) return inner.send(to, message);
            if (name.startsWith("client:")) return true; // the answer is lost
            setTimeout(() => inner.send(to, message), delayMs);
            return true;
          },
          receive: (handler) => inner.receive(handler),
          close: () => inner.close(),
        };
      },
    });
    const c = await committee({ clients: "any", wrap });
    const leader = await leaderOf(c);
    const follower = [0, 1, 2].find((i) => i !== leader)!;
    slow.add(c.ids[follower]!);
    const order = [c.ids[follower]!, ...c.ids.filter((_, i) => i !== follower)];
    const rounds = 5;
    for (let i = 0; i < rounds; i++) {
      // A fresh client each round, so the slow member is always asked first.
      const cl = client(c, c.net.join(), { members: order, attemptMs: 40 });
      const result = await cl.execute({ op: "add", tag: `r${i}` });
      expect(result).toMatchObject({ total: i + 1, count: 1 });
      // The slow member's copy of the command reaches the log after the answered one: the retry
      // really raced the original.
      await until(() => c.members[leader]!.status().commit > result.index);
    }
    slow.clear();
    await converge(c.members);
    for (const machine of c.machines) {
      expect(machine.total).toBe(rounds);
      expect([...machine.counts]).toEqual(Array.from({ length: rounds }, (_, i) => [`r${i}`, 1]));
    }
  });

  it("applies each acknowledged command exactly once when the leader stops mid-way under two busy clients", async () => {
    const c = await committee({ clients: "any" });
    const leader = await leaderOf(c);
    const order = [c.ids[leader]!, ...c.ids.filter((_, i) => i !== leader)];
    const clients = [client(c, c.net.join(), { members: order, attemptMs: 250, timeoutMs: 10_000 }), client(c, c.net.join(), { members: order, attemptMs: 250, timeoutMs: 10_000 })];
    const acked = new Map<string, Result>();
    const all: Promise<Result>[] = [];
    const perClient = 50;
    const issuing = (async () => {
      for (let i = 0; i < perClient; i++) {
        for (const [n, cl] of clients.entries()) {
          const tag = `${n}-${i}`;
          all.push(cl.execute({ op: "add", tag }).then((r) => (acked.set(tag, r), r)));
        }
        await sleep(4);
      }
    })();
    await until(() => acked.size >= 20);
    await c.members[leader]!.close();
    const stoppedAt = acked.size;
    await issuing;
    const settled = await Promise.allSettled(all);
    expect(stoppedAt).toBeLessThan(2 * perClient); // the leader did stop mid-way
    const failures = settled.filter((s) => s.status === "rejected").map((s) => String((s as PromiseRejectedResult).reason));
    expect(failures).toEqual([]);
    expect(acked.size).toBe(2 * perClient);
    for (const result of acked.values()) expect(result.count).toBe(1);
    const survivors = c.members.filter((_, i) => i !== leader);
    const machines = c.machines.filter((_, i) => i !== leader);
    await converge(survivors);
    for (const machine of machines) {
      for (const tag of acked.keys()) expect(machine.counts.get(tag), tag).toBe(1);
      expect(machine.total).toBe(acked.size);
    }
    // Every acknowledged command got its own place in the one history: totals are all distinct.
    expect(new Set([...acked.values()].map((r) => r.total)).size).toBe(acked.size);
  });

  it("reports a refused command with the machine's message, the same from every member", async () => {
    const c = await committee({ clients: "any" });
    const outsider = c.net.join();
    const general = client(c, outsider);
    await general.execute({ op: "add", tag: "before" });
    await expect(general.execute({ op: "fail", reason: "no such thing" })).rejects.toThrow("refused: no such thing");
    // Asked of each member alone, the refusal reads the same.
    const messages: string[] = [];
    for (const id of c.ids) {
      const single = client(c, c.net.join(), { members: [id] });
      messages.push(await single.execute({ op: "fail", reason: "same everywhere" }).then(() => "accepted", (error: Error) => `${error.name}: ${error.message}`));
    }
    expect(messages).toEqual(c.ids.map(() => "Error: refused: same everywhere"));
    // Nothing changed anywhere, and the group still takes commands.
    expect(await general.execute({ op: "add", tag: "after" })).toMatchObject({ total: 2, count: 1 });
    await converge(c.members);
    for (const machine of c.machines) expect([...machine.counts]).toEqual([["before", 1], ["after", 1]]);
  });

  it("serves only the listed clients, and members started without clients never answer", async () => {
    const net = Network.memory();
    const allowed = net.join();
    const c = await committee({ clients: [allowed.id], net });
    expect(await client(c, allowed).execute({ op: "add", tag: "ok" })).toMatchObject({ total: 1 });
    const stranger = client(c, net.join());
    const error = await stranger.execute({ op: "add", tag: "nope" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GroupError);
    expect((error as GroupError).code).toBe("not-allowed");
    expect((error as GroupError).message).toMatch(/may not use group/);
    const readError = await stranger.read().catch((e: unknown) => e);
    expect((readError as GroupError).code).toBe("not-allowed");
    await converge(c.members);
    for (const machine of c.machines) expect([...machine.counts]).toEqual([["ok", 1]]);

    // No `clients` option: nobody listens on the client channel.
    const closed = await committee({ key: "no-clients" });
    await leaderOf(closed);
    const hopeful = client(closed, closed.net.join(), { attemptMs: 100, timeoutMs: 500 });
    const timeout = await hopeful.execute({ op: "add", tag: "x" }).catch((e: unknown) => e);
    expect(timeout).toBeInstanceOf(GroupError);
    expect((timeout as GroupError).code).toBe("timeout");
    expect((timeout as GroupError).message).toMatch(/not answered in time/);
    const readTimeout = await hopeful.read().catch((e: unknown) => e);
    expect((readTimeout as GroupError).code).toBe("timeout");
    for (const machine of closed.machines) expect(machine.total).toBe(0);
  });

  it("reads linearizably on whichever member answers: every acknowledged write is in the copy", async () => {
    const c = await committee({ clients: "any" });
    const writer = client(c, c.net.join());
    const readers = c.ids.map((id) => client(c, c.net.join(), { members: [id] }));
    for (let i = 0; i < 12; i++) {
      const written = await writer.execute({ op: "add", tag: `w${i}` });
      const reader = readers[i % 3]!;
      const { version, state } = await reader.read();
      expect(version).toBeGreaterThanOrEqual(written.index);
      const decoded = decodeState(state);
      expect(decoded.total).toBeGreaterThanOrEqual(i + 1);
      expect(decoded.counts.map(([tag]) => tag)).toContain(`w${i}`);
    }
    // A weak read answers from the member's copy as it is; it is never ahead of a later linearizable one.
    const weak = await readers[0]!.read("weak");
    const strong = await readers[0]!.read();
    expect(weak.version).toBeLessThanOrEqual(strong.version);
    expect(decodeState(strong.state).total).toBe(12);
  });

  it("MapClient writes through a writer and reads the whole map", async () => {
    const net = Network.memory();
    const peers = [net.join(), net.join(), net.join()];
    const writers = peers.map((p) => p.id);
    const text = codec<string>(primitive("string"));
    const count = codec<number>(primitive("u32"));
    const maps = await Promise.all(peers.map((peer) => Collections.map({ id: "client-scores", peer, writers, keys: text, values: count, clients: "any", ...fast })));
    cleanups.push(() => Promise.all(maps.map((m) => m.close())));
    const outside = new MapClient({ id: "client-scores", peer: net.join(), writers, ...fast }, text, count);
    cleanups.push(() => outside.close());
    const v1 = await outside.set("alice", 3);
    const v2 = await outside.set("bob", 5);
    const v3 = await outside.set("alice", 4);
    expect(v1).toBeLessThan(v2);
    expect(v2).toBeLessThan(v3);
    const v4 = await maps[1]!.set("carol", 7);
    const copy = await outside.read();
    expect(copy.version).toBeGreaterThanOrEqual(v4);
    expect(copy.entries()).toEqual([
      ["alice", 4],
      ["bob", 5],
      ["carol", 7],
    ]);
    expect(copy.get("bob")).toBe(5);
    expect(copy.get("dave")).toBeUndefined();
    const v5 = await outside.delete("bob");
    for (const m of maps) await m.when().reaches(v5);
    for (const m of maps) expect([...m.entries()]).toEqual([
      ["alice", 4],
      ["carol", 7],
    ]);
    expect((await outside.read()).get("bob")).toBeUndefined();
  });

  it("runs thousands of concurrent commands from one client, each exactly once (in-flight commands stay inside the members' window)", async () => {
    const c = await committee({ clients: "any" });
    await leaderOf(c);
    // Count the commands on the wire that have no answer yet.
    const inner = c.net.join();
    let outstanding = 0;
    let most = 0;
    const counting: GroupPeer = {
      id: inner.id,
      channel(name) {
        const channel = inner.channel(name);
        return {
          send: (to, bytes) => {
            if (bytes[0] === 1) most = Math.max(most, ++outstanding);
            return channel.send(to, bytes);
          },
          receive: (handler) => channel.receive((from, bytes) => (outstanding--, handler(from, bytes))),
          close: () => channel.close(),
        };
      },
    };
    const one = client(c, counting, { timeoutMs: 60_000 });
    const results = await Promise.all(Array.from({ length: 5000 }, (_, i) => one.execute({ op: "add", tag: `t${i}` })));
    expect(results.every((r) => r.count === 1)).toBe(true);
    expect(most).toBeGreaterThan(100);
    expect(most).toBeLessThanOrEqual(1024);
    await converge(c.members);
    for (const machine of c.machines) expect(machine.total).toBe(5000);
  });

  it("keeps any number of clients of one group on one peer apart, a member's peer included", async () => {
    const c = await committee({ clients: "any" });
    await leaderOf(c);
    // Two clients on one outside peer, running commands at once: each gets its own result.
    const shared = c.net.join();
    const [a, b] = [client(c, shared), client(c, shared)];
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).execute({ op: "add", tag: `${i % 2 === 0 ? "a" : "b"}${i}` })));
    for (const result of results) expect(result.count).toBe(1);
    expect(new Set(results.map((r) => r.index)).size).toBe(10);
    // Closing one leaves the other working.
    a.close();
    expect((await b.execute({ op: "add", tag: "after-close" })).count).toBe(1);
    // A client on a member's own peer (asking another member) does not stop that member serving
    // others, and itself works.
    const onMember = client(c, c.peers[0]!, { members: [c.ids[1]!] });
    expect((await onMember.execute({ op: "add", tag: "from-member-peer" })).count).toBe(1);
    const outsider = client(c, c.net.join(), { members: [c.ids[0]!] });
    expect((await outsider.execute({ op: "add", tag: "through-member-0" })).count).toBe(1);
    onMember.close();
    expect((await outsider.execute({ op: "add", tag: "still-through-member-0" })).count).toBe(1);
    await converge(c.members);
    for (const machine of c.machines) expect(machine.total).toBe(14);
  });

  it("drops malformed requests on the client channel and keeps serving", async () => {
    const c = await committee({ clients: "any" });
    await leaderOf(c);
    const id = client(c, c.net.join()).id;
    const raw = c.net.join();
    const channel = raw.channel(`client:${id}`);
    const answers: { from: string; id: bigint; status: number; payload: string }[] = [];
    raw.channel(`client-reply:${id}`).receive((from, bytes) => {
      const b = Buffer.from(bytes);
      answers.push({ from, id: b.length >= 9 ? b.readBigUInt64LE(1) : -1n, status: b[9] ?? -1, payload: b.subarray(10).toString("utf8") });
    });
    const execute = (requestId: bigint, sequence: bigint, command: Uint8Array) => {
      const out = Buffer.alloc(25 + command.length);
      out[0] = 1;
      out.writeBigUInt64LE(requestId, 1);
      randomBytes(8).copy(out, 9);
      out.writeBigUInt64LE(sequence, 17);
      out.set(command, 25);
      return out;
    };
    const read = (requestId: bigint, consistency: number) => {
      const out = Buffer.alloc(10);
      out[0] = 2;
      out.writeBigUInt64LE(requestId, 1);
      out[9] = consistency;
      return out;
    };
    const garbage: Uint8Array[] = [
      new Uint8Array(0),
      Uint8Array.of(0xff),
      Uint8Array.of(1, 2, 3),
      randomBytes(64).fill(7, 0, 1), // kind 7
      execute(11n, 0n, new TextEncoder().encode('{"op":"add","tag":"zero"}')), // sequence 0
      execute(12n, 1n, new Uint8Array(0)).subarray(0, 20), // truncated
      read(13n, 2), // no such consistency
      Buffer.concat([read(14n, 1), Uint8Array.of(0)]), // trailing byte
      Buffer.concat([Uint8Array.of(0x80), randomBytes(12)]), // a response, not a request
    ];
    const before = c.members.map((m) => m.malformed);
    for (const target of c.ids) for (const bytes of garbage) expect(channel.send(target, bytes)).toBe(true);
    // A well-formed request after the garbage is answered, and it is the only answer.
    for (const [i, target] of c.ids.entries()) channel.send(target, read(100n + BigInt(i), 1));
    await until(() => answers.length >= 3);
    expect(answers.map((a) => [a.id, a.status]).sort()).toEqual([
      [100n, 0],
      [101n, 0],
      [102n, 0],
    ]);
    expect(c.members.map((m, i) => m.malformed - before[i]!)).toEqual(c.ids.map(() => garbage.length));

    // A well-framed command the machine cannot decode is refused, on every member alike.
    channel.send(c.ids[0]!, execute(200n, 1n, new TextEncoder().encode("not json")));
    await until(() => answers.some((a) => a.id === 200n));
    const refused = answers.find((a) => a.id === 200n)!;
    expect(refused.status).toBe(1);
    expect(refused.payload.length).toBeGreaterThan(0);

    // The members keep serving clients and agree.
    const result = await client(c, c.net.join()).execute({ op: "add", tag: "still" });
    expect(result).toMatchObject({ total: 1, count: 1 });
    await converge(c.members);
    for (const machine of c.machines) expect([...machine.counts]).toEqual([["still", 1]]);
  });
});

// -- the services' clients ------------------------------------------------------------------------

describe("service clients", () => {
  const card = (citizen: Uint8Array, extra: Partial<MemberCard> = {}): MemberCard => ({ citizen, role: "prophet", endpoint_hints: [], tdx_pins: [], status: { kind: "Active" }, ...extra });
  const digest = () => new Uint8Array(randomBytes(32));
  const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
  const hexChain = (resolution: { readonly chain: readonly Uint8Array[] }) => resolution.chain.map(hex);

  it("Chronicle.client appends from outside and reads a chain that verifies against its head", async () => {
    const net = Network.memory();
    const peers = [net.join(), net.join(), net.join()];
    const writers = peers.map((p) => p.id);
    const chronicles = await Promise.all(peers.map((peer) => Chronicle.open({ key: "chronicle-client", peer, writers, clients: "any", ...fast })));
    cleanups.push(() => Promise.all(chronicles.map((ch) => ch.close())));
    const outside = Chronicle.client({ key: "chronicle-client", peer: net.join(), members: writers, ...fast });
    cleanups.push(() => outside.close());
    const appended: ChronicleEntry[] = [];
    for (let i = 0; i < 4; i++) appended.push(await outside.append({ kind: "Publication", tag: `pub-${i}`, body: Uint8Array.of(i) }));
    appended.push(await chronicles[1]!.append({ kind: "Other", tag: "from-inside", body: Uint8Array.of(9) }));
    expect(appended.map((e) => e.seq)).toEqual([1n, 2n, 3n, 4n, 5n]);
    const log = await outside.log();
    expect(log.entries.map((e) => e.tag)).toEqual(["pub-0", "pub-1", "pub-2", "pub-3", "from-inside"]);
    expect(verifyChronicle(log.entries, log.head)).toEqual({ ok: true, head: log.head });
    expect(Buffer.from(log.head).equals(Buffer.from(entryHash(appended[4]!)))).toBe(true);
    for (const ch of chronicles) await ch.group.when().reaches(log.version);
    for (const ch of chronicles) expect(Buffer.from(ch.head).equals(Buffer.from(log.head))).toBe(true);
    // A copy altered in transit does not verify against the head the client holds.
    const tampered = log.entries.map((e, i) => (i === 2 ? { ...e, body: Uint8Array.of(99) } : e));
    expect(verifyChronicle(tampered, log.head)).toMatchObject({ ok: false, index: 2 });
  });

  it("Atlas.client registers and resolves a successor chain", async () => {
    const net = Network.memory();
    const peers = [net.join(), net.join(), net.join()];
    const writers = peers.map((p) => p.id);
    const atlases = await Promise.all(peers.map((peer) => Atlas.open({ key: "atlas-client", peer, writers, clients: "any", ...fast })));
    cleanups.push(() => Promise.all(atlases.map((a) => a.close())));
    const outside = Atlas.client({ key: "atlas-client", peer: net.join(), members: writers, ...fast });
    cleanups.push(() => outside.close());
    const ids = [digest(), digest(), digest()];
    await outside.register(card(ids[0]!, { status: { kind: "Retired" }, successor_hint: ids[1]! }));
    await outside.register(card(ids[1]!, { status: { kind: "Retired" }, successor_hint: ids[2]! }));
    const version = await outside.register(card(ids[2]!));
    const resolved = await outside.resolve(ids[0]!);
    expect(resolved.ok).toBe(true);
    expect(hexChain(resolved)).toEqual(ids.map(hex));
    if (resolved.ok) expect(Buffer.from(resolved.card.citizen).equals(Buffer.from(ids[2]!))).toBe(true);
    expect(await outside.resolve(digest())).toMatchObject({ ok: false, reason: "unknown" });
    // The members hold the same cards.
    for (const a of atlases) await a.cards.when().reaches(version);
    for (const a of atlases) expect(hexChain(a.resolve(ids[0]!))).toEqual(hexChain(resolved));
  });

  it("followRetirements retires the Atlas card a Chronicle client's retirement marker names", async () => {
    const net = Network.memory();
    const peers = [net.join(), net.join(), net.join()];
    const writers = peers.map((p) => p.id);
    const chronicles = await Promise.all(peers.map((peer) => Chronicle.open({ key: "follow-chronicle", peer, writers, clients: "any", ...fast })));
    const atlases = await Promise.all(peers.map((peer) => Atlas.open({ key: "follow-atlas", peer, writers, clients: "any", ...fast })));
    cleanups.push(() => Promise.all([...chronicles.map((ch) => ch.close()), ...atlases.map((a) => a.close())]));
    const applied: string[] = [];
    const stops = peers.map((_, i) => followRetirements(chronicles[i]!, atlases[i]!, (marker) => applied.push(Buffer.from(marker.retiring.stable_id).toString("hex"))));
    cleanups.push(() => stops.forEach((stop) => stop()));
    const agent = net.join();
    const chronicle = Chronicle.client({ key: "follow-chronicle", peer: agent, members: writers, ...fast });
    const atlas = Atlas.client({ key: "follow-atlas", peer: agent, members: writers, ...fast });
    cleanups.push(() => (chronicle.close(), atlas.close()));
    const [retiring, replacement] = [digest(), digest()];
    await atlas.register(card(retiring));
    await atlas.register(card(replacement, { role: "successor" }));
    expect(hexChain(await atlas.resolve(retiring))).toEqual([hex(retiring)]);
    await chronicle.append({ kind: "Other", tag: "unrelated", body: Uint8Array.of(1) });
    await chronicle.append(retirementEntry(retirementMarker({ stable_id: retiring }, { stable_id: replacement }, { kind: "Superseded" }, 7n, [])));
    await until(async () => (await atlas.cards.read()).get(retiring)?.status.kind === "Retired");
    const retired = (await atlas.cards.read()).get(retiring)!;
    expect(retired.status.kind).toBe("Retired");
    expect(Buffer.from(retired.successor_hint!).equals(Buffer.from(replacement))).toBe(true);
    const resolved = await atlas.resolve(retiring);
    expect(resolved.ok).toBe(true);
    expect(hexChain(resolved)).toEqual([hex(retiring), hex(replacement)]);
    if (resolved.ok) expect(resolved.card.role).toBe("successor");
    expect(applied).toContain(Buffer.from(retiring).toString("hex"));

    // A marker recorded before its card is registered is applied once the card appears.
    const [early, heir] = [digest(), digest()];
    await chronicle.append(retirementEntry(retirementMarker({ stable_id: early }, { stable_id: heir }, { kind: "Obsolete" }, 9n, [])));
    await sleep(100);
    await atlas.register(card(early));
    await until(async () => (await atlas.cards.read()).get(early)?.status.kind === "Retired");
    expect(hex((await atlas.cards.read()).get(early)!.successor_hint!)).toBe(hex(heir));
  });

  it("Compute.client registers a provider and is granted a request from outside", async () => {
    const net = Network.memory();
    const peers = [net.join(), net.join(), net.join()];
    const members = peers.map((p) => p.id);
    const computes = await Promise.all(peers.map((peer) => Compute.open({ key: "compute-client", peer, members, clients: "any", ...fast })));
    cleanups.push(() => Promise.all(computes.map((m) => m.close())));
    const provider = Compute.client({ key: "compute-client", peer: net.join(), members, ...fast });
    const requester = Compute.client({ key: "compute-client", peer: net.join(), members, ...fast });
    cleanups.push(() => (provider.close(), requester.close()));
    const id = (n: number) => new Uint8Array(32).fill(n);
    const at = Date.now();
    await provider.register({ provider: id(2), cpu_millicores: 8000, ram_mib: 16384, storage_gib: 200, tdx_capable: false }, undefined, at);
    const manifest = { name: "eval", version: "1.0.0", commit_hash: id(9), min_cpu_millicores: 3000, min_ram_mib: 4096, min_storage_gib: 50, tdx: { kind: "None" as const } };
    const request = { request_id: id(10), image_hash: imageHash(manifest), manifest, deadline: BigInt(at + 60_000), requester: id(11) };
    const grant = await requester.request(request, at);
    expect(Buffer.from(grant.provider).equals(Buffer.from(id(2)))).toBe(true);
    expect(verifyGrant(grant, request)).toEqual({ ok: true });
    // Refusals reach the client as ComputeRefused with their reason.
    const refusal = (promise: Promise<unknown>) => promise.then(() => "accepted", (error: unknown) => (error instanceof ComputeRefused ? error.refusal : String(error)));
    expect(await refusal(requester.request(request, at))).toBe("duplicate-request");
    const tdx = { ...manifest, tdx: { kind: "Required" as const } };
    expect(await refusal(requester.request({ ...request, request_id: id(12), manifest: tdx, image_hash: imageHash(tdx) }, at))).toBe("no-provider");
    expect(await refusal(provider.register({ provider: id(3), cpu_millicores: 1, ram_mib: 1, storage_gib: 1, tdx_capable: true }, undefined, at))).toBe("quote-missing");
    // Every member admitted the one provider and took the grant's capacity from it.
    for (const m of computes) await m.group.when().reaches(Math.max(...computes.map((x) => x.group.status().commit)));
    for (const m of computes) expect(m.providers().map((p) => [Buffer.from(p.card.provider).toString("hex"), p.free])).toEqual([[Buffer.from(id(2)).toString("hex"), { cpu: 5000, ram: 12288, storage: 150 }]]);
    // A client outside the committee reads the same.
    expect((await requester.providers()).map((p) => [Buffer.from(p.card.provider).toString("hex"), p.free])).toEqual([[Buffer.from(id(2)).toString("hex"), { cpu: 5000, ram: 12288, storage: 150 }]]);
  });
});

// -- over TCP ---------------------------------------------------------------------------------------

describe("group clients over TCP", () => {
  it("a client node executes and reads through three member nodes", async () => {
    const nodes: TcpNode[] = [];
    cleanups.push(() => Promise.all(nodes.map((n) => n.close())));
    const listen = { host: "127.0.0.1", port: 0 };
    nodes.push(await Network.tcp({ listen }));
    const bootstrap = [{ id: nodes[0]!.id, address: nodes[0]!.address }];
    for (let i = 0; i < 3; i++) nodes.push(await Network.tcp({ listen, bootstrap }));
    const [memberNodes, clientNode] = [nodes.slice(0, 3), nodes[3]!];
    const ids = memberNodes.map((n) => n.id);
    const machines = memberNodes.map(() => counter());
    const timing = { tickMs: 20, electionTicks: 10 };
    const members = await Promise.all(memberNodes.map((node, i) => startKeyedGroup({ key: "tcp-client", peer: node, members: ids, clients: "any", ...timing }, machines[i]!)));
    cleanups.push(() => Promise.all(members.map((m) => m.close())));
    const cl = connectKeyedGroup({ key: "tcp-client", peer: clientNode, members: [...ids].reverse(), ...timing, attemptMs: 500, timeoutMs: 15_000 }, counter());
    cleanups.push(() => cl.close());
    const results: Result[] = [];
    for (let i = 0; i < 5; i++) results.push(await cl.execute({ op: "add", tag: `tcp${i}` }));
    expect(results.map((r) => [r.total, r.count])).toEqual([1, 2, 3, 4, 5].map((n) => [n, 1]));
    const { version, state } = await cl.read();
    expect(version).toBeGreaterThanOrEqual(results[4]!.index);
    expect(decodeState(state)).toEqual({ total: 5, counts: [0, 1, 2, 3, 4].map((i) => [`tcp${i}`, 1]) });
    const commit = Math.max(...members.map((m) => m.status().commit));
    for (const m of members) await m.when().reaches(commit);
    for (const machine of machines) expect(machine.total).toBe(5);
  });
});
