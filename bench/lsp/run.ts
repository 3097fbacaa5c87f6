// bench/lsp: what an author waits for while typing, measured through the real server process
// over stdio: keystroke → fresh diagnostics (didChange → publishDiagnostics for that version),
// completion, and hover, as p50/p99 over many edits. Twice: on a 5 000-line file (one shard of
// the generated workspace, alone), and on the whole generated workspace (10 000 citizens, about
// 100 000 lines in 21 files) with a shard open. Bars (issue #7): p99 ≤ 50 ms on the file,
// ≤ 200 ms on the workspace.
//
//   npm run bench:lsp [-- --edits 300 --citizens 10000]
//
// The typing is paced like a person's (a keystroke every 30 ms, a pause of 600 ms every 25
// keystrokes, during which the server's full check runs), and cycles through three kinds of
// edit across the file: breaking a name (an error appears), mending it (it goes), typing into a
// string. Reports the machine it ran on.
//
// With COAL_LSP_TRACE=<prefix> in the environment, the server traces its work (lsp/src/trace.ts)
// and each scenario ends with where the keystrokes' time went: the server's phases, its garbage
// collections and the bench's own, the full-check worker's answers, the slowest keystrokes.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { PerformanceObserver } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { generateWorkspace } from "../parse/generate.js";
import { StdioClient } from "./client.js";
import { printTrace, type Collection, type Keystroke } from "./trace.js";

const { values } = parseArgs({ options: { edits: { type: "string", default: "300" }, citizens: { type: "string", default: "10000" } } });
const edits = Number(values.edits);
const citizens = Number(values.citizens);

interface Published {
  uri: string;
  version?: number;
  diagnostics: { code: string }[];
}

function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Line and column of the first occurrence of `needle` at or after line `from`. */
function find(lines: string[], needle: string, from = 0): { line: number; character: number } {
  for (let line = from; line < lines.length; line++) {
    const character = lines[line]!.indexOf(needle);
    if (character >= 0) return { line, character };
  }
  throw new Error(`not found: ${needle}`);
}

