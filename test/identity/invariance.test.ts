// Spec 02's properties, through the compiler: what must never move a fingerprint (layout,
// comments, declaration order, import style, role, shape, committee size, doc comments) and what
// always must (every folded value).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile, fingerprintReport, MemoryHost } from "@coal/compiler";
import { format } from "@coal/language";
import { sharedRoot } from "../support/files.js";
import { memoryStdlibRoot, stdlibFiles } from "../support/stdlib.js";

const golden = readFileSync(join(sharedRoot, "testdata/golden/forecasters.coal"), "utf8");

function report(files: Record<string, string>): Record<string, unknown> {
  const host = new MemoryHost({ ...stdlibFiles(), ...files });
  const result = compile({ host, entries: Object.keys(files), stdlibRoot: memoryStdlibRoot, root: "." });
  expect(result.userDiagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.message}`)).toEqual([]);
  return fingerprintReport(result.model);
}

const base = report({ "main.coal": golden });

function edit(from: string, to: string): string {
  expect(golden.includes(from), from).toBe(true);
  return golden.replace(from, to);
}

/** The ids that differ between two reports, as paths. */
function moved(a: unknown, b: unknown, path = ""): string[] {
  if (a !== null && typeof a === "object" && b !== null && typeof b === "object") {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => moved((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path === "" ? k : `${path}.${k}`));
  }
  return a === b ? [] : [path];
}

describe("fingerprints never move for", () => {
  it("formatting, and comments anywhere", () => {
    const messy = golden.replace(/\n  /g, "\n      ").replace(/organism prophet \{/, "organism   prophet{ // the forecaster\n/* block */");
    expect(moved(base, report({ "main.coal": messy }))).toEqual([]);
    expect(moved(base, report({ "main.coal": format(messy).text! }))).toEqual([]);
  });

  it("the order of top-level declarations", () => {
    const blocks = golden.split(/\n(?=(?:\/\/\/.*\n)?(?:record|measurements|lattice|organism|confluence|coalition) )/);
    const reordered = [blocks[0], ...blocks.slice(1).reverse()].join("\n");
    expect(reordered).not.toBe(golden);
    expect(moved(base, report({ "main.coal": reordered }))).toEqual([]);
  });

  it("import style: aliases, and declarations moved to another file", () => {
    const aliased = edit('import { ReputationFloor, MarketSettlement, Tdx } from "std/validators"', 'import { ReputationFloor as Floor, MarketSettlement, Tdx } from "std/validators"').replace("ReputationFloor(accuracy", "Floor(accuracy");
    expect(moved(base, report({ "main.coal": aliased }))).toEqual([]);
    const forecast = golden.slice(golden.indexOf("/// A forecast"), golden.indexOf("measurements prophet_image"));
    const split = {
      "types.coal": `import { EvidencePointer } from "std/types"\n${forecast}`,
      "main.coal": golden.replace(forecast, "").replace('import { EvidencePointer,', 'import { Forecast } from "./types.coal"\nimport {'),
    };
    expect(moved(base, report(split))).toEqual([]);
  });

  it("role, shape, committee size and doc comments", () => {
    const changed = edit('role: "forecaster"', 'role: "oracle"').replace("shape: standalone", "shape: confluence_member").replace("committee { members: 1,", "committee { members: 5,").replace("/// A forecast published by prophet.", "/// Something else entirely.");
    expect(moved(base, report({ "main.coal": changed }))).toEqual([]);
  });

  it("a citizen's own ids when a coalition references it", () => {
    const without = edit("organisms: [prophet, pinned(accuracy_reputation), forecasting_market]", "organisms: [prophet, forecasting_market]");
    const diff = moved(base, report({ "main.coal": without }));
    expect(diff.length).toBeGreaterThan(0);
    expect(diff.every((path) => path.startsWith("coalition."))).toBe(true);
  });
});

describe("fingerprints never move under random layout changes (fast-check)", () => {
  // The golden file's top-level items, each with the comments and blank lines before it.
  const header = golden.slice(0, golden.indexOf("/// A forecast"));
  const items = golden.slice(header.length).split(/\n(?=(?:\/\/\/.*\n)?(?:record|measurements|lattice|organism|confluence|coalition) )/);
  const layout = fc.record({
    order: fc.shuffledSubarray(items.map((_, i) => i), { minLength: items.length, maxLength: items.length }),
    indent: fc.integer({ min: 0, max: 6 }),
    comments: fc.array(fc.nat({ max: 200 }), { maxLength: 12 }),
    aliasFloor: fc.boolean(),
  });

  it("any declaration order, indentation, end-of-line comments and import aliases", () => {
    fc.assert(
      fc.property(layout, ({ order, indent, comments, aliasFloor }) => {
        let text = header + order.map((i) => items[i]).join("\n\n");
        text = text.replace(/\n {2}/g, "\n" + " ".repeat(2 + indent));
        const lines = text.split("\n");
        for (const at of comments) {
          const index = at % lines.length;
          // Not after a `///` line (that would detach the doc comment) nor inside a string.
          if (!lines[index]!.trimStart().startsWith("///") && !lines[index]!.includes('"')) lines[index] += " // a comment";
        }
        text = lines.join("\n");
        if (aliasFloor) text = text.replace("import { ReputationFloor,", "import { ReputationFloor as Floor,").replace("ReputationFloor(accuracy", "Floor(accuracy");
        expect(moved(base, report({ "main.coal": text }))).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });
});

