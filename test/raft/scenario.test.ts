// The Raft core, scenario by scenario, as files: each `scenarios/*.txt` is a script of commands
// (see test/support/raft-harness.ts) with the output each produced — Readys, messages, the core's
// log lines. A change in behaviour shows as a diff of that text. Re-accept with COAL_ACCEPT=1.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { expectFile, repoRoot } from "../support/files.js";
import { parseScenario, printScenario, runScenario } from "../support/raft-harness.js";

const directory = join(repoRoot, "test/raft/scenarios");

describe("raft scenarios", () => {
  const files = readdirSync(directory)
    .filter((name) => name.endsWith(".txt"))
    .sort();
  for (const file of files) {
    it(file.replace(/\.txt$/, ""), () => {
      const path = join(directory, file);
      const blocks = parseScenario(readFileSync(path, "utf8"));
      expectFile(path, printScenario(runScenario(blocks)));
    });
  }
});