async function scenario(title: string, files: ReadonlyMap<string, string>, open: string, bar: number): Promise<boolean> {
  const directory = mkdtempSync(join(tmpdir(), "coal-bench-lsp-"));
  mkdirSync(join(directory, "ws"));
  writeFileSync(join(directory, "ws", "package.json"), "{}");
  for (const [name, text] of files) writeFileSync(join(directory, "ws", name), text);
  const client = StdioClient.start();
  const tracing = process.env["COAL_LSP_TRACE"];
  const keystrokes: Keystroke[] = [];
  const collections: Collection[] = [];
  const observer = tracing ? new PerformanceObserver((list) => collections.push(...list.getEntries().map((e) => ({ at: performance.timeOrigin + e.startTime, ms: e.duration })))) : undefined;
  observer?.observe({ entryTypes: ["gc"] });
  try {
    const root = pathToFileURL(join(directory, "ws")).href;
    await client.request("initialize", { processId: process.pid, rootUri: root, workspaceFolders: [{ uri: root, name: "ws" }], capabilities: {} });
    client.notify("initialized", {});
    const uri = pathToFileURL(join(directory, "ws", open)).href;
    let text = files.get(open)!;
    const lines = text.split("\n");
    let version = 1;
    const openedAt = performance.now();
    client.notify("textDocument/didOpen", { textDocument: { uri, languageId: "coal", version, text } });
    await client.waitFor<Published>("textDocument/publishDiagnostics", (p) => p.uri === uri && p.version === version, 120_000);
    const openMs = performance.now() - openedAt;

    // The organisms to edit, spread over the file.
    const organisms: number[] = [];
    for (let line = 0; line < lines.length; line++) if (lines[line]!.startsWith("organism ")) organisms.push(line);
    const diagnosticsMs: number[] = [];
    const completionMs: number[] = [];
    const hoverMs: number[] = [];
    let broken: { line: number; character: number } | undefined;
    for (let edit = 0; edit < edits; edit++) {
      const organism = organisms[Math.floor((edit * 7919) % organisms.length)]!;
      let change: { range: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string };
      if (broken !== undefined) {
        // Mend the name broken by the previous keystroke.
        change = { range: { start: broken, end: { line: broken.line, character: broken.character + 1 } }, text: "" };
        broken = undefined;
      } else if (edit % 3 === 0) {
        // Break a name: `ReputationFloor(agent_12` → `ReputationFloor(agent_12x`.
        const at = find(lines, "ReputationFloor(", organism);
        const end = lines[at.line]!.indexOf(",", at.character);
        broken = { line: at.line, character: end };
        change = { range: { start: broken, end: broken }, text: "x" };
      } else {
        // Type into a string.
        const at = find(lines, 'label: "agent number', organism);
        const point = { line: at.line, character: at.character + 8 };
        change = { range: { start: point, end: point }, text: "a" };
      }
      // Keep our copy of the lines in step (one-line edits).
      const line = lines[change.range.start.line]!;
      lines[change.range.start.line] = line.slice(0, change.range.start.character) + change.text + line.slice(change.range.end.character);
      version++;
      const sent = performance.now();
      client.notify("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [change] });
      const published = await client.waitFor<Published>("textDocument/publishDiagnostics", (p) => p.uri === uri && p.version === version, 60_000);
      diagnosticsMs.push(performance.now() - sent);
      if (tracing) keystrokes.push({ version, sent: performance.timeOrigin + sent, ms: diagnosticsMs[diagnosticsMs.length - 1]! });
      if (broken !== undefined && !published.diagnostics.some((d) => d.code === "E0205")) throw new Error(`edit ${edit}: the broken name was not reported`);

      // Completion inside the call just edited, and hover over the organism's name.
      const call = find(lines, "ReputationFloor(", organism);
      let started = performance.now();
      const completion = await client.request<{ items: unknown[] }>("textDocument/completion", { textDocument: { uri }, position: { line: call.line, character: call.character + "ReputationFloor(".length } });
      completionMs.push(performance.now() - started);
      if (completion.items.length === 0) throw new Error("no completions");
      started = performance.now();
      const hover = await client.request<{ contents: { value: string } } | null>("textDocument/hover", { textDocument: { uri }, position: { line: organism, character: 10 } });
      hoverMs.push(performance.now() - started);
      if (hover === null) throw new Error("no hover");
      await sleep(edit % 25 === 24 ? 600 : 30);
    }
    text = lines.join("\n");
    const row = (name: string, samples: number[]) => {
      const p99 = percentile(samples, 99);
      console.log(`  ${name.padEnd(22)} p50 ${percentile(samples, 50).toFixed(1).padStart(6)} ms   p99 ${p99.toFixed(1).padStart(6)} ms   max ${Math.max(...samples).toFixed(1).padStart(6)} ms   (bar p99 ≤ ${bar} ms: ${p99 <= bar ? "met" : "NOT met"})`);
      return p99 <= bar;
    };
    console.log(`${title}: ${files.size} file(s), ${[...files.values()].reduce((n, t) => n + t.split("\n").length, 0)} lines; editing ${open} (${text.split("\n").length} lines); ${edits} edits; open + first diagnostics ${openMs.toFixed(0)} ms`);
    const met = [row("keystroke → diagnostics", diagnosticsMs), row("completion", completionMs), row("hover (fingerprints)", hoverMs)];
    await client.request("shutdown", null);
    client.notify("exit", null);
    await client.exited();
    observer?.disconnect();
    if (tracing) printTrace(`${tracing}.${client.child.pid}.jsonl`, keystrokes, collections);
    return met.every(Boolean);
  } finally {
    client.child.kill();
    rmSync(directory, { recursive: true, force: true });
  }
}

const cpu = cpus();
console.log(`bench/lsp: ${cpu.length} × ${cpu[0]?.model ?? "unknown CPU"}; load average ${loadavg()[0]!.toFixed(1)}; Node ${process.version}; the built server (lsp/dist) over stdio`);
const workspace = generateWorkspace(citizens);
const shardNames = [...workspace.files.keys()].filter((name) => name.startsWith("shard_"));
const fileShard = shardNames[0]!;
const single = new Map([[fileShard, workspace.files.get(fileShard)!]]);
const a = await scenario("5 000-line file", single, fileShard, 50);
const b = await scenario("100 000-line workspace", workspace.files, shardNames[Math.floor(shardNames.length / 2)]!, 200);
process.exitCode = a && b ? 0 : 1;
