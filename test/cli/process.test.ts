// The built `coalc` binary and prettier with the plugin, as separate processes.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as prettier from "prettier";
import { format } from "@coal/language";
import { readText, repoRoot, sharedRoot } from "../support/files.js";

const bin = join(repoRoot, "compiler/bin/coalc.mjs");
const golden = join(sharedRoot, "testdata/golden/forecasters.coal");
const scratch = mkdtempSync(join(tmpdir(), "coal-process-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(command: string, args: readonly string[], input?: string) {
  const result = spawnSync(command, args, { cwd: scratch, encoding: "utf8", input, timeout: 60_000, env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("the coalc binary", () => {
  it("checks the golden scenario: exit 0", () => {
    const result = run(bin, ["check", golden]);
    expect(result.stderr).toBe("coalc: no problems in 1 file\n");
    expect(result.code).toBe(0);
  });

  it("reports a broken file without colour when not on a terminal: exit 1", () => {
    writeFileSync(join(scratch, "broken.coal"), "organism p {\n  role \"x\"\n}\n");
    const result = run(bin, ["check", "broken.coal"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("--> broken.coal:2:7");
    expect(result.stdout).not.toMatch(/\u001b\[/);
  });

  it("stops quietly when its reader closes the pipe early (`coalc explain | head -1`)", () => {
    const result = spawnSync("sh", ["-c", `"${process.execPath}" "${bin}" explain | head -1`], { cwd: scratch, encoding: "utf8" });
    expect(result.stdout).toMatch(/^E0001 /);
    expect(result.stderr).toBe("");
  });

  it("answers an output directory it cannot create with one line: exit 2 (and never hangs)", () => {
    writeFileSync(join(scratch, "package.json"), "{}");
    writeFileSync(join(scratch, "w.coal"), readFileSync(golden, "utf8"));
    const result = run(bin, ["build", "w.coal", "--out", "/proc/coal-cannot-create"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("coalc: cannot write `/proc/coal-cannot-create/forecasters.manifest.json`: no such file or directory\n");
  });

  it("answers a missing file with one line and no stack trace: exit 2", () => {
    const result = run(bin, ["check", "missing.coal"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("coalc: cannot read `missing.coal`: no such file or directory\n");
  });

  it("formats in place, atomically, keeping the file's mode", () => {
    const path = join(scratch, "messy.coal");
    writeFileSync(path, "record   R{a:u8}\n", { mode: 0o640 });
    expect(run(bin, ["fmt", "messy.coal"]).code).toBe(0);
    expect(readFileSync(path, "utf8")).toBe("record R { a: u8 }\n");
    expect(spawnSync("stat", ["-c", "%a", path], { encoding: "utf8" }).stdout.trim()).toBe("640");
    expect(run(bin, ["fmt", "--check", "messy.coal"]).code).toBe(0);
  });

  it("formats standard input", () => {
    const result = run(bin, ["fmt", "-"], "record   R{a:u8}");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("record R { a: u8 }\n");
  });
});

describe("prettier with the coal plugin", () => {
  const plugin = join(repoRoot, "language/dist/prettier-plugin.js");

  it("formats exactly as coalc fmt does (API)", async () => {
    const inputs = [readText(golden), readText(join(repoRoot, "test/format/cases/messy.coal")), readText(join(repoRoot, "test/format/cases/comments.coal")), readText(join(repoRoot, "test/format/cases/long-lines.coal"))];
    for (const text of inputs) {
      expect(await prettier.format(text, { parser: "coal", plugins: [plugin] })).toBe(format(text).text);
    }
  });

  it("`prettier --write \"**/*.coal\"` rewrites files and refuses broken ones", () => {
    writeFileSync(join(scratch, ".prettierrc.json"), JSON.stringify({ plugins: [plugin] }));
    writeFileSync(join(scratch, "a.coal"), "organism   p{role:\"x\" // c\n}\n");
    writeFileSync(join(scratch, "bad.coal"), "record {\n");
    const result = run(process.execPath, [join(repoRoot, "node_modules/prettier/bin/prettier.cjs"), "--write", "**/*.coal"]);
    expect(readFileSync(join(scratch, "a.coal"), "utf8")).toBe("organism p {\n  role: \"x\" // c\n}\n");
    expect(readFileSync(join(scratch, "bad.coal"), "utf8")).toBe("record {\n");
    expect(result.stderr).toContain("Expected a name for the record");
    expect(result.code).toBe(2);
  });
});
