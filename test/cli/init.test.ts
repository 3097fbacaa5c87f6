// `coalc init`: the starter workspace builds with coalc and runs, printing what it received; init
// never overwrites a workspace that already has its files.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../support/files.js";

const bin = join(repoRoot, "compiler/bin/coalc.mjs");
const scratch = join(repoRoot, ".tmp", `init-${process.pid}`);
mkdirSync(scratch, { recursive: true });
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("coalc init", () => {
  it("creates a workspace that builds and runs with the commands it prints", () => {
    const dir = join(scratch, "greenhouse");
    const init = spawnSync(process.execPath, [bin, "init", dir], { encoding: "utf8" });
    expect(init.status, init.stderr).toBe(0);
    expect(init.stdout).toContain("npx coalc build");
    expect(init.stdout).toContain("npm start");
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    expect(pkg.dependencies["@coal/runtime"]).toBe(`file:${join(repoRoot, "runtime")}`);
    // Inside this repository the coal packages already resolve, so `npm install` can be skipped.
    const build = spawnSync(process.execPath, [bin, "build"], { cwd: dir, encoding: "utf8" });
    expect(build.status, build.stderr).toBe(0);
    const run = execFileSync(process.execPath, ["--conditions=source", "--import", "tsx", "run.ts"], { cwd: dir, encoding: "utf8" });
    expect(run).toMatch(/^received greenhouse = 21 on [0-9a-f]{16}…/);
  });

  it("refuses to overwrite, in one line with exit code 2", () => {
    const dir = join(scratch, "twice");
    expect(spawnSync(process.execPath, [bin, "init", dir]).status).toBe(0);
    const again = spawnSync(process.execPath, [bin, "init", dir], { encoding: "utf8" });
    expect(again.status).toBe(2);
    expect(again.stderr.trim().split("\n")).toHaveLength(1);
    expect(again.stderr).toContain("init never overwrites");
  });
});
