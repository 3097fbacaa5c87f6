// Opt-in timing of the server's work (`COAL_LSP_TRACE=<prefix>` in coal-lsp's environment):
// each keystroke's phases (text sync, incremental parse, program, slice check, merge,
// diagnostics conversion, publish), each request, each full-check answer from the worker, and
// the main thread's garbage collections, written as JSON lines to `<prefix>.<pid>.jsonl` when
// the process exits. Times are absolute milliseconds (`performance.timeOrigin` + `now()`), so a
// client's own timestamps line up with them (`bench/lsp` does that). Off by default; then every
// call below costs a check of one variable.
import { writeFileSync } from "node:fs";
import { PerformanceObserver, type PerformanceEntry } from "node:perf_hooks";

export type TraceRecord = Record<string, unknown> & { readonly type: string; readonly at: number };

let file: string | undefined;
const records: TraceRecord[] = [];
let current: TraceRecord | undefined;

/** Milliseconds since the Unix epoch, with sub-millisecond precision. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

export function startTrace(prefix: string): void {
  if (file !== undefined) return;
  file = `${prefix}.${process.pid}.jsonl`;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      records.push({ type: "gc", at: performance.timeOrigin + entry.startTime, ms: entry.duration, kind: kind === 1 ? "minor" : kind === 4 ? "major" : kind === 8 ? "incremental" : kind === 16 ? "weak" : String(kind) });
    }
  }).observe({ entryTypes: ["gc"] });
  process.on("exit", () => writeFileSync(file!, records.map((record) => JSON.stringify(record) + "\n").join("")));
}

/** Starts a record and makes it the one `phase` and `note` add to; undefined when not tracing. */
export function begin(type: string, fields: Record<string, unknown> = {}): TraceRecord | undefined {
  if (file === undefined) return undefined;
  current = { type, at: now(), ...fields };
  records.push(current);
  return current;
}

/** Makes a record begun earlier current again (work continued after a turn of the event loop). */
export function resume(record: TraceRecord | undefined): void {
  current = record;
}

/** Stops adding to the current record; with `finished`, records how long it took from its start. */
export function end(record: TraceRecord | undefined, finished = true): void {
  if (record !== undefined && finished) record["done"] = now() - record.at;
  current = undefined;
}

/** Runs `fn`, adding its duration to phase `name` of the current record. */
export function phase<T>(name: string, fn: () => T): T {
  const record = current;
  if (record === undefined) return fn();
  const start = performance.now();
  try {
    return fn();
  } finally {
    record[name] = ((record[name] as number | undefined) ?? 0) + (performance.now() - start);
  }
}

export function note(name: string, value: unknown): void {
  if (current !== undefined) current[name] = value;
}
