// The README's two-process example, as a newcomer runs it: build the example's bindings, start
// the publisher, and subscribe from a second process through the generated bindings over TCP.
import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/files.js";

describe("examples/forecasts", () => {
  it("publishes forecasts in one process and receives them in another", async () => {
    execFileSync(process.execPath, [join(repoRoot, "compiler/bin/coalc.mjs"), "build", "examples/forecasts"], { cwd: repoRoot, stdio: "pipe" });
    const publisher = spawn(process.execPath, ["--import", "tsx", "examples/forecasts/publish.ts", "3"], { cwd: repoRoot, env: { ...process.env, INTERVAL_MS: "50" }, stdio: ["ignore", "pipe", "inherit"] });
    try {
      const target = await new Promise<string>((resolve, reject) => {
        createInterface({ input: publisher.stdout! }).once("line", resolve);
        publisher.once("exit", (code) => reject(new Error(`the publisher exited (${code})`)));
      });
      const output = execFileSync(process.execPath, ["--import", "tsx", "examples/forecasts/subscribe.ts", target, "3"], { cwd: repoRoot, encoding: "utf8", timeout: 30_000 });
      expect(output.split("\n").filter((line) => line.startsWith("received forecast"))).toEqual([
        "received forecast 0: rain in 4 ticks, P = 0.250",
        "received forecast 1: rain in 4 ticks, P = 0.371",
        "received forecast 2: rain in 4 ticks, P = 0.492",
      ]);
    } finally {
      publisher.kill();
    }
  }, 60_000);
});
