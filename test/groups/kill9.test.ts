// Real processes (issue #5): three members of a replicated key-value group, each its own OS
// process on its own write-ahead log (fsync on), talking TCP through fault-injecting proxies.
// Concurrent clients put unique values and read linearizably through the HTTP API while the test
// kills the leader with SIGKILL and restarts it from its data directory, delays every link,
// partitions one member (the leader, with closed connections) and blackholes another. Then it
// heals, waits for the members to agree, reads every key from every member, and checks:
//
//   1. no acknowledged write is lost: each key ends on a value some put that was acknowledged,
//      or may have happened, wrote (and the check below places the final reads in the history);
//   2. the whole history — puts, reads, and the final reads — is linearizable;
//   3. every member holds the same state at the same applied index.
//
// The CI budget is four rounds (a round: kill the leader, restart it, then one more fault, in
// turn: every link delayed, the leader partitioned, a follower blackholed, every member killed at
// once, then — in longer runs — the leader paused with SIGSTOP, the leader killed while
// partitioned, one direction blackholed). Longer runs (COAL_KILL9_VERBOSE=1 prints the timeline):
//   COAL_KILL9_ROUNDS=30 COAL_KILL9_CLIENTS=16 npx vitest run test/groups/kill9.test.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkOperations, describeResult, HistoryRecorder, kvStore, type KvInput, type KvOutput } from "@coal/runtime/lincheck";
import { Cluster, sleep, type MemberProcess, type MemberStatus, type Outcome } from "../support/raft-cluster.js";

const rounds = Number(process.env.COAL_KILL9_ROUNDS ?? 4);
const clientCount = Number(process.env.COAL_KILL9_CLIENTS ?? 8);
const keys = Array.from({ length: Number(process.env.COAL_KILL9_KEYS ?? 4) }, (_, i) => `k${i}`);
/** Client-side patience: longer than the members' own request timeout, so they answer first. */
const clientTimeoutMs = 4000;

const root = mkdtempSync(join(tmpdir(), "coal-kill9-"));
let cluster: Cluster | undefined;
let failed = false;
afterAll(async () => {
  await cluster?.close();
  if (failed) console.log(`kill9: data directories kept in ${root}`);
  else rmSync(root, { recursive: true, force: true });
});

const random = (bound: number) => Math.floor(Math.random() * bound);

