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
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createInterface } from "node:readline";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Network, peerKeyFromSeed } from "@coal/runtime/net";
import { beforeAudit, judge, operatorLabels, roles, seedOf, short, type Fact, type Stage } from "./scenario.js";
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
const manifestPath = join(here, "coal-out/prophets.manifest.json");
const b = await import(pathToFileURL(bindingsPath).href);
const citizens = (JSON.parse(readFileSync(manifestPath, "utf8")) as { citizens: Stage["citizens"] }).citizens.map(({ name, stable_id, role }) => ({ name, stable_id, role }));
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

/** The roles in OS processes, grouped by party; the operators are `coal node` processes. */
const processes: readonly (readonly string[])[] = [["reputation"], ["market", "calibration"], ["oracles"], ["prophet"], ["desks"], ["watchdog"], ["late-consumer", "compute-user", "auditor"]];
const children: ChildProcess[] = [];
const operators: ChildProcess[] = [];
let lastTick = 0n;
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
    citizens,
    join: async (label) => net.join({ secretKey: seedOf(master, label) }),
    idOf: (label) => peerKeyFromSeed(seedOf(master, label)).id,
    timing: { tickMs: 20, electionTicks: 10 },
    pki: demoPki(material),
    section: (name, what) => view.section(name, what),
    line: (tag, text) => view.line(tag, text),
    tick: (seq) => view.tick(seq),
    fact: onFact,
    cue: (name) => (given.has(name) ? Promise.resolve() : new Promise((resolve) => cueListeners[name]!.push(resolve))),
    epoch: async () => 0n,
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
  const tickMs = 50;
  view.section("processes", `${operatorLabels.length + processes.length} OS processes over TCP: ${operatorLabels.length} × coal node (the operators), ${processes.map((p) => p.join("+")).join(", ")}`);
  const scratch = mkdtempSync(join(tmpdir(), "coal-demo-"));
  process.once("exit", () => rmSync(scratch, { recursive: true, force: true }));
  const fail = (what: string) => {
    view.fail(what);
    stopChildren();
    process.exit(1);
  };
  const watchExit = (child: ChildProcess, name: string, stderr: () => string) =>
    child.once("exit", (code) => {
      if (code !== 0 && !given.has("stop")) fail(`${name} (pid ${child.pid}) exited with ${code}: ${stderr().trim().split("\n").slice(-3).join(" | ")}`);
    });

  // The operators: `coal node` hosting the four modules from the manifest coalc wrote, with the
  // demo's identities (key files) and its stand-in TDX root, serving agents as clients.
  view.section("modules", "Atlas, Almanac, Chronicle and Compute committees: three `coal node` operators");
  writeFileSync(join(scratch, "demo-root.pem"), material.rootPem);
  const operatorIds = operatorLabels.map((label) => peerKeyFromSeed(seedOf(master, label)).id);
  const leaders = new Map<string, string>();
  let leadersShown = false;
  const startOperator = (index: number, bootstrap: readonly { id: string; address: string }[]) =>
    new Promise<{ id: string; address: string }>((resolveStarted) => {
      const label = operatorLabels[index]!;
      writeFileSync(join(scratch, `${label}.key`), Buffer.from(seedOf(master, label)).toString("hex") + "\n", { mode: 0o600 });
      const args = [
        ...["node", "--manifest", join(here, "coal-out/prophets.manifest.json"), "--data-dir", join(scratch, label), "--key", join(scratch, `${label}.key`), "--listen", "127.0.0.1:0"],
        ...["--members", operatorIds.join(","), "--module", "almanac", "--module", "chronicle", "--module", "atlas", "--module", "compute"],
        ...["--clients", "any", "--tdx-root", join(scratch, "demo-root.pem"), "--tick-ms", String(tickMs), "--election-ticks", "10"],
        ...bootstrap.flatMap((b) => ["--bootstrap", `${b.id}@${b.address}`]),
      ];
      const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", join(repo, "runtime/src/node/main.ts"), ...args], { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
      children.push(child);
      operators.push(child);
      let stderr = "";
      child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      watchExit(child, `coal node (${label})`, () => stderr);
      createInterface({ input: child.stdout! }).on("line", (line) => {
        let log: { level: string; msg: string; [key: string]: unknown };
        try {
          log = JSON.parse(line);
        } catch {
          return;
        }
        if (log.msg === "node started") resolveStarted({ id: log.id as string, address: log.address as string });
        else if (log.msg === "leader" && log.kind === "module") {
          leaders.set(log.name as string, log.leader as string);
          if (!leadersShown && leaders.size === 4) {
            leadersShown = true;
            view.line("leaders", ["almanac", "chronicle", "atlas", "compute"].map((m) => `${m} ${short(leaders.get(m)!)}`).join("  "));
          }
        } else if (log.msg === "the atlas holds a card for every citizen" && index === 0) view.line("atlas", `${log.cards as number} cards, one per citizen of the coalition, committed by the Atlas committee`);
        else if (log.msg === "atlas follows a retirement marker") view.line("atlas", `operator ${index} (coal node) applied the retirement marker: ${short(log.retiring as string)} → Retired, successor_hint ${log.successor === null ? "none" : short(log.successor as string)}`);
        else if (log.level === "error" || log.level === "warn") view.line("operator", `${label}: ${log.msg}`);
      });
    });
  const first = await startOperator(0, []);
  await Promise.all([startOperator(1, [first]), startOperator(2, [first])]);

  // The agents: each party's roles in a process of its own (demo/role.ts).
  const spawnRoles = (roleNames: readonly string[]) =>
    new Promise<void>((resolveReady) => {
      const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", join(here, "role.ts")], {
        cwd: repo,
        stdio: ["pipe", "pipe", "pipe"],
        env: { ...process.env, COAL_DEMO: JSON.stringify({ roles: roleNames, master, material, bootstrap: [first], tickMs, bindings: bindingsPath, manifest: manifestPath }) },
      });
      children.push(child);
      const name = roleNames.join("+");
      let stderr = "";
      child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      watchExit(child, name, () => stderr);
      createInterface({ input: child.stdout! }).on("line", (line) => {
        let message: { type: string; [key: string]: unknown };
        try {
          message = JSON.parse(line);
        } catch {
          return; // not ours: a library printing to stdout
        }
        if (message.type === "line") view.line(message.tag as string, message.text as string);
        else if (message.type === "section") view.section(message.name as string, message.what as string);
        else if (message.type === "tick") {
          lastTick = BigInt(message.seq as string);
          view.tick(lastTick);
        } else if (message.type === "fact") onFact(message.name as string, message.value as Fact);
        else if (message.type === "ready") resolveReady();
        else if (message.type === "error") fail(`${name} (pid ${child.pid}): ${message.message as string}`);
      });
    });
  await Promise.all(processes.map((roleNames) => spawnRoles(roleNames)));
  view.line("processes", `${children.length} processes up (pids ${children.map((c) => c.pid).join(", ")})`);
  // The script starts now: from the tick after the latest one the watchdog has reported.
  const limit = Date.now() + 20_000;
  while (lastTick === 0n && Date.now() < limit) await new Promise((r) => setTimeout(r, 20));
  const epoch = lastTick + 1n;
  for (const child of children) if (!operators.includes(child)) child.stdin?.write(JSON.stringify({ cue: "begin", epoch: String(epoch) }) + "\n");
  view.line("script", `every party is up: the script counts from almanac tick ${epoch}`);
  await done;
  giveCue("stop");
  // Agents close their links and exit on "stop"; the operators on SIGTERM, flushing their logs.
  for (const operator of operators) operator.kill("SIGTERM");
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
