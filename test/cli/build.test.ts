// `coalc build`, `coalc diff` and `coalc check --against`, in-process over the golden scenario.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Ajv2020 } from "ajv/dist/2020.js";
import { manifestSchema } from "../../compiler/src/emit/manifest-schema.js";
import { expectFile, repoRoot, sharedRoot } from "../support/files.js";
import { coalc } from "../support/cli.js";

const golden = readFileSync(join(sharedRoot, "testdata/golden/forecasters.coal"), "utf8");
const workspace = (source: string, extra: Record<string, string> = {}) => ({ "ws/package.json": "{}", "ws/forecasters.coal": source, ...extra });

function edit(from: string, to: string, source = golden): string {
  expect(source.includes(from), from).toBe(true);
  return source.replace(from, to);
}

describe("coalc build", () => {
  it("writes the manifest, its schema and the lock file, and the manifest validates", async () => {
    const run = await coalc(["build", "ws/forecasters.coal"], { files: workspace(golden) });
    expect(run.stderr).toBe("coalc: wrote ws/coal-out/forecasters.manifest.json, ws/coal-out/forecasters.ts, ws/coal-out/coal-manifest.schema.json, ws/coal.lock.json\n");
    expect(run.code).toBe(0);
    const manifest = JSON.parse(run.host.readFile("ws/coal-out/forecasters.manifest.json"));
    const schema = JSON.parse(run.host.readFile("ws/coal-out/coal-manifest.schema.json"));
    const validate = new Ajv2020({ allErrors: true, strict: true, strictRequired: false }).compile(schema);
    expect(validate(manifest), JSON.stringify(validate.errors, null, 2)).toBe(true);
    expect(manifest.$schema).toBe("./coal-manifest.schema.json");
    expect(manifest.coalition.ids.coalition_id).toBe("2a9749649a4ace33573d82db7022e4a2b8d187ebc175434ab6c4f585e2e592dd");
    const prophet = manifest.citizens.find((c: { name: string }) => c.name === "prophet");
    expect(prophet.admission.normalised.split(" & ").sort()).toEqual(["MarketSettlement(forecasting_market)", "ReputationFloor(accuracy_reputation, floor: 0.55, window: 30 ticks)", "Tdx(baseline: prophet_image, max_age: 1h)"]);
    expect(prophet.streams[0]).toMatchObject({ name: "forecasts", type: "Forecast", source: "forecasters.coal:55:3" });
    expect(manifest.types.Forecast.fields.map((f: { name: string }) => f.name)).toEqual(["subject", "horizon", "distribution", "evidence"]);
    expect(manifest.types.EvidencePointer.schema).toBe("def53163469776ca1e51d2c95110e38829ee93167d874ab9170d5d19712553a4");
  });

  it("the schema rejects a manifest with a malformed id (it can fail)", async () => {
    const run = await coalc(["build", "ws/forecasters.coal"], { files: workspace(golden) });
    const manifest = JSON.parse(run.host.readFile("ws/coal-out/forecasters.manifest.json"));
    manifest.coalition.ids.coalition_id = "xyz";
    const validate = new Ajv2020({ strict: true, strictRequired: false }).compile(manifestSchema);
    expect(validate(manifest)).toBe(false);
  });

  it("is byte-for-byte deterministic, whatever the declaration order", async () => {
    const first = await coalc(["build", "ws/forecasters.coal"], { files: workspace(golden) });
    const second = await coalc(["build", "ws/forecasters.coal"], { files: workspace(golden) });
    expect(second.host.readFile("ws/coal-out/forecasters.manifest.json")).toBe(first.host.readFile("ws/coal-out/forecasters.manifest.json"));
    expect(second.host.readFile("ws/coal.lock.json")).toBe(first.host.readFile("ws/coal.lock.json"));
  });

  it("ships the same schema it writes (compiler/schemas/manifest.schema.json)", () => {
    expectFile(join(repoRoot, "compiler/schemas/manifest.schema.json"), JSON.stringify(manifestSchema, null, 2) + "\n");
  });

  it("refuses to build a workspace with errors, writing nothing (exit 1)", async () => {
    const run = await coalc(["build", "ws/forecasters.coal"], { files: workspace(edit("horizon: u32", "horizon: u33")) });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error[E0205]: Cannot find type `u33`.");
    expect(run.host.stat("ws/coal.lock.json")).toBeUndefined();
  });
});