describe("a group of real processes under kill -9 and network faults", () => {
  it(
    `loses no acknowledged write and stays linearizable (${rounds} rounds, ${clientCount} clients)`,
    async () => {
      const started = performance.now();
      const timeline: string[] = [];
      const note = (text: string) => timeline.push(`${((performance.now() - started) / 1000).toFixed(2).padStart(6)}s  ${text}`);
      const c = (cluster = await Cluster.create(root, 3, { tickMs: 20, electionTicks: 10, requestTimeoutMs: 3000, snapshotEvery: 300 }));
      try {
        await Promise.all(c.members.map((m) => m.start()));
        note(`started ${c.members.map((m) => `${m.index}=${m.id.slice(0, 6)}`).join(" ")}`);
        await c.waitForLeader(20_000);

        // -- the load ---------------------------------------------------------------------
        const history = new HistoryRecorder<KvInput, KvOutput>();
        const counts = { putOk: 0, putUnknown: 0, putRefused: 0, getOk: 0, getFailed: 0 };
        let stopping = false;
        const client = async (id: number) => {
          for (let n = 0; !stopping; n++) {
            const member = c.members[random(c.members.length)]!;
            const key = keys[random(keys.length)]!;
            if (random(2) === 0) {
              const value = `${id}.${n}`;
              const operation = history.invoke(id, { f: "put", key, value });
              const outcome = await c.client.put(member, key, value, clientTimeoutMs);
              // Refused: the connection never opened, so the put never happened. Anything else
              // but 200 (an error status, a reset, a timeout) may have happened.
              if (outcome.kind === "ok") operation.ok(undefined);
              else if (outcome.kind === "refused") operation.fail();
              else operation.unknown();
              counts[outcome.kind === "ok" ? "putOk" : outcome.kind === "refused" ? "putRefused" : "putUnknown"]++;
              if (outcome.kind !== "ok") await sleep(20);
            } else {
              const operation = history.invoke(id, { f: "get", key });
              const outcome = await c.client.get(member, key, clientTimeoutMs);
              // A read that failed changed nothing and told nothing: left out.
              if (outcome.kind === "ok") operation.ok(outcome.body as string);
              else operation.fail();
              counts[outcome.kind === "ok" ? "getOk" : "getFailed"]++;
              if (outcome.kind !== "ok") await sleep(20);
            }
          }
        };
        const clients = Array.from({ length: clientCount }, (_, id) => client(id));

        // -- the faults -------------------------------------------------------------------
        await sleep(500);
        for (let round = 0; round < rounds; round++) {
          const leader = await c.waitForLeader(20_000);
          note(`round ${round}: kill -9 the leader, member ${leader.index} (puts ok so far: ${counts.putOk})`);
          await leader.kill();
          await sleep(100 + random(400));
          await leader.start();
          note(`member ${leader.index} restarted`);
          const fault = faults[round % faults.length]!;
          await fault(c, note);
          c.faults.heal();
          note(`healed`);
          await sleep(300);
        }
        stopping = true;
        await Promise.all(clients);
        note(`load stopped: ${JSON.stringify(counts)}`);

        // -- convergence and the final reads ----------------------------------------------
        c.faults.heal();
        for (const m of c.members) if (!m.up) await m.start();
        const statuses = await converge(c, 20_000);
        note(`converged at applied index ${statuses[0]!.applied}`);
        const finals = new Map<string, string[]>();
        for (const m of c.members) {
          for (const key of keys) {
            const value = await finalRead(c, m, key, history);
            finals.set(key, [...(finals.get(key) ?? []), value]);
          }
        }
        const dumps = await dumpAtOneIndex(c, 10_000);
        note(`final values ${JSON.stringify(Object.fromEntries(finals))}`);

        // -- the checks -------------------------------------------------------------------
        const operations = history.operations();
        const checkStarted = performance.now();
        const result = checkOperations(kvStore, operations, { timeoutMs: 60_000 });
        note(`checked ${operations.length} operations in ${(performance.now() - checkStarted).toFixed(0)} ms: ${result.verdict}`);
        const report = () => `${timeline.join("\n")}\nproxies: ${JSON.stringify(c.faults.stats)}`;

        // 1. No acknowledged write lost: each key's final value was written by a put that was
        // acknowledged or may have happened, and a key with acknowledged puts is not empty.
        for (const key of keys) {
          const puts = operations.filter((o) => o.input.f === "put" && o.input.key === key);
          const written = new Set(puts.map((o) => (o.input as { value: string }).value));
          const acknowledged = puts.filter((o) => o.return !== Infinity);
          for (const value of finals.get(key)!) {
            expect(value === "" ? acknowledged.length === 0 : written.has(value), `key ${key} ends on ${JSON.stringify(value)}\n${report()}`).toBe(true);
          }
        }
        // 2. Linearizable.
        expect(result.verdict, `${describeResult(kvStore, result)}\n${report()}`).toBe("linearizable");
        // 3. Every member holds the same state at the same index.
        const states = dumps.map((d) => (d.kind === "ok" ? JSON.stringify(d.body) : `unreachable: ${d.kind}`));
        expect(new Set(states).size, `member states differ:\n${states.join("\n")}\n${report()}`).toBe(1);
        // And the run did what it says: writes were acknowledged around every kill.
        expect(counts.putOk, report()).toBeGreaterThan(10 * rounds);
        expect(c.members.reduce((sum, m) => sum + m.starts, 0)).toBeGreaterThanOrEqual(3 + rounds);
        if (process.env.COAL_KILL9_VERBOSE === "1") console.log(timeline.join("\n"));
        console.log(`kill9: ${rounds} rounds, ${clientCount} clients, ${((performance.now() - started) / 1000).toFixed(1)} s, ${JSON.stringify(counts)}, ${operations.length} operations ${result.verdict}, proxies ${JSON.stringify(c.faults.stats)}`);
      } catch (error) {
        failed = true;
        for (const m of c.members) if (m.log.length > 0) console.log(`member ${m.index} stderr:\n${m.log.join("\n")}`);
        console.log(timeline.join("\n"));
        throw error;
      }
    },
    90_000 + rounds * 15_000,
  );
});

type Note = (text: string) => void;

/**
 * The faults, one per round after the kill, in turn (the CI budget's four rounds see the first
 * four). Each returns with the fault still in place; the round then heals everything.
 */
