// One OS process of `npm run demo -- --tcp`: runs the roles it is given (demo/scenario.ts) on TCP
// peers, one per label, each listening on a free loopback port and finding the others through the
// bootstrap peer. It speaks JSON lines: what the roles report goes to stdout for the launcher's
// view and checklist; the launcher's cues ("audit", "stop") arrive on stdin. On "stop" (or stdin
// closing: the launcher went away) it closes its groups and links and exits 0.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { Network, peerKeyFromSeed, type TcpNode } from "@coal/runtime/net";
import { roles, seedOf, type Stage } from "./scenario.js";
import { demoPki, type PkiMaterial } from "./tdx.js";

interface Setup {
  readonly roles: readonly string[];
  readonly master: string;
  readonly material: PkiMaterial;
  readonly bootstrap: readonly { readonly id: string; readonly address: string }[];
  readonly tickMs: number;
  readonly bindings: string;
  readonly manifest: string;
}

const say = (message: Record<string, unknown>) => process.stdout.write(JSON.stringify(message, (_, v) => (typeof v === "bigint" ? v.toString() : v)) + "\n");

let setup: Setup;
try {
  setup = JSON.parse(process.env.COAL_DEMO ?? "") as Setup;
} catch {
  process.stderr.write("demo/role.ts is started by `npm run demo -- --tcp` (COAL_DEMO is not set)\n");
  process.exit(2);
}
for (const name of setup.roles) {
  if (roles[name] === undefined) {
    process.stderr.write(`demo/role.ts: no role ${name}\n`);
    process.exit(2);
  }
}

const b = await import(pathToFileURL(setup.bindings).href);
const citizens = (JSON.parse(readFileSync(setup.manifest, "utf8")) as { citizens: Stage["citizens"] }).citizens.map(({ name, stable_id, role }) => ({ name, stable_id, role }));
const nodes: TcpNode[] = [];
const cues = { audit: [] as (() => void)[], stop: [] as (() => void)[] };
const given = new Set<string>();
let startScript!: (epoch: bigint) => void;
const epoch = new Promise<bigint>((resolve) => (startScript = resolve));
const give = (name: "audit" | "stop") => {
  if (given.has(name)) return;
  given.add(name);
  for (const listener of cues[name]) listener();
};
createInterface({ input: process.stdin })
  .on("line", (line) => {
    try {
      const { cue, epoch } = JSON.parse(line) as { cue: "begin" | "audit" | "stop"; epoch?: string };
      if (cue === "begin") startScript(BigInt(epoch ?? "0"));
      if (cue === "audit" || cue === "stop") give(cue);
    } catch {
      // not a cue
    }
  })
  .on("close", () => give("stop"));

const stage: Stage = {
  b,
  citizens,
  join: async (label) => {
    const node = await Network.tcp({ secretKey: seedOf(setup.master, label), listen: { host: "127.0.0.1", port: 0 }, bootstrap: setup.bootstrap });
    nodes.push(node);
    return node;
  },
  idOf: (label) => peerKeyFromSeed(seedOf(setup.master, label)).id,
  timing: { tickMs: setup.tickMs, electionTicks: 10 },
  pki: demoPki(setup.material),
  section: (name, what) => say({ type: "section", name, what }),
  line: (tag, text) => say({ type: "line", tag, text }),
  tick: (seq) => say({ type: "tick", seq }),
  fact: (name, value) => say({ type: "fact", name, value }),
  cue: (name) => (given.has(name) ? Promise.resolve() : new Promise((resolve) => cues[name].push(resolve))),
  epoch: () => epoch,
};

const running = setup.roles.map((name) => roles[name]!(stage));
say({ type: "ready" });
try {
  await Promise.all(running);
} catch (error) {
  say({ type: "error", message: (error as Error).message });
  process.exitCode = 1;
}
await Promise.all(nodes.map((node) => node.close()));
process.exit(process.exitCode ?? 0);
