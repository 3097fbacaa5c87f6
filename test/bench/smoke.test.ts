// The benchmarks, on a tiny budget, so they never rot: each runs to completion and prints its
// ratio to the baseline measured in the same run. (`npm run bench:*` runs them at full size; the
// figures are in the closing notes, never asserted here — timing has no place in a unit test.)
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/files.js";

function bench(script: string, args: readonly string[], flags: readonly string[] = []): string {
  return execFileSync(process.execPath, [...flags, "--expose-gc", "--import", "tsx", join(repoRoot, script), ...args], { cwd: repoRoot, encoding: "utf8", timeout: 120_000 });
}

describe("benchmarks (smoke)", () => {
  it("bench/parse prints parse throughput against JSON.parse", () => {
    const output = bench("bench/parse/run.ts", ["--citizens", "200", "--rounds", "1"]);
    expect(output).toMatch(/parse vs JSON\.parse, same data: 1\/[\d.]+ of its throughput/);
    expect(output).toMatch(/2× input: [\d.]+× the time/);
  });

  it("bench/check prints check throughput against JSON.parse and fingerprinting against BLAKE3", () => {
    const output = bench("bench/check/run.ts", ["--citizens", "200", "--rounds", "1", "--content-mib", "1"], ["--max-semi-space-size=64"]);
    expect(output).toMatch(/check vs JSON\.parse: 1\/[\d.]+ of its throughput/);
    expect(output).toMatch(/fingerprint vs raw BLAKE3: [\d.]+ of its throughput/);
  });

  it("bench/streams prints coal's TCP streams against raw TCP (and NATS when installed)", () => {
    const output = bench("bench/streams/run.ts", ["--datums", "2000"]);
    expect(output).toMatch(/coal vs raw TCP: [\d.]+× its throughput/);
    expect(output).toMatch(/NATS {2,}(\d+ ms|skipped: nats-server is not installed)/);
  });
});
