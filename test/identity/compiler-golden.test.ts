// The golden vectors that need the compiler: the forecasters scenario compiled from its source
// must reproduce forecasters.expected.json byte for byte, and the standard library's types must
// have the SCHEMA and TYPEID the shared vectors give. A failure prints our derivation tree.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile, Fingerprinter, fingerprintReport, MemoryHost, NodeHost, defaultStdlibRoot } from "@coal/compiler";
import { explain, schema, toHex, typeId, type Derivation, type Type } from "@coal/runtime/identity";
import { allDerivations } from "../../compiler/src/cli/fingerprint-command.js";
import { sharedRoot } from "../support/files.js";
import { memoryStdlibRoot, stdlibFiles } from "../support/stdlib.js";

const goldenDir = join(sharedRoot, "testdata/golden");

/** Every leaf of `expected` as [path, value]. */
function leaves(value: unknown, path = ""): [string, unknown][] {
  if (value !== null && typeof value === "object") return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => leaves(v, path === "" ? k : `${path}.${k}`));
  return [[path, value]];
}

function at(value: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((v, key) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined), value);
}

describe("the forecasters scenario (forecasters.expected.json)", () => {
  const entry = join(goldenDir, "forecasters.coal");
  const result = compile({ host: new NodeHost(), entries: [entry], stdlibRoot: defaultStdlibRoot(), root: goldenDir });
  const fingerprinter = new Fingerprinter(result.model);
  const report = fingerprintReport(result.model, fingerprinter);
  const derivations = new Map(allDerivations(result.model, fingerprinter));
  const expected = JSON.parse(readFileSync(join(goldenDir, "forecasters.expected.json"), "utf8")) as Record<string, unknown>;

  it("checks without diagnostics", () => {
    expect(result.userDiagnostics).toEqual([]);
  });

  for (const [path, want] of leaves(expected).filter(([path]) => !path.startsWith("scenario"))) {
    it(path, () => {
      const got = at(report, path);
      const derivation = derivations.get(path);
      expect(got, derivation === undefined ? path : `${path}: our derivation\n${explain(derivation)}`).toBe(want);
    });
  }
});

describe("standard-library vectors of identity.json", () => {
  const vectors = (JSON.parse(readFileSync(join(goldenDir, "identity.json"), "utf8")) as { vectors: { name: string; inputs: Record<string, string>; expect: string }[] }).vectors;
  const stdTypes = new Map<string, string>([
    ...["EvidencePointer", "AlmanacTick", "RetirementMarker", "MemberCard", "ChronicleEntry", "AbandonmentReport", "AgentContent", "RetirementPolicy", "SuccessorPolicy"].map((n) => [n, "std/types"] as const),
    ...["AtlasContent", "AlmanacContent", "ChronicleContent", "ComputeContent"].map((n) => [n, "std/services"] as const),
  ]);

  /** The type a `.coal` type expression denotes, compiled against the real standard library. */
  function typeOf(expression: string, imports: readonly string[]): Type {
    const lines = [...new Set(imports)].map((name) => `import { ${name} } from "${stdTypes.get(name) ?? "std/types"}"`);
    const host = new MemoryHost({ ...stdlibFiles(), "probe.coal": `${lines.join("\n")}\nrecord Probe { x: ${expression} }\n` });
    const result = compile({ host, entries: ["probe.coal"], stdlibRoot: memoryStdlibRoot, root: "." });
    expect(result.userDiagnostics).toEqual([]);
    const probe = result.model.types.find((t) => t.name === "Probe")!.type;
    return (probe as unknown as { fields: { type: Type }[] }).fields[0]!.type;
  }

  const cases = vectors.filter((v) => v.name.startsWith("SCHEMA(") || v.name.startsWith("TYPEID(map"));
  it("the vectors this file covers are present", () => {
    expect(cases.length).toBeGreaterThanOrEqual(14);
  });
  for (const vector of cases) {
    it(vector.name, () => {
      let derivation: Derivation;
      if (vector.name.startsWith("SCHEMA(")) {
        const name = vector.inputs["type"]!.split(" ")[1]!;
        const type = typeOf(name, [name]);
        expect(type.kind === "record" || type.kind === "enum").toBe(true);
        derivation = schema(type as Parameters<typeof schema>[0]);
      } else {
        derivation = typeId(typeOf("map<digest, MemberCard>", ["MemberCard"]));
      }
      expect(toHex(derivation.digest), explain(derivation)).toBe(vector.expect);
    });
  }
});
