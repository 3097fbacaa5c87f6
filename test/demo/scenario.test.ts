// The prophet scenario (spec 06, "The reference scenario") as `npm run demo` runs it: every step
// must happen, and the demo must say so and exit 0 — on the embedded network, and with `--tcp` as
// separate OS processes over TCP (the same roles; only the network and the process boundaries
// differ, so every step crosses a real socket there).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/files.js";

const steps = [
  /admitted\s+desk A/,
  /refused\s+desk B: .*reputation-below-floor/,
  /refused\s+desk C: .*no-settlement/,
  /admitted\s+desk C settled its allocation/,
  /watchdog .*→ Active/,
  /watchdog .*→ Abandoned \(2 of 2\)/,
  /hand-off\s+reputation leader: oracle_/,
  /atlas\s+operator \d (\(coal node\) )?applied the retirement marker/,
  /atlas\s+8 cards, one per citizen of the coalition, committed by the Atlas committee/,
  /late consumer resolves prophet .* → oracle_/,
  /forecast\s+late consumer receives/,
  /heartbeat\s+prophet → chronicle/,
  /grant\s+request \w+ on the requests stream → grant on the grants stream: .*requester's check: ok/,
  /forged quote refused — quote-invalid: step 4/,
  /chain verifies/,
  /tamper .*detected at entry 3/,
  /every step of the prophet scenario happened/,
];

function demo(...args: string[]) {
  return spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", join(repoRoot, "demo/run.ts"), ...args], { cwd: repoRoot, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: 170_000 });
}

describe("the prophet scenario", () => {
  it("runs every step on the memory network and exits 0", () => {
    const run = demo();
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    for (const step of steps) expect(run.stdout).toMatch(step);
    expect(run.stdout).not.toMatch(/✗/);
  }, 180_000);

  it("runs every step as separate OS processes over TCP with --tcp", () => {
    const run = demo("--tcp");
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/10 OS processes over TCP: 3 × coal node \(the operators\)/);
    expect(run.stdout).toMatch(/atlas\s+operator \d \(coal node\) applied the retirement marker/);
    const pids = /processes up \(pids ([\d, ]+)\)/.exec(run.stdout)?.[1]?.split(", ") ?? [];
    expect(new Set(pids).size).toBe(10);
    for (const step of steps) expect(run.stdout).toMatch(step);
    expect(run.stdout).not.toMatch(/✗/);
    // Every role process exited with the demo.
    for (const pid of pids) expect(() => process.kill(Number(pid), 0)).toThrow();
  }, 180_000);

  it("refuses an unknown option in one line with exit code 2", () => {
    const run = demo("--tpc");
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe("demo: unknown option --tpc (the only option is --tcp)");
  });
});
