// The prophet scenario (spec 06, "The reference scenario") as `npm run demo` runs it, on the
// embedded network: every step must happen, and the demo must say so and exit 0.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/files.js";

describe("the prophet scenario", () => {
  it("runs every step on the memory network and exits 0", () => {
    const run = spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", join(repoRoot, "demo/run.ts")], { cwd: repoRoot, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: 90_000 });
    const out = run.stdout;
    expect(run.status, `${out}\n${run.stderr}`).toBe(0);
    for (const step of [
      /admitted\s+desk A/,
      /refused\s+desk B: reputation-below-floor/,
      /refused\s+desk C: no-settlement/,
      /admitted\s+desk C settled its allocation/,
      /watchdog .*→ Active/,
      /watchdog .*→ Abandoned \(2 of 2\)/,
      /hand-off\s+reputation leader: oracle_/,
      /late consumer resolves prophet .* → oracle_/,
      /forecast\s+late consumer receives/,
      /heartbeat\s+prophet → chronicle/,
      /grant .*requester's check: ok/,
      /forged quote refused — quote-invalid: step 4/,
      /chain verifies/,
      /tamper .*detected at entry 3/,
      /every step of the prophet scenario happened/,
    ]) {
      expect(out).toMatch(step);
    }
    expect(out).not.toMatch(/✗/);
  });
});
