// Members of a replicated key-value group as real OS processes (test/support/raft-member.ts),
// each behind its proxy in a FaultNetwork, with data directories that outlive the processes: a
// member can be killed with SIGKILL and started again from what its write-ahead log holds. And a
// small client of their HTTP API (etcd's v3 JSON gateway) that tells the outcomes a history
// needs apart: done, refused before it was sent, or unknown.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Agent, request } from "node:http";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { peerKeyFromSeed } from "@coal/runtime/net";
import { FaultNetwork } from "./fault-proxy.js";
import { repoRoot } from "./files.js";
import type { MemberConfig } from "./raft-member.js";

export interface MemberStatus {
  readonly role: string;
  readonly leader: string | undefined;
  readonly term: number;
  readonly commit: number;
  readonly applied: number;
}

export type Settings = Pick<MemberConfig, "tickMs" | "electionTicks" | "requestTimeoutMs" | "snapshotEvery">;

export class MemberProcess {
  readonly id: string;
  child: ChildProcess | undefined;
  /** The HTTP port of the running process; undefined while it is down. */
  http: number | undefined;
  starts = 0;
  /** The last lines the process wrote to stderr, for a failure report. */
  readonly log: string[] = [];

  constructor(
    readonly cluster: Cluster,
    readonly index: number,
    readonly dataDir: string,
    /** The member's Ed25519 seed: its identity survives restarts. */
    readonly seed: Buffer,
  ) {
    this.id = peerKeyFromSeed(seed).id;
  }

  get up(): boolean {
    return this.child !== undefined;
  }

  /** Starts the process from its data directory and resolves once it serves. */
  async start(): Promise<void> {
    if (this.child !== undefined) throw new Error(`member ${this.index} is already running`);
    const peers = this.cluster.members.filter((m) => m !== this);
    const config: MemberConfig = {
      seed: this.seed.toString("hex"),
      dataDir: this.dataDir,
      listenPort: 0,
      advertise: this.cluster.faults.address(this.id),
      bootstrap: peers.map((m) => ({ id: m.id, address: this.cluster.faults.address(m.id) })),
      members: this.cluster.members.map((m) => m.id),
      httpPort: 0,
      ...this.cluster.settings,
    };
    const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", join(repoRoot, "test/support/raft-member.ts"), JSON.stringify(config)], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    this.starts++;
    createInterface({ input: child.stderr! }).on("line", (line) => {
      this.log.push(line);
      if (this.log.length > 50) this.log.shift();
    });
    const ready = await new Promise<{ address: string; http: number }>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on("line", (line) => {
        if (line.startsWith("ready ")) resolve(JSON.parse(line.slice(6)) as { address: string; http: number });
      });
      child.once("exit", (code, signal) => reject(new Error(`member ${this.index} exited (${code ?? signal}) before it was ready:\n${this.log.join("\n")}`)));
    });
    child.once("exit", () => {
      if (this.child === child) {
        this.child = undefined;
        this.http = undefined;
      }
    });
    this.cluster.faults.target(this.id, Number(ready.address.slice(ready.address.lastIndexOf(":") + 1)));
    this.http = ready.http;
  }

  /** SIGKILL: no clean shutdown, no flush; what the log made durable is all that survives. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGKILL");
    await exited;
    this.child = undefined;
    this.http = undefined;
  }

  async status(): Promise<MemberStatus | undefined> {
    const response = await this.cluster.client.call(this, "GET", "/status", undefined, 1000);
    return response.kind === "ok" ? (response.body as MemberStatus) : undefined;
  }
}

export class Cluster {
  readonly members: MemberProcess[] = [];
  readonly client = new KvClient();

  private constructor(
    readonly faults: FaultNetwork,
    readonly settings: Settings,
  ) {}

  /** `size` members behind proxies, data in `root/<index>`; not started. */
  static async create(root: string, size: number, settings: Settings = {}): Promise<Cluster> {
    const seeds = Array.from({ length: size }, () => randomBytes(32));
    const faults = await FaultNetwork.start(seeds.map((seed) => peerKeyFromSeed(seed).id));
    const cluster = new Cluster(faults, settings);
    seeds.forEach((seed, i) => cluster.members.push(new MemberProcess(cluster, i, join(root, String(i)), seed)));
    return cluster;
  }

  /** The member every live member that answers agrees leads, if any. */
  async leader(): Promise<MemberProcess | undefined> {
    const statuses = await Promise.all(this.members.map((m) => (m.up ? m.status() : undefined)));
    const leading = statuses.findIndex((s) => s?.role === "leader");
    return leading === -1 ? undefined : this.members[leading];
  }

  /** Waits for a leader that the given members (all live ones by default) follow. */
  async waitForLeader(timeoutMs: number): Promise<MemberProcess> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const statuses = await Promise.all(this.members.map((m) => (m.up ? m.status() : undefined)));
      const leaderIndex = statuses.findIndex((s) => s?.role === "leader");
      const leader = this.members[leaderIndex];
      if (leader !== undefined && statuses.every((s, i) => !this.members[i]!.up || s?.leader === leader.id)) return leader;
      if (Date.now() > deadline) throw new Error(`no leader followed by every live member within ${timeoutMs} ms: ${JSON.stringify(statuses)}`);
      await sleep(50);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.members.map((m) => m.kill()));
    await this.faults.close();
    this.client.close();
  }
}

