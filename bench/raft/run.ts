// bench/raft: a replicated key-value group of three local processes (test/support/raft-member.ts:
// coal's Raft group on its write-ahead log, fsync on) against etcd 3.4 (Debian `etcd-server`,
// three members on loopback, its default fsync behaviour), driven by one HTTP client through the
// same API — etcd's v3 JSON gateway, `POST /v3/kv/put` with a 256-byte value — in the same run.
// Both are sent to their leader, and both run etcd's default timing (heartbeat 100 ms, election
// 1 s). Measured: latency percentiles at one request in flight, and throughput (with latency) at
// 128 in flight, the systems taking turns in short slices; beside them the CPU time the servers'
// processes spent per put (Linux /proc). Bars (issue #5): sequential latency (p50) ≤ 1.0×
// etcd's, throughput at 128 in flight ≥ 1.0× etcd's. Then the log alone: durable appends of
// 256-byte entries at 1 and 64 writers next to raw write + fdatasync (bench/wal's code; bar
// ≥ 50 000 entries/s at 64 writers).
//
//   npm run bench:raft [-- --sequential 3000 --concurrent 30000 --inflight 128 --rounds 10 --size 256 --only coal,etcd,wal]
//
// `--profile DIR` runs the coal members with --cpu-prof (profiles written when they stop);
// COAL_BENCH_NODE_ARGS adds Node flags to them. The client is node:http with a keep-alive agent
// (fetch costs more per request than the systems measured). Without etcd-server installed, etcd
// is skipped and coal still measured.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { Agent, request } from "node:http";
import { createServer } from "node:net";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { peerKeyFromSeed } from "@coal/runtime/net";
import { rawAppends, walAppends, type AppendRun } from "../wal/measure.js";

const { values } = parseArgs({
  options: {
    sequential: { type: "string", default: "3000" },
    concurrent: { type: "string", default: "30000" },
    inflight: { type: "string", default: "128" },
    rounds: { type: "string", default: "10" },
    size: { type: "string", default: "256" },
    keys: { type: "string", default: "1000" },
    dir: { type: "string", default: tmpdir() },
    "wal-serial": { type: "string", default: "2000" },
    "wal-concurrent": { type: "string", default: "64000" },
    "wal-writers": { type: "string", default: "64" },
    /** Run the coal members with --cpu-prof, writing their profiles here. */
    profile: { type: "string" },
    /** Measure only these systems (comma-separated: coal, etcd, wal). */
    only: { type: "string", default: "coal,etcd,wal" },
  },
});
const sequentialCount = Number(values.sequential);
const concurrentCount = Number(values.concurrent);
const inflight = Number(values.inflight);
const rounds = Number(values.rounds);
const size = Number(values.size);
const keyCount = Number(values.keys);
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const root = await mkdtemp(join(values.dir, "coal-bench-raft-"));

// -- the client -------------------------------------------------------------------------------

/** The request bodies, the same bytes for both systems: `key` cycles over `keys`, the value is `size` bytes. */
const bodies = Array.from({ length: keyCount }, (_, i) => {
  const key = Buffer.from(`bench/${String(i).padStart(6, "0")}`);
  const value = Buffer.from(randomBytes(Math.ceil((size * 3) / 4)).toString("base64").slice(0, size));
  return Buffer.from(JSON.stringify({ key: key.toString("base64"), value: value.toString("base64") }));
});

const agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024 });

/** One POST; resolves with the body, rejects on a status other than 200. */
function post(port: number, path: string, body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method: "POST", path, agent, headers: { "content-type": "application/json", "content-length": body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        if (res.statusCode === 200) resolve(text);
        else reject(new Error(`POST ${path} on port ${port}: ${res.statusCode} ${text}`));
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method: "GET", path, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString("utf8")) : reject(new Error(`GET ${path}: ${res.statusCode}`))));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

interface Run {
  readonly ms: number;
  /** CPU time the system's processes spent meanwhile, ms. */
  readonly cpuMs: number;
  /** Each request's latency, ms. */
  readonly latencies: Float64Array;
}

/** User and system CPU time of processes, ms (Linux; 0 elsewhere). */
function cpuTimeMs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    } catch {
      return 0;
    }
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

