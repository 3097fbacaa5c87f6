// `coal node`: hosts committee members of a coalition's modules and organisms, from the manifest
// `coalc build` wrote. One process is one peer of the TCP network (its identity from a key file);
// it joins the Almanac, Chronicle, Atlas and Compute committees it is told to host, and organism
// committees running user state machines (JS modules), each on a durable store in `dataDir`.
// It logs JSON lines, serves Prometheus text metrics, and on SIGTERM/SIGINT closes every group
// (flushing its log) and its links before exiting.
import { createServer, type Server } from "node:http";
import { mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { fromHex, toHex } from "../identity/bytes.js";
import { codec } from "../identity/codec.js";
import { moduleRoot, surfaceId } from "../identity/fingerprints.js";
import { list, primitive } from "../identity/types.js";
import { startKeyedGroup } from "../groups/id.js";
import type { StateMachine } from "../groups/state-machine.js";
import { walStore } from "../groups/wal-store.js";
import { Network } from "../net/index.js";
import type { TcpNode } from "../net/tcp.js";
import { Almanac } from "../services/almanac.js";
import { Atlas, catalogue, followRetirements } from "../services/atlas.js";
import { trustedRoot, type TrustedRoot } from "../tdx/x509.js";
import { Chronicle } from "../services/chronicle.js";
import { Compute } from "../services/compute.js";
import { AlmanacTickType, ChronicleEntryType, ComputeGrantType, ComputeRequestType, MemberCardType } from "../services/std-types.js";

export interface NodeConfig {
  readonly manifest: string;
  readonly dataDir: string;
  readonly keyFile: string;
  readonly listen: { readonly host: string; readonly port: number };
  readonly advertise?: string;
  readonly bootstrap: readonly { readonly id: string; readonly address: string }[];
  /** Modules to host a committee member of. */
  readonly modules: readonly ("almanac" | "chronicle" | "atlas" | "compute")[];
  /** The committee: peer ids of every member (this node among them). */
  readonly members: readonly string[];
  /** Organism committees: organism name → path of a JS module exporting a state machine factory. */
  readonly machines: Readonly<Record<string, string>>;
  readonly metrics?: { readonly host: string; readonly port: number };
  /** Peers outside the committee the modules serve (agents appending to the Chronicle, providers…). */
  readonly clients?: "any" | readonly string[];
  /** A PEM root certificate Compute verifies provider quotes against instead of Intel's (tests, demos). */
  readonly tdxRoot?: string;
  readonly tickMs?: number;
  readonly electionTicks?: number;
  /** Where logs go (JSON lines). Default stdout. */
  readonly log?: (line: string) => void;
}

interface Manifest {
  readonly coalition: { readonly name: string; readonly ids: { readonly COALITION_ROOT: string }; readonly modules: Readonly<Record<string, { readonly root: string; readonly fingerprint: string; readonly content: { readonly bytes: string } } | null>> };
  readonly citizens: readonly { readonly name: string; readonly kind: string; readonly role?: string; readonly stable_id: string; readonly content_hash: string | null }[];
}

/** A key file holds the 32-byte Ed25519 seed as 64 hex digits. */
export function readKeyFile(path: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(path, "utf8").trim();
  } catch (error) {
    throw new NodeConfigError(`cannot read the key file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (!/^[0-9a-f]{64}$/i.test(text)) throw new NodeConfigError(`${path} does not hold a key: 64 hex digits (an Ed25519 seed) expected`);
  return fromHex(text.toLowerCase());
}

export class NodeConfigError extends Error {
  override readonly name = "NodeConfigError";
}

type Hosted = { readonly kind: string; readonly name: string; readonly group: { status(): { role: string; leader: string | undefined; term: number; commit: number; applied: number } }; stop(): Promise<void> };

export class NodeRunner {
  private readonly hosted: Hosted[] = [];
  /** Stops the run-time patterns this node carries out (the Atlas following the Chronicle). */
  private readonly patterns: (() => void)[] = [];
  private metricsServer: Server | undefined;
  private readonly startedAt = Date.now();

  private constructor(
    readonly node: TcpNode,
    private readonly config: NodeConfig,
  ) {}

  private log(level: "info" | "warn" | "error", msg: string, fields: Record<string, unknown> = {}): void {
    (this.config.log ?? ((line) => process.stdout.write(line + "\n")))(JSON.stringify({ ts: new Date().toISOString(), level, msg, peer: this.node.id.slice(0, 16), ...fields }));
  }

  static async start(config: NodeConfig): Promise<NodeRunner> {
    let manifest: Manifest;
    try {
      manifest = JSON.parse(readFileSync(config.manifest, "utf8")) as Manifest;
    } catch (error) {
      throw new NodeConfigError(`cannot read the manifest ${config.manifest}: ${(error as Error).message}`);
    }
    const secretKey = readKeyFile(config.keyFile);
    const node = await Network.tcp({ secretKey, listen: config.listen, bootstrap: config.bootstrap, ...(config.advertise === undefined ? {} : { advertise: config.advertise }) });
    const runner = new NodeRunner(node, config);
    if (!config.members.includes(node.id)) throw new NodeConfigError(`this node (${node.id}) is not among the committee's members`);
    runner.log("info", "node started", { id: node.id, address: node.address, coalition: manifest.coalition.name });
    const timing = { tickMs: config.tickMs ?? 50, electionTicks: config.electionTicks ?? 10 };
    const store = async (name: string) => {
      const dir = join(config.dataDir, name);
      mkdirSync(dir, { recursive: true });
      return walStore(dir);
    };
    const modules = manifest.coalition.modules;
    const serve = config.clients === undefined ? {} : { clients: config.clients };
    let root: TrustedRoot | undefined;
    if (config.tdxRoot !== undefined) {
      try {
        root = trustedRoot(readFileSync(config.tdxRoot, "utf8"));
      } catch (error) {
        throw new NodeConfigError(`cannot use ${config.tdxRoot} as the TDX root: ${(error as Error).message}`);
      }
    }
    let chronicleMember: Chronicle | undefined;
    let atlasMember: Atlas | undefined;
    const surface = (module: string, name: string, kind: "stream" | "map" | "vec", type: Parameters<typeof codec>[0]) => {
      const root = moduleRoot(fromHex(manifest.coalition.ids.COALITION_ROOT), module as "almanac");
      const item = kind === "stream" ? { kind: "stream" as const, name, type } : { kind: "collection" as const, name, collection: kind, parameters: kind === "map" ? [primitive("digest"), type] : [type] };
      return Buffer.from(surfaceId(root, item).digest).toString("hex");
    };
    for (const module of config.modules) {
      const m = modules[module];
      if (m === undefined || m === null) throw new NodeConfigError(`the coalition ships no ${module} module`);
      if (module === "almanac") {
        const cadenceMs = Number(codec<{ cadence: bigint }>({ kind: "record", name: "AlmanacContent", fields: [{ name: "cadence", type: primitive("duration") }] }).decode(fromHex(m.content.bytes)).cadence);
        const almanac = await Almanac.start({ key: m.fingerprint, ticks: surface("almanac", "ticks", "stream", AlmanacTickType), peer: node, members: config.members, cadenceMs, store: await store("almanac"), ...timing });
        runner.hosted.push({ kind: "module", name: "almanac", group: almanac.group, stop: () => almanac.stop() });
        runner.log("info", "hosting the almanac", { cadenceMs });
      } else if (module === "chronicle") {
        const chronicle = await Chronicle.open({ key: surface("chronicle", "log", "vec", ChronicleEntryType), peer: node, writers: config.members, store: await store("chronicle"), ...serve, ...timing });
        chronicleMember = chronicle;
        runner.hosted.push({ kind: "module", name: "chronicle", group: chronicle.group, stop: () => chronicle.close() });
        runner.log("info", "hosting the chronicle");
      } else if (module === "atlas") {
        const atlas = await Atlas.open({ key: surface("atlas", "cards", "map", MemberCardType), peer: node, writers: config.members, store: await store("atlas"), ...serve, ...timing });
        atlasMember = atlas;
        // One card per citizen the Atlas catalogues (AtlasContent.members), committed by the leader.
        const members = codec<{ members: Uint8Array[] }>({ kind: "record", name: "AtlasContent", fields: [{ name: "members", type: list(primitive("digest")) }] }).decode(fromHex(m.content.bytes)).members;
        const citizens = members.map((citizen) => ({ citizen, role: manifest.citizens.find((c) => c.stable_id === toHex(citizen))?.role ?? "" }));
        runner.patterns.push(catalogue(atlas, citizens, () => runner.log("info", "the atlas holds a card for every citizen", { cards: citizens.length })));
        runner.hosted.push({ kind: "module", name: "atlas", group: atlas.cards, stop: () => atlas.close() });
        runner.log("info", "hosting the atlas");
      } else {
        // Requests arrive on the module's `requests` stream and grants leave on `grants` (spec 06).
        const streams = { requests: surface("compute", "requests", "stream", ComputeRequestType), grants: surface("compute", "grants", "stream", ComputeGrantType) };
        const compute = await Compute.open({ key: m.fingerprint, peer: node, members: config.members, store: await store("compute"), streams, ...(root === undefined ? {} : { root }), ...serve, ...timing });
        runner.hosted.push({ kind: "module", name: "compute", group: compute.group, stop: () => compute.close() });
        runner.log("info", "hosting compute", root === undefined ? {} : { tdxRoot: config.tdxRoot });
      }
    }
    if (chronicleMember !== undefined && atlasMember !== undefined) {
      // Pattern Y: this node's Atlas member, when it leads, applies the Chronicle's retirement markers.
      const stop = followRetirements(chronicleMember, atlasMember, (marker) => runner.log("info", "atlas follows a retirement marker", { retiring: Buffer.from(marker.retiring.stable_id).toString("hex"), successor: marker.replacement === undefined ? null : Buffer.from(marker.replacement.stable_id).toString("hex") }));
      runner.patterns.push(stop);
    }
    for (const [name, path] of Object.entries(config.machines)) {
      const citizen = manifest.citizens.find((c) => c.name === name && c.kind === "organism");
      if (citizen === undefined) throw new NodeConfigError(`the manifest has no organism ${name}`);
      const loaded = (await import(pathToFileURL(resolve(path)).href)) as { default?: () => StateMachine<unknown, unknown, unknown, unknown> };
      if (typeof loaded.default !== "function") throw new NodeConfigError(`${path} must export a default function returning a state machine`);
      const machine = loaded.default();
      // Keyed by the organism's content hash: agents reach it as clients with `connectKeyedGroup`
      // (the same key, timing and machine module).
      const group = await startKeyedGroup({ key: citizen.content_hash ?? citizen.stable_id, peer: node, members: config.members, store: await store(`organism-${name}`), ...serve, ...timing }, machine);
      runner.hosted.push({ kind: "organism", name, group, stop: () => group.close() });
      runner.log("info", "hosting an organism committee", { organism: name, group: group.id.slice(0, 16) });
    }
    // Leadership as it changes, per hosted group: what an operator looks for first.
    const leaders = new Map<string, string | undefined>();
    const watch = setInterval(() => {
      for (const hosted of runner.hosted) {
        const status = hosted.group.status();
        if (status.leader === undefined || leaders.get(hosted.name) === status.leader) continue;
        leaders.set(hosted.name, status.leader);
        runner.log("info", "leader", { kind: hosted.kind, name: hosted.name, leader: status.leader, term: status.term, self: status.leader === node.id });
      }
    }, 50);
    watch.unref();
    runner.patterns.push(() => clearInterval(watch));
    if (config.metrics !== undefined) await runner.serveMetrics(config.metrics);
    return runner;
  }

  /** Prometheus text format: one gauge family per measure, labelled by group. */
  metrics(): string {
    const lines: string[] = [];
    const family = (name: string, help: string, type: "gauge" | "counter", samples: [string, number][]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
    };
    const label = (h: Hosted) => `{kind="${h.kind}",name="${h.name}"}`;
    const statuses = this.hosted.map((h) => [h, h.group.status()] as const);
    family("coal_group_leader", "1 when this member leads the group", "gauge", statuses.map(([h, s]) => [label(h), s.role === "leader" ? 1 : 0]));
    family("coal_group_term", "The member's current Raft term", "gauge", statuses.map(([h, s]) => [label(h), s.term]));
    family("coal_group_commit_index", "The highest log index known committed", "gauge", statuses.map(([h, s]) => [label(h), s.commit]));
    family("coal_group_applied_index", "The highest log index applied", "gauge", statuses.map(([h, s]) => [label(h), s.applied]));
    family("coal_node_uptime_seconds", "Seconds since the node started", "gauge", [["", Math.round((Date.now() - this.startedAt) / 1000)]]);
    family("coal_node_peers", "Peers with an entry in this node's view", "gauge", [["", this.node.entries.size]]);
    return lines.join("\n") + "\n";
  }

  private serveMetrics(at: { host: string; port: number }): Promise<void> {
    this.metricsServer = createServer((request, response) => {
      if (request.url === "/metrics") {
        response.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
        response.end(this.metrics());
      } else {
        response.writeHead(404);
        response.end();
      }
    });
    return new Promise((resolveListen) => this.metricsServer!.listen(at.port, at.host, () => resolveListen()));
  }

  get metricsAddress(): string | undefined {
    const address = this.metricsServer?.address();
    return address === null || address === undefined || typeof address === "string" ? address ?? undefined : `${address.address}:${address.port}`;
  }

  /** Stops every hosted group (their logs flushed), the metrics endpoint and the node's links. */
  async stop(): Promise<void> {
    this.log("info", "shutting down", { groups: this.hosted.length });
    for (const stop of this.patterns.splice(0)) stop();
    for (const hosted of this.hosted.splice(0)) await hosted.stop();
    await new Promise<void>((r) => (this.metricsServer === undefined ? r() : this.metricsServer.close(() => r())));
    await this.node.close();
    this.log("info", "stopped");
  }
}
