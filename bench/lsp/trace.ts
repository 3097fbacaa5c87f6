// Where a keystroke's time goes, when the bench runs with COAL_LSP_TRACE=<prefix>: the server
// (lsp/src/trace.ts) writes its phases, requests, worker answers and garbage collections to
// <prefix>.<pid>.jsonl; the bench adds, per keystroke, when it sent the change and how long the
// diagnostics took to arrive, and its own garbage collections. Both clocks are absolute, so the
// two line up: the gap before the server's handler runs and after it publishes is transport
// and whatever else was running.
import { readFileSync } from "node:fs";

export interface Keystroke {
  readonly version: number;
  /** When the change was sent (ms since the epoch). */
  readonly sent: number;
  /** Until its diagnostics arrived. */
  readonly ms: number;
}

export interface Collection {
  readonly at: number;
  readonly ms: number;
}

interface ServerRecord {
  readonly type: string;
  readonly at: number;
  readonly [field: string]: unknown;
}

const phases: readonly [string, string][] = [
  ["in", "to handler"],
  ["apply", "apply change"],
  ["reparse", "reparse"],
  ["waited", "queued"],
  ["program", "program"],
  ["slice", "slice check"],
  ["merge", "merge"],
  ["convert", "convert"],
  ["send", "send"],
  ["done", "server total"],
  ["out", "to client"],
];

function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const ms = (value: number) => value.toFixed(1);

/** Prints the breakdown of one scenario's keystrokes, from the server's trace file. */
export function printTrace(serverFile: string, keystrokes: readonly Keystroke[], clientCollections: readonly Collection[]): void {
  let records: ServerRecord[];
  try {
    records = readFileSync(serverFile, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line) as ServerRecord);
  } catch (error) {
    console.log(`  (no server trace at ${serverFile}: ${(error as Error).message})`);
    return;
  }
  const edits = new Map(records.filter((r) => r.type === "edit").map((r) => [r["version"] as number, r]));
  const collections = records.filter((r) => r.type === "gc");
  const rows = keystrokes.map((k) => {
    const edit = edits.get(k.version);
    const row: Record<string, number> = { ms: k.ms };
    if (edit === undefined) return { k, row, gcs: [] as ServerRecord[], clientGcs: [] as Collection[], others: [] as ServerRecord[] };
    for (const [key] of phases) if (typeof edit[key] === "number") row[key] = edit[key] as number;
    row["in"] = edit.at - k.sent;
    row["out"] = k.sent + k.ms - (edit.at + (row["done"] ?? 0));
    const end = k.sent + k.ms;
    const during = <T extends { at: number }>(list: readonly T[], length: (item: T) => number) => list.filter((item) => item.at < end && item.at + length(item) > k.sent);
    return {
      k,
      row,
      gcs: during(collections, (c) => c["ms"] as number),
      clientGcs: during(clientCollections, (c) => c.ms),
      others: during(
        records.filter((r) => r.type === "worker" || r.type === "post"),
        (r) => (r["done"] as number | undefined) ?? 0,
      ),
    };
  });
  console.log(`  server phases per keystroke (ms, mean / p99):`);
  console.log("    " + phases.map(([key, label]) => {
    const values = rows.map((r) => r.row[key] ?? 0);
    return `${label} ${ms(values.reduce((a, b) => a + b, 0) / Math.max(1, values.length))} / ${ms(percentile(values, 99))}`;
  }).join(", "));
  const byKind = new Map<string, number[]>();
  for (const c of collections) byKind.set(c["kind"] as string, [...(byKind.get(c["kind"] as string) ?? []), c["ms"] as number]);
  const hit = rows.filter((r) => r.gcs.length > 0);
  console.log(`  server GCs (main thread): ${[...byKind].map(([kind, list]) => `${list.length} ${kind} (total ${ms(list.reduce((a, b) => a + b, 0))}, max ${ms(Math.max(...list))})`).join(", ") || "none"}; keystrokes during one: ${hit.length} (p50 ${ms(percentile(hit.map((r) => r.k.ms), 50))} ms), the others p50 ${ms(percentile(rows.filter((r) => r.gcs.length === 0).map((r) => r.k.ms), 50))} ms`);
  console.log(`  bench GCs: ${clientCollections.length} (max ${ms(Math.max(0, ...clientCollections.map((c) => c.ms)))} ms); keystrokes during one: ${rows.filter((r) => r.clientGcs.length > 0).length}`);
  for (const type of ["completion", "hover", "worker"]) {
    const done = records.filter((r) => r.type === type).map((r) => (r["done"] as number | undefined) ?? 0);
    if (done.length > 0) console.log(`  server ${type}: n ${done.length}, p50 ${ms(percentile(done, 50))} ms, p99 ${ms(percentile(done, 99))} ms, max ${ms(Math.max(...done))} ms`);
  }
  console.log(`  slowest keystrokes:`);
  for (const r of [...rows].sort((a, b) => b.k.ms - a.k.ms).slice(0, 5)) {
    const parts = phases.filter(([key]) => key !== "done" && (r.row[key] ?? 0) >= 0.5).map(([key, label]) => `${label} ${ms(r.row[key]!)}`);
    const extra = [
      ...r.gcs.map((c) => `server GC ${c["kind"]} ${ms(c["ms"] as number)}`),
      ...r.clientGcs.map((c) => `bench GC ${ms(c.ms)}`),
      ...r.others.map((o) => `${o.type === "worker" ? "worker answer" : "worker request"} ${ms((o["done"] as number | undefined) ?? 0)}`),
    ];
    console.log(`    v${r.k.version} ${ms(r.k.ms)} ms: ${parts.join(", ")}${extra.length > 0 ? `; ${extra.join(", ")}` : ""}`);
  }
}
