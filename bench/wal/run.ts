// bench/wal: durable appends of 256-byte entries to a Raft group's write-ahead log, with 1 and 64
// concurrent writers (each awaits its append, then issues the next), against the raw baseline of
// write + fdatasync of the same bytes on a plain file in the same directory, one writer, in the
// same run. Bar (spec/07-quality.md): group commit ≥ 50 000 entries/s at 64 writers.
//
// Then the preallocation choice: a segment reserved by writing zeros vs by ftruncate (a sparse
// file) — the time to make one, and the append rate into it.
//
//   node --import tsx bench/wal/run.ts [-- --rounds 3 --serial 2000 --concurrent 64000 --dir /path/on/the/disk]
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { nodeFs, type Preallocation } from "@coal/runtime/wal";
import { rawAppends, recordBytesOf, walAppends, type AppendRun } from "./measure.js";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    serial: { type: "string", default: "2000" },
    concurrent: { type: "string", default: "64000" },
    writers: { type: "string", default: "64" },
    size: { type: "string", default: "256" },
    dir: { type: "string", default: tmpdir() },
  },
});
const rounds = Number(values.rounds);
const serialEntries = Number(values.serial);
const concurrentEntries = Number(values.concurrent);
const writers = Number(values.writers);
const size = Number(values.size);
const recordBytes = recordBytesOf(size);
const segmentBytes = 64 * 1024 * 1024;
const root = await mkdtemp(join(values.dir, "coal-bench-wal-"));
const payload = new Uint8Array(size).fill(42);

type Run = AppendRun;

let runs = 0;
async function freshDirectory(): Promise<string> {
  const path = join(root, `run-${runs++}`);
  await mkdir(path);
  return path;
}

const raw = (count: number, grow: boolean): Promise<Run> => rawAppends(root, count, size, grow);
const wal = (count: number, concurrency: number, preallocation: Preallocation = "zero-fill"): Promise<Run> => walAppends(root, count, concurrency, payload, preallocation, segmentBytes);

/** Time to make one segment's worth of space durable, by each preallocation. */
async function preallocate(preallocation: Preallocation): Promise<number> {
  const directory = await freshDirectory();
  const started = performance.now();
  const file = await nodeFs.open(join(directory, "segment"), "create");
  if (preallocation === "truncate") await file.truncate(segmentBytes);
  else {
    const zeros = new Uint8Array(1024 * 1024);
    for (let at = 0; at < segmentBytes; at += zeros.length) await file.write(zeros, at);
  }
  await file.sync();
  const ms = performance.now() - started;
  await file.close();
  await rm(directory, { recursive: true });
  return ms;
}

const best = (results: readonly Run[]) => results.reduce((a, b) => (b.entries / b.ms > a.entries / a.ms ? b : a));
const perSecond = (run: Run) => (run.entries / run.ms) * 1000;

const cpu = cpus();
console.log(`bench/wal: ${size}-byte entries (${recordBytes} bytes on disk), ${writers} writers; ${cpu.length} × ${cpu[0]?.model ?? "unknown CPU"}; Node ${process.version}; in ${root}; best of ${rounds} rounds`);

// Warm-up: the disk, the thread pool, the JIT.
await raw(200, true);
await wal(200, 1);
await wal(2000, writers);

const results: Record<string, Run[]> = { rawGrow: [], rawPreallocated: [], rawDsync: [], wal1: [], walN: [], wal1Sparse: [], walNSparse: [] };
const preallocationMs: Record<Preallocation, number[]> = { "zero-fill": [], truncate: [] };
for (let round = 0; round < rounds; round++) {
  // Interleaved, so every configuration sees the same disk weather.
  results["rawGrow"]!.push(await raw(serialEntries, true));
  results["rawPreallocated"]!.push(await raw(serialEntries, false));
  results["rawDsync"]!.push(await rawAppends(root, serialEntries, size, false, true));
  results["wal1"]!.push(await wal(serialEntries, 1));
  results["walN"]!.push(await wal(concurrentEntries, writers));
  results["wal1Sparse"]!.push(await wal(serialEntries, 1, "truncate"));
  results["walNSparse"]!.push(await wal(concurrentEntries, writers, "truncate"));
  preallocationMs["zero-fill"].push(await preallocate("zero-fill"));
  preallocationMs.truncate.push(await preallocate("truncate"));
}
await rm(root, { recursive: true, force: true });

const baseline = best(results["rawGrow"]!);
const row = (label: string, run: Run) =>
  console.log(
    `  ${label.padEnd(44)} ${Math.round(perSecond(run)).toString().padStart(9)} entries/s  ${Math.round((run.syncs / run.ms) * 1000).toString().padStart(6)} fdatasync/s  ${(run.entries / run.syncs).toFixed(1).padStart(6)} entries/sync  ${(perSecond(run) / perSecond(baseline)).toFixed(2).padStart(7)}× raw`,
  );
console.log("durable appends");
row("raw write+fdatasync, plain file (baseline)", baseline);
row("raw write+fdatasync, zero-filled file", best(results["rawPreallocated"]!));
row("raw O_DSYNC write, zero-filled file", best(results["rawDsync"]!));
row("wal, 1 writer", best(results["wal1"]!));
row(`wal, ${writers} writers`, best(results["walN"]!));
const concurrent = perSecond(best(results["walN"]!));
console.log(`  ${writers} writers: ${Math.round(concurrent)} entries/s   (bar ≥ 50 000: ${concurrent >= 50_000 ? "met" : "NOT met"})`);
console.log("preallocation of a 64 MiB segment");
const minimum = (values: readonly number[]) => Math.min(...values);
console.log(`  zero-fill (write zeros + fsync)   ${minimum(preallocationMs["zero-fill"]).toFixed(1).padStart(7)} ms to make`);
console.log(`  ftruncate (sparse file + fsync)   ${minimum(preallocationMs.truncate).toFixed(1).padStart(7)} ms to make`);
row("wal, 1 writer, zero-filled segment", best(results["wal1"]!));
row("wal, 1 writer, ftruncated segment", best(results["wal1Sparse"]!));
row(`wal, ${writers} writers, zero-filled segment`, best(results["walN"]!));
row(`wal, ${writers} writers, ftruncated segment`, best(results["walNSparse"]!));