const faults: readonly ((cluster: Cluster, note: Note) => Promise<void>)[] = [
  async (c, note) => {
    c.faults.setAll({ kind: "delay", ms: 20, jitterMs: 30 });
    note(`every link delayed 20–50 ms`);
    await sleep(1500);
  },
  async (c, note) => {
    const victim = await c.waitForLeader(20_000);
    c.faults.isolate(victim.id);
    note(`the leader, member ${victim.index}, partitioned (connections closed)`);
    await sleep(2000);
  },
  async (c, note) => {
    const leader = await c.waitForLeader(20_000);
    const victim = c.members.find((m) => m !== leader)!;
    c.faults.isolate(victim.id, { kind: "blackhole" });
    note(`member ${victim.index} blackholed`);
    await sleep(1500);
  },
  async (c, note) => {
    // Everyone at once: all that survives is what each log made durable.
    await Promise.all(c.members.map((m) => m.kill()));
    note(`kill -9 every member`);
    await sleep(200);
    await Promise.all(c.members.map((m) => m.start()));
    note(`every member restarted`);
    await sleep(1000);
  },
  async (c, note) => {
    // A stalled leader (a long GC pause, a frozen VM): the others elect another; woken, it must
    // not serve a read or acknowledge a write from what it believed while it slept.
    const victim = await c.waitForLeader(20_000);
    victim.child!.kill("SIGSTOP");
    note(`the leader, member ${victim.index}, paused (SIGSTOP)`);
    await sleep(1500);
    victim.child!.kill("SIGCONT");
    note(`member ${victim.index} resumed`);
    await sleep(300);
  },
  async (c, note) => {
    // The leader, cut off, may take writes it can never commit; killed and restarted, it must drop them.
    const victim = await c.waitForLeader(20_000);
    c.faults.isolate(victim.id);
    note(`the leader, member ${victim.index}, partitioned`);
    await sleep(800);
    await victim.kill();
    await victim.start();
    note(`member ${victim.index} killed and restarted while partitioned`);
    await sleep(800);
  },
  async (c, note) => {
    // One way only: a follower stops hearing the leader, which still hears it.
    const leader = await c.waitForLeader(20_000);
    const victim = c.members.find((m) => m !== leader)!;
    c.faults.set(leader.id, victim.id, { kind: "blackhole" });
    note(`member ${leader.index} → member ${victim.index} blackholed (one way)`);
    await sleep(1500);
  },
];

/** Waits until every member follows one leader and has applied everything committed. */
async function converge(cluster: Cluster, timeoutMs: number): Promise<MemberStatus[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const statuses = await Promise.all(cluster.members.map((m) => m.status()));
    const known = statuses.filter((s): s is MemberStatus => s !== undefined);
    if (known.length === cluster.members.length) {
      const leader = known.find((s) => s.role === "leader");
      if (leader !== undefined && known.every((s) => s.term === leader.term && s.applied === leader.commit && s.commit === leader.commit)) return known;
    }
    if (Date.now() > deadline) throw new Error(`the members did not converge within ${timeoutMs} ms: ${JSON.stringify(statuses)}`);
    await sleep(100);
  }
}

/** Every member's `/dump`, taken again until all were taken at the same applied index (or time runs out). */
async function dumpAtOneIndex(cluster: Cluster, timeoutMs: number): Promise<Outcome[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dumps = await Promise.all(cluster.members.map((m) => cluster.client.call(m, "GET", "/dump", undefined, 5000)));
    const indices = new Set(dumps.map((d) => (d.kind === "ok" ? (d.body as { applied: number }).applied : -1)));
    if ((indices.size === 1 && !indices.has(-1)) || Date.now() > deadline) return dumps;
    await sleep(100);
  }
}

/** A linearizable read of `key` on `member`, retried until it answers, recorded in the history. */
async function finalRead(cluster: Cluster, member: MemberProcess, key: string, history: HistoryRecorder<KvInput, KvOutput>): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const operation = history.invoke(100 + member.index, { f: "get", key });
    const outcome = await cluster.client.get(member, key, clientTimeoutMs);
    if (outcome.kind === "ok") {
      operation.ok(outcome.body as string);
      return outcome.body as string;
    }
    operation.fail();
    if (Date.now() > deadline) throw new Error(`member ${member.index} did not answer a read of ${key}: ${JSON.stringify(outcome)}`);
    await sleep(100);
  }
}
