// Generates a large, realistic .coal workspace (and the same data as JSON, the benchmark's
// baseline). Deterministic for a given size, so runs are comparable.
//
//   tsx bench/parse/generate.ts [citizens=10000] [outDir=bench/parse/.generated]

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface GeneratedWorkspace {
  /** Relative path → source text. */
  readonly files: ReadonlyMap<string, string>;
  /** The same declarations as one JSON document (what `JSON.parse` is measured on). */
  readonly json: string;
  readonly lines: number;
}

/** A small deterministic PRNG (mulberry32), so the workspace is the same on every run. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex(random: () => number, digits: number): string {
  let out = "";
  for (let i = 0; i < digits; i++) out += "0123456789abcdef"[Math.floor(random() * 16)];
  return out;
}

const citizensPerFile = 500;

export function generateWorkspace(citizens: number): GeneratedWorkspace {
  const random = prng(citizens);
  const files = new Map<string, string>();
  const jsonItems: unknown[] = [];
  const names: string[] = [];
  let lines = 0;

  for (let fileIndex = 0; fileIndex * citizensPerFile < citizens; fileIndex++) {
    const parts: string[] = [
      `// Generated shard ${fileIndex}: organisms, their records and their measurements.`,
      `import { EvidencePointer } from "std/types"`,
      `import { ReputationFloor, Tdx } from "std/validators"`,
      ``,
    ];
    const first = fileIndex * citizensPerFile;
    const last = Math.min(citizens, first + citizensPerFile);
    for (let i = first; i < last; i++) {
      const name = `agent_${i}`;
      names.push(name);
      const kind = i % 10;
      if (kind === 0) {
        const mrtd = hex(random, 96);
        parts.push(
          `/// Signal ${i}.`,
          `record Signal${i} {`,
          `  subject: string`,
          `  horizon: u32`,
          `  weights: list<u32>`,
          `  evidence: EvidencePointer`,
          `}`,
          ``,
          `measurements image_${i} {`,
          `  mrtd: 0x${mrtd}`,
          `}`,
          ``,
        );
        jsonItems.push(
          { kind: "record", name: `Signal${i}`, doc: `Signal ${i}.`, fields: [["subject", "string"], ["horizon", "u32"], ["weights", "list<u32>"], ["evidence", "EvidencePointer"]] },
          { kind: "measurements", name: `image_${i}`, mrtd: `0x${mrtd}` },
        );
      }
      const window = 10 + Math.floor(random() * 50);
      const decay = `0.${1 + Math.floor(random() * 98)}`;
      const floor = `0.${10 + Math.floor(random() * 89)}`;
      const signal = `Signal${i - kind}`;
      const image = `image_${i - kind}`;
      parts.push(
        `organism ${name} {`,
        `  role: "forecaster"`,
        `  instance: "signals.${name}"`,
        `  committee { members: ${1 + (i % 5)}, tdx: ${image} }`,
        `  content { window: ${window} ticks, decay: ${decay}, label: "agent number ${i}" }`,
        `  stream signals: ${signal}`,
        // The floor's organism is the previous agent of the same shard, so every shard checks alone.
        `  admission: ReputationFloor(agent_${i === first ? i : i - 1}, floor: ${floor}, window: ${window} ticks) & Tdx(baseline: ${image})`,
        `}`,
        ``,
      );
      jsonItems.push({
        kind: "organism",
        name,
        role: "forecaster",
        instance: `signals.${name}`,
        committee: { members: 1 + (i % 5), tdx: image },
        content: { window: { ticks: window }, decay, label: `agent number ${i}` },
        streams: [{ name: "signals", type: signal }],
        admission: {
          all: [
            { call: "ReputationFloor", args: [`agent_${i === first ? i : i - 1}`, { floor }, { window: { ticks: window } }] },
            { call: "Tdx", args: [{ baseline: image }, { max_age: "1h" }] },
          ],
        },
      });
    }
    const text = parts.join("\n");
    lines += text.split("\n").length;
    files.set(`shard_${String(fileIndex).padStart(3, "0")}.coal`, text);
  }

  const shards = [...files.keys()];
  const coalition = [
    ...shards.map((shard, index) => `import { ${names.slice(index * citizensPerFile, (index + 1) * citizensPerFile).join(", ")} } from "./${shard}"`),
    ``,
    `coalition generated {`,
    `  name: "bench.generated"`,
    `  organisms: [`,
    ...names.map((name) => `    ${name},`),
    `  ]`,
    `  atlas { }`,
    `  almanac { cadence: 2s }`,
    `}`,
    ``,
  ].join("\n");
  lines += coalition.split("\n").length;
  files.set("coalition.coal", coalition);
  jsonItems.push({ kind: "coalition", name: "generated", organisms: names, atlas: {}, almanac: { cadence: "2s" } });

  return { files, json: JSON.stringify({ items: jsonItems }, null, 2), lines };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const citizens = Number(process.argv[2] ?? 10_000);
  const outDir = process.argv[3] ?? join(fileURLToPath(new URL(".", import.meta.url)), ".generated");
  const workspace = generateWorkspace(citizens);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (const [path, text] of workspace.files) writeFileSync(join(outDir, path), text);
  writeFileSync(join(outDir, "workspace.json"), workspace.json);
  console.log(`wrote ${workspace.files.size} files, ${workspace.lines} lines, ${citizens} citizens to ${outDir}`);
}
