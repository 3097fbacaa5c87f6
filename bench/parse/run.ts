// bench/parse: parse (and parse + format) throughput on a generated workspace of 10 000 citizens
// (~100 000 lines), against V8's JSON.parse of the same data as JSON, in the same process; and
// how time grows for twice the input. Bars (spec/07-quality.md, issue #2): ≥ 1/8 of JSON.parse,
// 2× input ≤ 2.2× time.
//
//   npm run bench:parse [-- --citizens 10000 --rounds 15]
//
// It measures the built packages (`npm run build` first), and runs twice as child processes: with
// Node's default heap, and with the young-generation size `coalc` starts with
// (--max-semi-space-size=64), because parsing allocates heavily and that flag changes its speed.
import { execFileSync } from "node:child_process";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { format, parse } from "@coal/language";
import { generateWorkspace } from "./generate.js";

interface Result {
  readonly heap: string;
  readonly lines: number;
  readonly coalMegabytes: number;
  readonly jsonMegabytes: number;
  readonly parseMs: number;
  readonly formatMs: number;
  readonly jsonMs: number;
  readonly parseDoubleMs: number;
}

const { values } = parseArgs({
  options: {
    citizens: { type: "string", default: "10000" },
    rounds: { type: "string", default: "15" },
    child: { type: "boolean", default: false },
  },
});
const citizens = Number(values.citizens);
const rounds = Number(values.rounds);

function measureChild(): Result {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with --expose-gc");
  const single = generateWorkspace(citizens);
  const double = generateWorkspace(citizens * 2);
  const files = [...single.files.values()];
  const doubleFiles = [...double.files.values()];
  const json = JSON.stringify(JSON.parse(single.json));
  const bytes = (texts: readonly string[]) => texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0);

  // Sanity: the input is valid, so every figure is for real work.
  for (const text of files) if (parse(text).diagnostics.length > 0) throw new Error("generated workspace has diagnostics");

  const tasks = {
    parseMs: () => files.forEach((text) => parse(text)),
    formatMs: () => files.forEach((text) => format(text)),
    jsonMs: () => JSON.parse(json),
    parseDoubleMs: () => doubleFiles.forEach((text) => parse(text)),
  };
  const best: Record<keyof typeof tasks, number> = { parseMs: Infinity, formatMs: Infinity, jsonMs: Infinity, parseDoubleMs: Infinity };
  for (const task of Object.values(tasks)) task(); // warm up
  // Interleaved rounds, minimum of each: the machine is shared, and the minimum is the run least
  // disturbed by others.
  for (let round = 0; round < rounds; round++) {
    for (const [name, task] of Object.entries(tasks) as [keyof typeof tasks, () => void][]) {
      gc();
      const started = performance.now();
      task();
      best[name] = Math.min(best[name], performance.now() - started);
    }
  }
  return {
    heap: process.execArgv.find((flag) => flag.startsWith("--max-semi-space-size")) ?? "default",
    lines: single.lines,
    coalMegabytes: bytes(files) / 1e6,
    jsonMegabytes: Buffer.byteLength(json) / 1e6,
    ...best,
  };
}

function report(result: Result): void {
  const mbps = (megabytes: number, ms: number) => (megabytes / (ms / 1000)).toFixed(1);
  const ratio = result.jsonMs / result.parseMs;
  const growth = result.parseDoubleMs / result.parseMs;
  console.log(`heap: ${result.heap === "default" ? "Node default" : result.heap + " (as coalc runs)"}`);
  console.log(`  parse           ${result.parseMs.toFixed(0).padStart(6)} ms   ${mbps(result.coalMegabytes, result.parseMs).padStart(6)} MB/s of .coal`);
  console.log(`  parse + format  ${result.formatMs.toFixed(0).padStart(6)} ms   ${mbps(result.coalMegabytes, result.formatMs).padStart(6)} MB/s of .coal`);
  console.log(`  JSON.parse      ${result.jsonMs.toFixed(0).padStart(6)} ms   ${mbps(result.jsonMegabytes, result.jsonMs).padStart(6)} MB/s of JSON (same data)`);
  console.log(`  parse vs JSON.parse, same data: 1/${(1 / ratio).toFixed(2)} of its throughput   (bar ≥ 1/8: ${ratio >= 1 / 8 ? "met" : "NOT met"})`);
  console.log(`  2× input: ${growth.toFixed(2)}× the time   (bar ≤ 2.2×: ${growth <= 2.2 ? "met" : "NOT met"})`);
}

if (values.child) {
  process.stdout.write(JSON.stringify(measureChild()));
} else {
  const script = fileURLToPath(import.meta.url);
  const args = ["--expose-gc", "--import", "tsx", script, "--child", "--citizens", String(citizens), "--rounds", String(rounds)];
  const cpu = cpus();
  console.log(`bench/parse: ${citizens} citizens; ${cpu.length} × ${cpu[0]?.model ?? "unknown CPU"}; Node ${process.version}; minimum of ${rounds} interleaved rounds`);
  let first = true;
  for (const heapFlags of [[], ["--max-semi-space-size=64"]]) {
    const output = execFileSync(process.execPath, [...heapFlags, ...args], { encoding: "utf8", maxBuffer: 1 << 24 });
    const result = JSON.parse(output) as Result;
    if (first) {
      console.log(`workspace: ${result.lines} lines, ${result.coalMegabytes.toFixed(2)} MB of .coal; the same data as JSON: ${result.jsonMegabytes.toFixed(2)} MB`);
      first = false;
    }
    report(result);
  }
}
