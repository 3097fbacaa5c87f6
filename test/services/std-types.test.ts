// The services' own copies of the standard types must be the standard library's, to the byte:
// each one's SCHEMA equals the SCHEMA of the type the compiler reads from stdlib/std/types.coal.
import { describe, expect, it } from "vitest";
import { compile, MemoryHost } from "@coal/compiler";
import { schema, toHex, type EnumType, type RecordType } from "@coal/runtime/identity";
import { serviceTypes } from "@coal/runtime/services";
import { memoryStdlibRoot, stdlibFiles } from "../support/stdlib.js";

describe("the services' standard types", () => {
  const names = serviceTypes.map((t) => t.name);
  const host = new MemoryHost({ ...stdlibFiles(), "probe.coal": `import { ${names.join(", ")} } from "std/types"\nrecord Probe { ${names.map((n, i) => `f${i}: ${n}`).join(", ")} }\n` });
  const result = compile({ host, entries: ["probe.coal"], stdlibRoot: memoryStdlibRoot, root: "." });
  const probe = result.model.types.find((t) => t.name === "Probe")!.type as RecordType;

  it("compile without diagnostics", () => {
    expect(result.userDiagnostics).toEqual([]);
  });
  for (const [i, type] of serviceTypes.entries()) {
    it(`${type.name} has the standard library's SCHEMA`, () => {
      const std = probe.fields[i]!.type as RecordType | EnumType;
      expect(toHex(schema(type).digest)).toBe(toHex(schema(std).digest));
    });
  }
});