let nextBody = 0;
/** `count` puts on `port` by `concurrency` workers, each awaiting its put before the next. */
async function puts(system: System, port: number, count: number, concurrency: number): Promise<Run> {
  const latencies = new Float64Array(count);
  let issued = 0;
  const cpuBefore = cpuTimeMs(system.pids);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (issued < count) {
        const at = issued++;
        const body = bodies[nextBody++ % bodies.length]!;
        const sent = performance.now();
        await post(port, "/v3/kv/put", body);
        latencies[at] = performance.now() - sent;
      }
    }),
  );
  return { ms: performance.now() - started, latencies, cpuMs: cpuTimeMs(system.pids) - cpuBefore };
}

// -- the systems ------------------------------------------------------------------------------

/** Every server process started, killed when this process exits however it exits. */
const spawned: ChildProcess[] = [];
process.on("exit", () => {
  for (const child of spawned) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

interface System {
  readonly name: string;
  /** The processes serving it, for their CPU time. */
  readonly pids: readonly number[];
  /** The leader's client port. */
  leader(): Promise<number>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Three coal members (test/support/raft-member.ts), each its own process and data directory. */
async function startCoal(): Promise<System> {
  const seeds = [0, 1, 2].map(() => randomBytes(32));
  const ids = seeds.map((seed) => peerKeyFromSeed(seed).id);
  const ports = await Promise.all(seeds.map(async () => ({ raft: await freePort(), http: await freePort() })));
  const children: ChildProcess[] = [];
  await Promise.all(
    seeds.map(async (seed, i) => {
      const config = {
        seed: seed.toString("hex"),
        dataDir: join(root, `coal-${i}`),
        listenPort: ports[i]!.raft,
        bootstrap: ids.flatMap((id, j) => (j === i ? [] : [{ id, address: `127.0.0.1:${ports[j]!.raft}` }])),
        members: ids,
        httpPort: ports[i]!.http,
        // etcd's default timing: a heartbeat every 100 ms, elections after 1 s.
        tickMs: 100,
        electionTicks: 10,
        requestTimeoutMs: 30_000,
      };
      const profile = values.profile === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", values.profile];
      const extra = process.env.COAL_BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
      const child = spawn(process.execPath, [...profile, ...extra, "--conditions=source", "--import", "tsx", join(repoRoot, "test/support/raft-member.ts"), JSON.stringify(config)], { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] });
      children.push(child);
      spawned.push(child);
      await new Promise<void>((resolve, reject) => {
        createInterface({ input: child.stdout! }).on("line", (line) => (line.startsWith("ready ") ? resolve() : undefined));
        child.once("exit", (code) => reject(new Error(`coal member ${i} exited (${code})`)));
      });
    }),
  );
  return {
    name: "coal",
    pids: children.map((child) => child.pid!),
    leader: () =>
      until("a coal leader", async () => {
        for (const p of ports) {
          const status = JSON.parse(await get(p.http, "/status")) as { role: string };
          if (status.role === "leader") return p.http;
        }
        return undefined;
      }),
    close: async () => {
      await Promise.all(children.map((child) => new Promise((resolve) => (child.once("exit", resolve), child.kill("SIGTERM")))));
    },
  };
}

/** Three etcd members on loopback, each with its own data directory; a reason string when etcd is not installed. */
async function startEtcd(): Promise<System | string> {
  const version = spawnSync("etcd", ["--version"], { encoding: "utf8" });
  if (version.error !== undefined || version.status !== 0) return "etcd is not installed (apt-get install -y etcd-server)";
  const ports = await Promise.all([0, 1, 2].map(async () => ({ client: await freePort(), peer: await freePort() })));
  const cluster = ports.map((p, i) => `m${i}=http://127.0.0.1:${p.peer}`).join(",");
  const children = ports.map((p, i) =>
    spawn(
      "etcd",
      [
        "--name", `m${i}`,
        "--data-dir", join(root, `etcd-${i}`),
        "--listen-client-urls", `http://127.0.0.1:${p.client}`,
        "--advertise-client-urls", `http://127.0.0.1:${p.client}`,
        "--listen-peer-urls", `http://127.0.0.1:${p.peer}`,
        "--initial-advertise-peer-urls", `http://127.0.0.1:${p.peer}`,
        "--initial-cluster", cluster,
        "--initial-cluster-state", "new",
        "--initial-cluster-token", "coal-bench",
        "--logger", "zap",
        "--log-level", "error",
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    ),
  );
  spawned.push(...children);
  const leader = () =>
    until("an etcd leader", async () => {
      for (const p of ports) {
        const status = JSON.parse(await post(p.client, "/v3/maintenance/status", Buffer.from("{}"))) as { header: { member_id: string }; leader: string };
        if (status.leader === status.header.member_id) return p.client;
      }
      return undefined;
    });
  await leader();
  return {
    pids: children.map((child) => child.pid!),
    name: `etcd ${/etcd Version: (\S+)/.exec(version.stdout)?.[1] ?? "?"}`,
    leader,
    close: async () => {
      await Promise.all(children.map((child) => new Promise((resolve) => (child.once("exit", resolve), child.kill("SIGTERM")))));
    },
  };
}

// -- the run ----------------------------------------------------------------------------------

const percentile = (sorted: Float64Array, p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
const pooled = (runs: readonly Run[]) => Float64Array.from(runs.flatMap((r) => [...r.latencies])).sort();

const cpu = cpus();
console.log(`bench/raft: 3 members on loopback, fsync on, ${size}-byte values; ${cpu.length} × ${cpu[0]?.model ?? "unknown CPU"}; Node ${process.version}; data in ${root}`);
console.log(`  ${sequentialCount} puts at 1 in flight and ${concurrentCount} at ${inflight} in flight per system, in ${rounds} slices each, the systems taking turns`);

const only = new Set(values.only.split(","));
const coal = only.has("coal") ? await startCoal() : undefined;
const etcd = only.has("etcd") ? await startEtcd() : "not asked for (--only)";
const systems = [coal, typeof etcd === "string" ? undefined : etcd].filter((s): s is System => s !== undefined);
if (typeof etcd === "string") console.log(`  etcd skipped: ${etcd}`);

// The systems take turns in short slices (which goes first alternates), so both see the same
// weather on a shared machine; latencies are pooled over the slices, throughput is all puts over
// all the time spent on them.
const results = new Map<System, { sequential: Run[]; concurrent: Run[] }>(systems.map((s) => [s, { sequential: [], concurrent: [] }]));
try {
  // Warm-up: connections, the JIT, the disk, each system's own caches.
  for (const system of systems) {
    const port = await system.leader();
    await puts(system, port, 500, 1);
    await puts(system, port, 5000, inflight);
  }
  for (const phase of ["sequential", "concurrent"] as const) {
    const slice = Math.ceil((phase === "sequential" ? sequentialCount : concurrentCount) / rounds);
    for (let round = 0; round < rounds; round++) {
      for (const system of round % 2 === 0 ? systems : [...systems].reverse()) {
        const port = await system.leader();
        results.get(system)![phase].push(await puts(system, port, slice, phase === "sequential" ? 1 : inflight));
      }
    }
  }
} finally {
  await Promise.all(systems.map((s) => s.close()));
  agent.destroy();
}

const cpuPerPut = (runs: readonly Run[]) => (runs.reduce((sum, r) => sum + r.cpuMs, 0) / runs.reduce((sum, r) => sum + r.latencies.length, 0)) * 1000;
const rate = (runs: readonly Run[]) => (runs.reduce((sum, r) => sum + r.latencies.length, 0) / runs.reduce((sum, r) => sum + r.ms, 0)) * 1000;
const ms = (value: number) => value.toFixed(2).padStart(7);
console.log(`put latency at 1 in flight (ms)          p50      p90      p99      max    puts/s  server CPU µs/put`);
for (const system of systems) {
  const { sequential } = results.get(system)!;
  const sorted = pooled(sequential);
  console.log(`  ${system.name.padEnd(34)} ${ms(percentile(sorted, 50))}  ${ms(percentile(sorted, 90))}  ${ms(percentile(sorted, 99))}  ${ms(sorted[sorted.length - 1]!)}  ${Math.round(rate(sequential)).toString().padStart(7)}  ${Math.round(cpuPerPut(sequential)).toString().padStart(8)}`);
}
console.log(`puts at ${inflight} in flight                  puts/s      p50      p90      p99      max  server CPU µs/put`);
for (const system of systems) {
  const { concurrent } = results.get(system)!;
  const sorted = pooled(concurrent);
  console.log(`  ${system.name.padEnd(34)} ${Math.round(rate(concurrent)).toString().padStart(7)}  ${ms(percentile(sorted, 50))}  ${ms(percentile(sorted, 90))}  ${ms(percentile(sorted, 99))}  ${ms(sorted[sorted.length - 1]!)}  ${Math.round(cpuPerPut(concurrent)).toString().padStart(8)}`);
}
if (coal !== undefined && typeof etcd !== "string") {
  const ours = results.get(coal)!;
  const theirs = results.get(etcd)!;
  const [ourSequential, theirSequential] = [pooled(ours.sequential), pooled(theirs.sequential)];
  const ratio = (p: number) => percentile(ourSequential, p) / percentile(theirSequential, p);
  const throughputRatio = rate(ours.concurrent) / rate(theirs.concurrent);
  console.log(`coal vs ${etcd.name}`);
  console.log(`  sequential latency: p50 ${ratio(50).toFixed(2)}×, p90 ${ratio(90).toFixed(2)}×, p99 ${ratio(99).toFixed(2)}× etcd's   (bar p50 ≤ 1.0×: ${ratio(50) <= 1 ? "met" : "NOT met"})`);
  console.log(`  throughput at ${inflight} in flight: ${throughputRatio.toFixed(2)}× etcd's   (bar ≥ 1.0×: ${throughputRatio >= 1 ? "met" : "NOT met"})`);
}

// -- the log alone ----------------------------------------------------------------------------

if (!only.has("wal")) {
  await rm(root, { recursive: true, force: true });
  process.exit(0);
}
const walSerial = Number(values["wal-serial"]);
const walConcurrent = Number(values["wal-concurrent"]);
const walWriters = Number(values["wal-writers"]);
const payload = new Uint8Array(size).fill(42);
await rawAppends(root, 200, size);
await walAppends(root, 2000, walWriters, payload);
const walRounds = 3;
const wal: Record<"raw" | "dsync" | "one" | "many", AppendRun[]> = { raw: [], dsync: [], one: [], many: [] };
for (let round = 0; round < walRounds; round++) {
  wal.raw.push(await rawAppends(root, walSerial, size));
  wal.dsync.push(await rawAppends(root, walSerial, size, false, true));
  wal.one.push(await walAppends(root, walSerial, 1, payload));
  wal.many.push(await walAppends(root, walConcurrent, walWriters, payload));
}
await rm(root, { recursive: true, force: true });
const best = (runs: readonly AppendRun[]) => runs.reduce((a, b) => (b.entries / b.ms > a.entries / a.ms ? b : a));
const perSecond = (run: AppendRun) => (run.entries / run.ms) * 1000;
const baseline = best(wal.raw);
const row = (label: string, run: AppendRun) =>
  console.log(`  ${label.padEnd(36)} ${Math.round(perSecond(run)).toString().padStart(9)} entries/s  ${Math.round((run.syncs / run.ms) * 1000).toString().padStart(6)} fdatasync/s  ${(run.entries / run.syncs).toFixed(1).padStart(6)} entries/sync  ${(perSecond(run) / perSecond(baseline)).toFixed(2).padStart(7)}× raw`);
console.log(`durable appends of ${size}-byte entries, the log alone (best of ${walRounds})`);
row("raw write+fdatasync (baseline)", baseline);
row("raw O_DSYNC write, zero-filled file", best(wal.dsync));
row("wal, 1 writer", best(wal.one));
row(`wal, ${walWriters} writers`, best(wal.many));
const concurrentRate = perSecond(best(wal.many));
console.log(`  ${walWriters} writers: ${Math.round(concurrentRate)} entries/s   (bar ≥ 50 000: ${concurrentRate >= 50_000 ? "met" : "NOT met"})`);
process.exit(0);