describe("fingerprints always move when a folded value changes", () => {
  const cases: [string, string, string, string[]][] = [
    ["the admission floor", "floor: 0.55", "floor: 0.56", ["organisms.prophet.admission_signature", "organisms.prophet.content_hash"]],
    ["an inline content value", "window: 30 ticks", "window: 31 ticks", ["organisms.accuracy_reputation.content_hash", "organisms.accuracy_reputation.content_bytes"]],
    ["a typed content value", "decoding_temperature_q16: 45875", "decoding_temperature_q16: 45876", ["organisms.prophet.content_hash", "organisms.prophet.content_bytes"]],
    ["a stream's name", "stream forecasts: Forecast", "stream predictions: Forecast", ["organisms.prophet.content_hash"]],
    ["the TDX pin", "0x91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7", "0x91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b8", ["organisms.prophet.content_hash", "organisms.prophet.admission_signature"]],
    ["an instance name", 'instance: "signals.prophet"', 'instance: "signals.prophet2"', ["organisms.prophet.stable_id", "organisms.prophet.surface.forecasts"]],
    ["a pinned citizen's content", "decay: 0.9", "decay: 0.8", ["organisms.accuracy_reputation.content_hash", "coalition.forecasters.COALITION_ROOT", "coalition.forecasters.coalition_id"]],
    ["the almanac cadence", "cadence: 2s", "cadence: 3s", ["coalition.forecasters.modules.almanac.fingerprint", "coalition.forecasters.coalition_id"]],
    ["the retirement notice", "notice: 1d", "notice: 2d", ["coalition.forecasters.coalition_id"]],
    ["the coalition's name", 'name: "signals.forecasters"', 'name: "signals.forecasters2"', ["coalition.forecasters.COALITION", "coalition.forecasters.COALITION_ROOT"]],
    ["the order of a coalition's organisms", "organisms: [prophet, pinned(accuracy_reputation), forecasting_market]", "organisms: [pinned(accuracy_reputation), prophet, forecasting_market]", ["coalition.forecasters.COALITION_ROOT"]],
    ["a field's type", "horizon: u32", "horizon: u64", ["schemas.Forecast", "organisms.prophet.surface.forecasts", "confluences.forecast_fabric.surface.consensus"]],
  ];
  for (const [what, from, to, mustMove] of cases) {
    it(what, () => {
      const diff = moved(base, report({ "main.coal": edit(from, to) }));
      for (const path of mustMove) expect(diff, path).toContain(path);
    });
  }

  it("appending an unset optional field: values keep their bytes, only what folds the schema moves", () => {
    // Spec 02 says such a change moves nothing, but SCHEMA lists every field, so every id that
    // folds SCHEMA(Forecast) or TYPEID(Forecast) moves (docs/identity.md, decision (b)).
    const diff = moved(base, report({ "main.coal": edit("  evidence: EvidencePointer\n}", "  evidence: EvidencePointer\n  note: option<string>\n}") }));
    expect(diff.filter((path) => path.endsWith("content_bytes") || path.endsWith("stable_id"))).toEqual([]);
    expect(diff).toContain("schemas.Forecast");
    expect(diff).toContain("organisms.prophet.surface.forecasts");
  });

  it("pinning: an unpinned citizen's content change moves only its own ids", () => {
    const diff = moved(base, report({ "main.coal": edit("fee_bps: 25", "fee_bps: 26") }));
    expect(diff.sort()).toEqual(["organisms.forecasting_market.content_bytes", "organisms.forecasting_market.content_hash"]);
  });
});