describe("change classification", () => {
  async function against(source: string) {
    const built = await coalc(["build", "ws/forecasters.coal"], { files: workspace(golden) });
    const lock = built.host.readFile("ws/coal.lock.json");
    return coalc(["check", "--against", "ws/coal.lock.json", "--format", "json", "ws/forecasters.coal"], { files: workspace(source, { "ws/coal.lock.json": lock }) });
  }
  // `check --against --format json` writes one document: diagnostics, summary, verdict, changes.
  const verdictOf = (run: { stdout: string }) => JSON.parse(run.stdout) as { verdict: string; changes: { class: string; subject: string; description: string; moves: string[]; rule?: string }[]; summary: unknown };

  it("compatible: layout, comments, role and shape move nothing (exit 0)", async () => {
    const run = await against(edit('role: "forecaster"', 'role: "oracle" // renamed').replace("shape: standalone", "shape: confluence_member"));
    expect(run.code).toBe(0);
    expect(verdictOf(run)).toMatchObject({ verdict: "compatible", changes: [] });
  });

  it("fingerprint change: the almanac cadence moves the module and the coalition id, and says why", async () => {
    const run = await against(edit("cadence: 2s", "cadence: 5s"));
    expect(run.code).toBe(0);
    const result = verdictOf(run);
    expect(result.verdict).toBe("fingerprint");
    expect(result.changes).toEqual([
      {
        class: "fingerprint",
        subject: "coalition forecasters",
        description: "module almanac's Config changed",
        moves: ["coalition.forecasters.modules.almanac.fingerprint", "coalition.forecasters.coalition_id"],
        rule: "a confluence's or module's Config changes",
      },
    ]);
  });

  it("fingerprint change: a pinned citizen's content moves the coalition root by the pinning rule", async () => {
    const result = verdictOf(await against(edit("decay: 0.9", "decay: 0.95")));
    expect(result.verdict).toBe("fingerprint");
    expect(result.changes.map((c) => `${c.subject}: ${c.description} [${c.rule}]`)).toEqual([
      "organism accuracy_reputation: content hash moves: content field `decay` changed [the content hash pins the content: parameters, ACL, TDX measurements and surface]",
      "coalition forecasters: the pinned content hash of accuracy_reputation changed [a pinned content hash changes]",
    ]);
  });

  it("strategy D: a constitution change names every content field it touches", async () => {
    const touched = verdictOf(await against(edit("decay: 0.9", "decay: 0.8").replace("window: 30 ticks", "window: 60 ticks")));
    expect(touched.changes[0]!.description).toBe("content hash moves: content fields `window`, `decay` changed");
  });

  it("breaking: a retyped field, a removed stream, reordered variants (exit 1)", async () => {
    const retyped = await against(edit("horizon: u32", "horizon: u64"));
    expect(retyped.code).toBe(1);
    expect(verdictOf(retyped).changes.filter((c) => c.class === "breaking").map((c) => c.description)).toEqual(["field `horizon` retyped from `u32` to `u64`"]);
    const removed = verdictOf(await against(edit("  stream consensus: Forecast\n", "")));
    expect(removed.changes.filter((c) => c.class === "breaking").map((c) => `${c.subject}: ${c.description}`)).toEqual(["confluence forecast_fabric: stream `consensus` removed"]);
  });

  it("coalc diff compares two workspaces, naming the instance-name rule", async () => {
    const files = { ...workspace(golden), "new/package.json": "{}", "new/forecasters.coal": edit('instance: "signals.prophet"', 'instance: "signals.prophet-v2"') };
    const run = await coalc(["diff", "ws/forecasters.coal", "new/forecasters.coal"], { files });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("fingerprint  organism prophet: instance name changed from \"signals.prophet\" to \"signals.prophet-v2\"");
    expect(run.stdout).toContain("because the stable id of prophet changed".replace("because ", "")); // reason on the coalition
    expect(run.stderr).toBe("coalc: fingerprint change: operators must republish the ids that move\n");
  });

  it("refuses a file that is not a lock file, in one line (exit 2)", async () => {
    const run = await coalc(["diff", "a.json", "ws/forecasters.coal"], { files: { ...workspace(golden), "a.json": "{ nope" } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^coalc: `a\.json` is not valid JSON: .*\n$/);
  });
});
