// Runs the Raft simulator over many seeds, for longer than CI does:
//   node --conditions=source --import tsx test/raft/sim/run-long.ts [--seeds N] [--from S]
//        [--nodes 3|5] [--steps TICKS] [--converge TICKS] [--bug NAME] [--trace] [--stop]
// --steps is the ticks of faults per seed (default 150, as in CI); --trace prints every event of
// each seed (use it with --seeds 1 to replay a failure); --stop ends at the first failure.
// Prints progress, each failure with its seed and trace tail, and a summary; exits 1 on failure.
import { parseArgs } from "node:util";
import { describeFailure, runSimulation, type InjectedBug, type SimulationStats } from "./simulator.js";

const { values } = parseArgs({
  options: {
    seeds: { type: "string", default: "1000" },
    from: { type: "string", default: "1" },
    nodes: { type: "string" },
    steps: { type: "string", default: "150" },
    converge: { type: "string", default: "400" },
    bug: { type: "string" },
    trace: { type: "boolean", default: false },
    stop: { type: "boolean", default: false },
  },
});

const seeds = Number(values.seeds);
const from = Number(values.from);
const nodes = values.nodes === undefined ? undefined : Number(values.nodes);
if (nodes !== undefined && nodes !== 3 && nodes !== 5) throw new Error(`--nodes must be 3 or 5, not ${values.nodes}`);
const bugs: readonly InjectedBug[] = ["forget-vote-on-restart", "skip-fsync", "ack-on-propose", "stale-reads"];
const bug = values.bug as InjectedBug | undefined;
if (bug !== undefined && !bugs.includes(bug)) throw new Error(`--bug must be one of ${bugs.join(", ")}`);

const started = performance.now();
let lastProgress = started;
const failures = new Map<string, number[]>();
const totals = new Map<keyof SimulationStats, number>();
const lincheck = new Map<string, number>();
let slowest = { seed: 0, ms: 0 };
let ran = 0;

for (let seed = from; seed < from + seeds; seed++) {
  const runStarted = performance.now();
  const result = runSimulation({
    seed,
    ...(nodes === undefined ? {} : { nodes }),
    chaosTicks: Number(values.steps),
    convergeTicks: Number(values.converge),
    ...(bug === undefined ? {} : { bug }),
    keepTrace: values.trace,
  });
  const ms = performance.now() - runStarted;
  ran++;
  if (ms > slowest.ms) slowest = { seed, ms };
  if (values.trace) {
    console.log(`seed ${seed}: ${result.profile}`);
    for (const line of result.trace ?? []) console.log(`  ${line}`);
    console.log(`trace hash ${result.traceHash}; ${JSON.stringify(result.stats)}`);
  }
  for (const [key, value] of Object.entries(result.stats) as [keyof SimulationStats, SimulationStats[keyof SimulationStats]][]) {
    if (typeof value === "number") totals.set(key, (totals.get(key) ?? 0) + value);
  }
  lincheck.set(result.stats.lincheck, (lincheck.get(result.stats.lincheck) ?? 0) + 1);
  if (result.failure !== undefined) {
    const seedsOfKind = failures.get(result.failure.invariant) ?? [];
    seedsOfKind.push(seed);
    failures.set(result.failure.invariant, seedsOfKind);
    console.log(`\nFAILED ${describeFailure(result)}\n`);
    if (values.stop) break;
  }
  const now = performance.now();
  if (now - lastProgress > 10_000) {
    lastProgress = now;
    const done = seed - from + 1;
    const failed = [...failures.values()].reduce((sum, list) => sum + list.length, 0);
    console.log(`${done}/${seeds} seeds (${((100 * done) / seeds).toFixed(1)}%), ${failed} failed, ${((now - started) / 1000).toFixed(0)} s`);
  }
}

const elapsed = (performance.now() - started) / 1000;
const average = (key: keyof SimulationStats) => ((totals.get(key) ?? 0) / Math.max(1, ran)).toFixed(1);
console.log(
  [
    ``,
    `${ran} seeds from ${from}${nodes === undefined ? "" : `, ${nodes} nodes`}, ${values.steps} ticks of faults each${bug === undefined ? "" : `, bug ${bug}`}: ${elapsed.toFixed(1)} s (${((1000 * elapsed) / Math.max(1, ran)).toFixed(1)} ms/seed; slowest ${slowest.seed} in ${slowest.ms.toFixed(0)} ms)`,
    `per seed: ${average("events")} events, ${average("messagesSent")} messages (${average("messagesLost")} lost, ${average("messagesDuplicated")} duplicated), ${average("crashes")} crashes (${average("crashesInReady")} in a Ready), ${average("partitions")} partitions, membership changes ${average("learnersAdded")} learners added, ${average("promotions")} promoted, ${average("removals")} removed, ${average("readds")} re-added, ${average("snapshotsTaken")} snapshots taken, ${average("snapshotsRestored")} restored, ${average("leaders")} leaders`,
    `clients per seed: ${average("operations")} operations, ${average("acknowledgedWrites")} writes acknowledged, ${average("unknownWrites")} unknown, ${average("abandonedWrites")} abandoned, ${average("reads")} reads; final index ${average("finalIndex")}`,
    `linearizability: ${[...lincheck].map(([verdict, count]) => `${verdict} ${count}`).join(", ")}`,
    failures.size === 0
      ? `no failures`
      : `FAILURES: ${[...failures].map(([invariant, list]) => `${invariant} ×${list.length} (seeds ${list.slice(0, 20).join(", ")}${list.length > 20 ? ", …" : ""})`).join("; ")}`,
  ].join("\n"),
);
process.exitCode = failures.size === 0 ? 0 : 1;
