// bench/check: the whole front end and checker (load, parse, bind, check, build the model) on the
// generated 10 000-citizen workspace (~100 000 lines), against V8's JSON.parse of the same data
// in the same process, and its growth for twice the input; then fingerprint throughput on large
// content against raw BLAKE3 over the same bytes. Bars (spec/07-quality.md, issue #3): check ≥
// 1/8 of JSON.parse's throughput, 2× input ≤ 2.2× time; fingerprinting ≥ 0.8 of raw BLAKE3.
//
//   npm run bench:check [-- --citizens 10000 --rounds 7]
//
// It runs with the young-generation size coalc itself starts with (--max-semi-space-size=64,
// set by the npm script), and reports the machine it ran on.
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { blake3 } from "@noble/hashes/blake3.js";
import { compile, defaultStdlibRoot, fingerprintReport, MemoryHost } from "@coal/compiler";
import * as I from "@coal/runtime/identity";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { generateWorkspace } from "../parse/generate.js";

const { values } = parseArgs({ options: { citizens: { type: "string", default: "10000" }, rounds: { type: "string", default: "7" }, "content-mib": { type: "string", default: "64" } } });
const citizens = Number(values.citizens);
const rounds = Number(values.rounds);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --expose-gc (npm run bench:check does)");

const stdRoot = defaultStdlibRoot();
const std = Object.fromEntries(readdirSync(stdRoot).map((name) => [`std/${name}`, readFileSync(join(stdRoot, name), "utf8")]));

function hostFor(files: ReadonlyMap<string, string>): MemoryHost {
  return new MemoryHost({ ...std, ...Object.fromEntries([...files].map(([path, text]) => [`ws/${path}`, text])) });
}

function checkOnce(files: ReadonlyMap<string, string>): void {
  const result = compile({ host: hostFor(files), entries: [...files.keys()].map((path) => `ws/${path}`), stdlibRoot: "std", root: "ws" });
  if (result.hasErrors) throw new Error(`generated workspace has errors: ${result.diagnostics.find((d) => d.severity === "error")?.message}`);
}

function best(task: () => void): number {
  let min = Infinity;
  for (let round = 0; round < rounds; round++) {
    gc!();
    const started = performance.now();
    task();
    min = Math.min(min, performance.now() - started);
  }
  return min;
}

const single = generateWorkspace(citizens);
const double = generateWorkspace(citizens * 2);
const json = JSON.stringify(JSON.parse(single.json));
const cpu = cpus();
console.log(`bench/check: ${citizens} citizens (${single.lines} lines); ${cpu.length} × ${cpu[0]?.model ?? "unknown CPU"}; Node ${process.version}; ${process.execArgv.filter((a) => a.startsWith("--max")).join(" ") || "default heap"}; minimum of ${rounds} rounds`);

// Sanity, and warm-up: the input checks clean, and fingerprints (so every figure is real work).
{
  const result = compile({ host: hostFor(single.files), entries: [...single.files.keys()].map((p) => `ws/${p}`), stdlibRoot: "std", root: "ws" });
  if (result.hasErrors) throw new Error(`generated workspace has errors: ${result.diagnostics.find((d) => d.severity === "error")?.message}`);
  const report = fingerprintReport(result.model) as { organisms: Record<string, unknown> };
  if (Object.keys(report.organisms).length !== citizens) throw new Error("not every organism was fingerprinted");
}
checkOnce(double.files);
JSON.parse(json);

const checkMs = best(() => checkOnce(single.files));
const jsonMs = best(() => JSON.parse(json));
const doubleMs = best(() => checkOnce(double.files));
const ratio = jsonMs / checkMs;
const growth = doubleMs / checkMs;
console.log(`  check           ${checkMs.toFixed(0).padStart(6)} ms`);
console.log(`  JSON.parse      ${jsonMs.toFixed(0).padStart(6)} ms   (same data as JSON, ${(Buffer.byteLength(json) / 1e6).toFixed(2)} MB)`);
console.log(`  check vs JSON.parse: 1/${(1 / ratio).toFixed(2)} of its throughput   (bar ≥ 1/8: ${ratio >= 1 / 8 ? "met" : "NOT met"})`);
console.log(`  2× input: ${growth.toFixed(2)}× the time   (bar ≤ 2.2×: ${growth <= 2.2 ? "met" : "NOT met"})`);

// Fingerprinting large content: an organism whose content is one large `bytes` field.
const mib = Number(values["content-mib"]);
const data = new Uint8Array(mib * 1024 * 1024);
for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
const type: I.RecordType = { kind: "record", name: "BlobContent", fields: [{ name: "data", type: I.primitive("bytes") }] };
const config: I.CitizenConfig = { instanceName: "bench.blob", spans: [], content: { type, value: { fields: [data] } }, surface: [], admission: I.openSignature() };
const encoded = I.encode(type, { fields: [data] });
blake3(encoded);
I.organismContentHash("blob", config);
const rawMs = best(() => blake3(encoded));
const fingerprintMs = best(() => I.organismContentHash("blob", config));
const hashRatio = rawMs / fingerprintMs;
console.log(`fingerprint of ${mib} MiB of content: ${fingerprintMs.toFixed(0)} ms; raw BLAKE3 of the same bytes: ${rawMs.toFixed(0)} ms`);
console.log(`  fingerprint vs raw BLAKE3: ${hashRatio.toFixed(2)} of its throughput   (bar ≥ 0.8: ${hashRatio >= 0.8 ? "met" : "NOT met"})`);
