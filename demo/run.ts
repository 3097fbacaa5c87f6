// `npm run demo`: the prophet scenario of spec 06, end to end, on the embedded in-process network.
// `npm run demo -- --tcp`: the same roles as separate OS processes over TCP.
//
// It compiles demo/prophet.coal with coalc, loads the generated bindings (which re-derive every
// fingerprint on import), and runs the roles of demo/scenario.ts: three operators host the Atlas,
// Almanac, Chronicle and Compute committees; prophet and two oracles forecast on every almanac
// tick; accuracy_reputation scores desks and forecasters; forecasting_market settles; prophet's
// admission (from the manifest) admits one desk and refuses two with their reasons, then admits
// one that settles; desks act on forecasts; prophet heartbeats on the Chronicle; the desks leave,
// the watchdog's verdicts turn Abandoned, and prophet retires, handing off to the reputation
// leader as its successor policy says; the Atlas follows the marker and a late consumer resolves
// prophet's stable id to the successor; a Compute request is granted to a TDX-capable provider
// whose quote verifies; the Chronicle's hash chain verifies. The checklist at the end is judged
// from what the roles reported; the exit code is 0 only if every step happened.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Network, peerKeyFromSeed } from "@coal/runtime/net";
import { beforeAudit, judge, roles, seedOf, type Fact, type Stage } from "./scenario.js";
import { demoPki, makePkiMaterial } from "./tdx.js";
import { View } from "./view.js";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..");
const tcp = process.argv.includes("--tcp");
const unknown = process.argv.slice(2).filter((a) => a !== "--tcp");
if (unknown.length > 0) {
  process.stderr.write(`demo: unknown option ${unknown[0]} (the only option is --tcp)\n`);
  process.exit(2);
}
const view = new View(process.stdout.isTTY === true && process.env.NO_COLOR === undefined);
const started = Date.now();
const limitMs = tcp ? 150_000 : 60_000;
const deadline = setTimeout(() => {
  view.fail(`the scenario did not finish within ${limitMs / 1000} s; facts so far: ${Object.keys(facts).join(", ")}`);
  stopChildren();
  process.exit(1);
}, limitMs);

// ---------------------------------------------------------------------------------------------
// Compile the manifest and check the bindings load.

view.section("compile", "coalc build demo/prophet.coal");
const build = spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", join(repo, "compiler/src/cli/node-main.ts"), "build", join(here, "prophet.coal")], { cwd: repo, encoding: "utf8" });
if (build.status !== 0) {
  view.fail(`coalc build failed:\n${build.stdout}${build.stderr}`);
  process.exit(1);
}
const bindingsPath = join(here, "coal-out/prophets.ts");
const b = await import(pathToFileURL(bindingsPath).href);
view.line("bindings", `demo/coal-out/prophets.ts loaded; every fingerprint re-derived and checked (coalition_id ${b.ids.coalition.coalition_id.slice(0, 16)}…)`);

// Every peer's identity is fixed for the run (from a fresh master seed and its label), so roles
// know each other's ids — the operator committee's above all — before anyone starts.
const master = randomBytes(32).toString("hex");
const material = makePkiMaterial();

// ---------------------------------------------------------------------------------------------
// Facts, cues and the end.

const facts: Record<string, Fact> = {};
let audited = false;
let finished: () => void;
const done = new Promise<void>((resolve) => (finished = resolve));
const cueListeners: Record<string, (() => void)[]> = { audit: [], stop: [] };
const given = new Set<string>();
function giveCue(name: "audit" | "stop"): void {
  if (given.has(name)) return;
  given.add(name);
  for (const listener of cueListeners[name]!) listener();
  for (const child of children) child.stdin?.write(JSON.stringify({ cue: name }) + "\n");
}
function onFact(name: string, value: Fact): void {
  facts[name] = value;
  if (!audited && beforeAudit.every((key) => key in facts)) {
    audited = true;
    giveCue("audit");
  }
  if (name === "chronicle") finished();
}

/** The roles in OS processes: operators each alone, the rest grouped by party. */
const processes: readonly (readonly string[])[] = [["operator-0"], ["operator-1"], ["operator-2"], ["reputation"], ["market", "calibration"], ["oracles"], ["prophet"], ["desks"], ["watchdog"], ["late-consumer", "compute-user", "auditor"]];
const children: ChildProcess[] = [];
function stopChildren(): void {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
}

