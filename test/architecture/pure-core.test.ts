// The Raft core is a pure state machine (spec 05): no timers, sockets, files, clocks, randomness of
// its own or `await`. Everything with effects lives in the driver (runtime/src/groups) and the
// stores (runtime/src/wal). This test reads the core's sources and fails on any of them.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/files.js";

const forbidden: readonly [RegExp, string][] = [
  [/\bawait\b/, "await"],
  [/\basync\b/, "async"],
  [/\bsetTimeout\b|\bsetInterval\b|\bsetImmediate\b|\bqueueMicrotask\b/, "a timer"],
  [/\bDate\.now\b|\bnew Date\b|\bperformance\.now\b|\bprocess\.hrtime\b/, "the clock"],
  [/\bMath\.random\b|\brandomBytes\b|\bgetRandomValues\b/, "randomness"],
  [/["']node:(?:fs|net|dgram|child_process|http|https|worker_threads)["']/, "I/O"],
  [/\bPromise\b/, "a promise"],
];

/** Source without comments and string contents, so prose about timers does not count. */
function code(source: string): string {
  return source
    .replace(/\/\*[^]*?\*\//g, "")
    .replace(/(^|[^:"'`])\/\/.*$/gm, "$1")
    .replace(/`(?:\\.|[^`\\])*`/g, "``")
    .replace(/"(?:\\.|[^"\\])*"/g, (m) => (m.startsWith('"node:') ? m : '""'));
}

describe("the Raft core", () => {
  it("is pure: no await, timers, clock, randomness or I/O in runtime/src/raft", () => {
    const directory = join(repoRoot, "runtime/src/raft");
    const found: string[] = [];
    for (const name of readdirSync(directory).filter((n) => n.endsWith(".ts"))) {
      const text = code(readFileSync(join(directory, name), "utf8"));
      for (const [pattern, what] of forbidden) if (pattern.test(text)) found.push(`${name}: ${what}`);
    }
    expect(found).toEqual([]);
  });
});