export type Outcome =
  /** Answered 200. */
  | { readonly kind: "ok"; readonly body: unknown }
  /** Never reached the member (connection refused): it did not happen. */
  | { readonly kind: "refused" }
  /** Anything else (an error status, a reset, a timeout): it may have happened. */
  | { readonly kind: "unknown"; readonly reason: string };

/** One HTTP/1.1 keep-alive client for the members' API. */
export class KvClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  call(member: MemberProcess, method: "GET" | "POST", path: string, body: unknown, timeoutMs: number): Promise<Outcome> {
    const port = member.http;
    if (port === undefined) return Promise.resolve({ kind: "refused" });
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve) => {
      let settled = false;
      const settle = (outcome: Outcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const req = request({ host: "127.0.0.1", port, method, path, agent: this.agent, headers: payload === undefined ? {} : { "content-type": "application/json", "content-length": payload.length } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if (res.statusCode === 200) settle({ kind: "ok", body: JSON.parse(text) as unknown });
          else settle({ kind: "unknown", reason: `${res.statusCode} ${text}` });
        });
        res.on("error", (error) => settle({ kind: "unknown", reason: error.message }));
      });
      const timer = setTimeout(() => {
        settle({ kind: "unknown", reason: `no answer in ${timeoutMs} ms` });
        req.destroy();
      }, timeoutMs);
      req.on("error", (error: NodeJS.ErrnoException) => settle(error.code === "ECONNREFUSED" ? { kind: "refused" } : { kind: "unknown", reason: error.code ?? error.message }));
      req.end(payload);
    });
  }

  async put(member: MemberProcess, key: string, value: string, timeoutMs: number): Promise<Outcome> {
    return this.call(member, "POST", "/v3/kv/put", { key: b64(key), value: b64(value) }, timeoutMs);
  }

  /** A linearizable range of one key; an ok outcome's body is the value ("" when absent). */
  async get(member: MemberProcess, key: string, timeoutMs: number): Promise<Outcome> {
    const outcome = await this.call(member, "POST", "/v3/kv/range", { key: b64(key) }, timeoutMs);
    if (outcome.kind !== "ok") return outcome;
    const kvs = (outcome.body as { kvs?: { value: string }[] }).kvs ?? [];
    return { kind: "ok", body: kvs.length === 0 ? "" : Buffer.from(kvs[0]!.value, "base64").toString("utf8") };
  }

  close(): void {
    this.agent.destroy();
  }
}

const b64 = (text: string) => Buffer.from(text).toString("base64");
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