if (tcp) await runOverTcp();
else await runInProcess();

// ---------------------------------------------------------------------------------------------
// Summary.

const checks = judge(facts);
const num = (key: string) => (typeof facts[key] === "number" ? (facts[key] as number) : 0);
view.summary(checks, Date.now() - started, {
  ticks: (facts.ticks as { seen?: number } | undefined)?.seen ?? 0,
  forecasts: num("forecasts.prophet") + num("forecasts.oracles"),
  decisions: num("decisions"),
  heartbeats: num("heartbeats"),
  ...(tcp ? { "OS processes": children.length } : {}),
});
clearTimeout(deadline);
process.exit(checks.every(([, ok]) => ok) ? 0 : 1);

// ---------------------------------------------------------------------------------------------

async function runInProcess(): Promise<void> {
  const net = Network.memory();
  const stage: Stage = {
    b,
    join: async (label) => net.join({ secretKey: seedOf(master, label) }),
    idOf: (label) => peerKeyFromSeed(seedOf(master, label)).id,
    timing: { tickMs: 20, electionTicks: 10 },
    pki: demoPki(material),
    section: (name, what) => view.section(name, what),
    line: (tag, text) => view.line(tag, text),
    tick: (seq) => view.tick(seq),
    fact: onFact,
    cue: (name) => (given.has(name) ? Promise.resolve() : new Promise((resolve) => cueListeners[name]!.push(resolve))),
  };
  const running = Object.entries(roles).map(([name, role]) =>
    role(stage).catch((error: Error) => {
      view.fail(`${name}: ${error.message}`);
      process.exit(1);
    }),
  );
  await done;
  giveCue("stop");
  await Promise.all(running);
}


async function runOverTcp(): Promise<void> {
  view.section("processes", `${processes.length} OS processes over TCP: ${processes.map((p) => p.join("+")).join(", ")}`);
  const tickMs = 50;
  const spawnRoles = (roleNames: readonly string[], bootstrap: readonly { id: string; address: string }[]) =>
    new Promise<{ id: string; address: string } | undefined>((resolveAddress, rejectStart) => {
      const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", join(here, "role.ts")], {
        cwd: repo,
        stdio: ["pipe", "pipe", "pipe"],
        env: { ...process.env, COAL_DEMO: JSON.stringify({ roles: roleNames, master, material, bootstrap, tickMs, bindings: bindingsPath }) },
      });
      children.push(child);
      const name = roleNames.join("+");
      let stderr = "";
      child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      createInterface({ input: child.stdout! }).on("line", (line) => {
        let message: { type: string; [key: string]: unknown };
        try {
          message = JSON.parse(line);
        } catch {
          return; // not ours: a library printing to stdout
        }
        if (message.type === "line") view.line(message.tag as string, message.text as string);
        else if (message.type === "section") view.section(message.name as string, message.what as string);
        else if (message.type === "tick") view.tick(BigInt(message.seq as string));
        else if (message.type === "fact") onFact(message.name as string, message.value as Fact);
        else if (message.type === "address") resolveAddress({ id: message.id as string, address: message.address as string });
        else if (message.type === "ready") resolveAddress(undefined);
        else if (message.type === "error") {
          view.fail(`${name} (pid ${child.pid}): ${message.message as string}`);
          stopChildren();
          process.exit(1);
        }
      });
      child.once("exit", (code) => {
        if (code !== 0 && !given.has("stop")) {
          view.fail(`${name} (pid ${child.pid}) exited with ${code}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`);
          stopChildren();
          process.exit(1);
        }
        rejectStart(new Error(`${name} exited before it was ready`));
      });
    });
  // Operator 0 first: everyone else finds the network through it.
  const first = await spawnRoles(processes[0]!, []);
  const bootstrap = [first!];
  await Promise.all(processes.slice(1).map((roleNames) => spawnRoles(roleNames, bootstrap)));
  view.line("processes", `${children.length} processes up (pids ${children.map((c) => c.pid).join(", ")})`);
  await done;
  giveCue("stop");
  // Each process closes its groups and links and exits 0 on "stop".
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
          child.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
        }),
    ),
  );
}
