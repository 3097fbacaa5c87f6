// One member of a replicated key-value group in its own OS process: a TCP node (fixed identity
// from a seed, advertised through whatever address the test gives — a fault-injecting proxy), a
// Raft group on the write-ahead log in `dataDir`, and an HTTP API speaking the subset of etcd's v3
// JSON gateway the tests and bench/raft use, so one client drives this and etcd alike:
//
//   POST /v3/kv/put    {"key": b64, "value": b64, "prev_kv"?: bool} → {"header": {"revision": "<index>"}, "prev_kv"?: …}
//   POST /v3/kv/range  {"key": b64, "serializable"?: bool}    → {"kvs": [{"key": b64, "value": b64}]} (linearizable unless serializable)
//   GET  /status                                              → the group's status (role, leader, term, commit, applied)
//   GET  /dump                                                → {"applied": n, "state": [[key, value], …]} (this member's state, as is)
//
// Started with one JSON argument (see `MemberConfig`); prints `ready {id, address, http}` on stdout
// once serving (ports 0 pick free ones; the line says which).
// SIGTERM closes it cleanly; the tests also kill it with SIGKILL.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Group, jsonCodec, walStore, GroupError, type StateMachine } from "@coal/runtime/groups";
import { Network } from "@coal/runtime/net";

export interface MemberConfig {
  readonly seed: string;
  readonly dataDir: string;
  readonly listenPort: number;
  readonly advertise?: string;
  readonly bootstrap: readonly { readonly id: string; readonly address: string }[];
  readonly members: readonly string[];
  readonly httpPort: number;
  readonly tickMs?: number;
  readonly electionTicks?: number;
  readonly requestTimeoutMs?: number;
  /** Applied entries between snapshots (the group's default when absent). */
  readonly snapshotEvery?: number;
}

type Command = { readonly key: string; readonly value: string };

function kvMachine(state: Map<string, string>): StateMachine<Command, string | null, string, string | null> {
  return {
    signature: "6b76".padEnd(64, "0"),
    commands: jsonCodec<Command>(),
    results: jsonCodec<string | null>(),
    apply: (command) => {
      const previous = state.get(command.key) ?? null;
      state.set(command.key, command.value);
      return previous;
    },
    query: (key) => state.get(key) ?? null,
    snapshot: () => new TextEncoder().encode(JSON.stringify([...state])),
    restore: (bytes) => {
      state.clear();
      for (const [k, v] of JSON.parse(new TextDecoder().decode(bytes)) as [string, string][]) state.set(k, v);
    },
  };
}

/** The request's JSON body. Read by events: an async iterator over the stream costs several promise turns per request. */
function body(request: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("error", reject);
    request.on("end", () => {
      try {
        resolve(chunks.length === 0 ? {} : (JSON.parse((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString("utf8")) as Record<string, unknown>));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}

const b64 = (text: string) => Buffer.from(text).toString("base64");
const unb64 = (value: unknown) => Buffer.from(String(value ?? ""), "base64").toString("utf8");

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2]!) as MemberConfig;
  const node = await Network.tcp({
    secretKey: Buffer.from(config.seed, "hex"),
    listen: { port: config.listenPort },
    ...(config.advertise === undefined ? {} : { advertise: config.advertise }),
    bootstrap: config.bootstrap,
  });
  const state = new Map<string, string>();
  const group = await Group.start({
    id: "raft-member-kv",
    self: node.id,
    members: config.members,
    channel: node.channel("raft-member-kv"),
    machine: kvMachine(state),
    store: await walStore(config.dataDir),
    tickMs: config.tickMs ?? 20,
    electionTicks: config.electionTicks ?? 10,
    requestTimeoutMs: config.requestTimeoutMs ?? 3000,
    ...(config.snapshotEvery === undefined ? {} : { snapshotEvery: config.snapshotEvery }),
  });
  const reply = (response: ServerResponse, status: number, value: unknown) => {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(value));
  };
  const server = createServer((request, response) => {
    void (async () => {
      try {
        if (request.method === "GET" && request.url === "/status") return reply(response, 200, group.status());
        if (request.method === "GET" && request.url === "/dump") return reply(response, 200, { applied: group.applied, state: [...state].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) });
        const input = await body(request);
        if (request.method === "POST" && request.url === "/v3/kv/put") {
          const previous = await group.execute({ key: unb64(input.key), value: unb64(input.value) });
          // As etcd: the previous value only when asked for.
          return reply(response, 200, { header: { revision: String(group.applied) }, ...(previous === null || input.prev_kv !== true ? {} : { prev_kv: { key: input.key, value: b64(previous) } }) });
        }
        if (request.method === "POST" && request.url === "/v3/kv/range") {
          const value = await group.query(unb64(input.key), input.serializable === true ? "weak" : "linearizable");
          return reply(response, 200, { header: { revision: String(group.applied) }, kvs: value === null ? [] : [{ key: input.key, value: b64(value) }] });
        }
        reply(response, 404, { error: "no such endpoint" });
      } catch (error) {
        reply(response, error instanceof GroupError && error.code === "timeout" ? 504 : 503, { error: String((error as Error).message) });
      }
    })();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(config.httpPort, "127.0.0.1", resolve));
  const http = (server.address() as { port: number }).port;
  process.stdout.write(`ready ${JSON.stringify({ id: node.id, address: node.boundAddress, http })}\n`);
  process.on("SIGTERM", () => {
    void (async () => {
      server.close();
      await group.close();
      await node.close();
      process.exit(0);
    })();
  });
}

void main();
