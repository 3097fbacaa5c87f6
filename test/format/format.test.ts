// The formatter: expected layouts as files, and the round-trip properties on every corpus file.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { format } from "@coal/language";
import { coalFiles, expectFile, readText, repoRoot, sharedRoot, stem } from "../support/files.js";
import { checkInput } from "../fuzz/properties.js";

const casesDirectory = join(repoRoot, "test/format/cases");
const cases = coalFiles(casesDirectory).filter((path) => !path.endsWith(".formatted.coal"));

describe("format: expected layouts", () => {
  for (const path of cases) {
    it(stem(path), () => {
      const result = format(readText(path));
      expect(result.text).toBeDefined();
      expectFile(join(casesDirectory, `${stem(path)}.formatted.coal`), result.text!);
    });
  }

  it("leaves formatted files as they are", () => {
    for (const path of coalFiles(casesDirectory).filter((file) => file.endsWith(".formatted.coal"))) {
      const text = readText(path);
      expect(format(text).text, path).toBe(text);
    }
  });

  it("keeps the golden scenario byte for byte", () => {
    const text = readText(join(sharedRoot, "testdata/golden/forecasters.coal"));
    expect(format(text).text).toBe(text);
  });

  it("honours a narrower print width", () => {
    const text = "validator v = ReputationFloor(acc, floor: 0.55, window: 30 ticks) & MarketSettlement(market)\n";
    expect(format(text).text).toBe(text);
    expect(format(text, { printWidth: 60 }).text).toBe(
      "validator v = ReputationFloor(\n              acc,\n              floor: 0.55,\n              window: 30 ticks,\n            )\n            & MarketSettlement(market)\n",
    );
  });

  it("refuses a file with syntax errors and returns its diagnostics", () => {
    const result = format("organism p {\n  role \"x\"\n");
    expect(result.text).toBeUndefined();
    expect(result.diagnostics.map((diagnostic) => diagnostic.code)).toContain("E0100");
  });

  it("writes LF line endings and one final newline", () => {
    expect(format("record R { a: u8 }\r\n\r\n\r\n").text).toBe("record R { a: u8 }\n");
    expect(format("").text).toBe("");
  });
});

describe("format: round trip on every corpus file", () => {
  const files = [...coalFiles(join(repoRoot, "test/parser/ok")), ...cases, join(sharedRoot, "testdata/golden/forecasters.coal")];
  for (const path of files) {
    it(stem(path), () => {
      // Idempotent, same tree, same comments, settled (see test/fuzz/properties.ts).
      const outcome = checkInput(readText(path));
      expect(outcome.valid).toBe(true);
      expect(outcome.settled).toBe(true);
    });
  }
});
