// `coalc` as users meet it: exit codes, messages, formats and colours.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { allCatalogues, compilerVersion } from "@coal/compiler";
import { coalFiles, readText, repoRoot, sharedRoot, stem } from "../support/files.js";
import { coalc } from "../support/cli.js";

const golden = join(sharedRoot, "testdata/golden/forecasters.coal");
const errDirectory = join(repoRoot, "test/parser/err");
const ansi = /\u001b\[/;

describe("coalc check", () => {
  it("passes the golden scenario (exit 0)", async () => {
    const run = await coalc(["check", golden], { disk: true });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe("coalc: no problems in 1 file\n");
  });

  for (const path of coalFiles(errDirectory)) {
    it(`fails ${stem(path)} with located diagnostics (exit 1)`, async () => {
      const run = await coalc(["check", path], { disk: true });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(new RegExp(`^error\\[E\\d{4}\\]: .+\\n +--> ${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+:\\d+\\n`));
    });
  }

  it("checks directories recursively, skipping node_modules and hidden folders", async () => {
    const run = await coalc(["check", "ws"], {
      files: {
        "ws/a.coal": "record A { a: u8 }\n",
        "ws/sub/b.coal": "record B {\n",
        "ws/node_modules/dep/c.coal": "garbage garbage\n",
        "ws/.cache/d.coal": "garbage\n",
        "ws/notes.txt": "not coal",
      },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("--> ws/sub/b.coal:1:11");
    expect(run.stdout).not.toContain("node_modules");
    expect(run.stdout).not.toContain(".cache");
    expect(run.stderr).toBe("coalc: 1 error in 2 files\n");
  });

  it("checks the current directory by default", async () => {
    const run = await coalc(["check"], { files: { "x.coal": "record X { }\n" } });
    expect(run.code).toBe(0);
  });

  it("reports warnings without failing", async () => {
    const run = await coalc(["check", "w.coal"], { files: { "w.coal": "/// nothing\nimport { Forecast } from \"./x.coal\"\nrecord R { f: Forecast }\n", "x.coal": "record Forecast { a: u8 }\n" } });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("warning[W0001]");
    expect(run.stderr).toBe("coalc: 1 warning in 2 files\n");
  });

  it("says in one line which file is missing (exit 2)", async () => {
    const run = await coalc(["check", "nope.coal"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("coalc: cannot read `nope.coal`: no such file or directory\n");
    expect(run.stdout).toBe("");
  });

  it("says when a directory holds no .coal files (exit 2)", async () => {
    const run = await coalc(["check", "docs"], { files: { "docs/readme.md": "#" } });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("coalc: no .coal files in `docs`\n");
  });

  it("writes one JSON document with --format json", async () => {
    const run = await coalc(["check", "--format", "json", "a.coal"], { files: { "a.coal": "organism p {\n  role \"x\"\n}\n" } });
    expect(run.code).toBe(1);
    const document = JSON.parse(run.stdout);
    expect(document.version).toBe(1);
    expect(document.summary).toEqual({ files: 1, errors: 1, warnings: 0 });
    expect(document.diagnostics[0]).toMatchObject({
      file: "a.coal",
      code: "E0100",
      severity: "error",
      range: { start: { line: 2, column: 7, offset: 19 }, end: { line: 2, column: 7, offset: 19 } },
      fixes: [{ title: "Insert `:`", edits: [{ file: "a.coal", newText: ":" }] }],
    });
    expect(run.stderr).toBe("");
  });

  it("colours only on a terminal, and never with NO_COLOR", async () => {
    const files = { "a.coal": "record {\n" };
    expect((await coalc(["check", "a.coal"], { files })).stdout).not.toMatch(ansi);
    expect((await coalc(["check", "a.coal"], { files, tty: true })).stdout).toMatch(ansi);
    expect((await coalc(["check", "a.coal"], { files, tty: true, env: { NO_COLOR: "1" } })).stdout).not.toMatch(ansi);
    expect((await coalc(["check", "a.coal"], { files, env: { FORCE_COLOR: "1" } })).stdout).toMatch(ansi);
    expect((await coalc(["check", "--color", "always", "a.coal"], { files })).stdout).toMatch(ansi);
    expect((await coalc(["check", "--color", "never", "a.coal"], { files, tty: true })).stdout).not.toMatch(ansi);
  });
});

describe("coalc usage", () => {
  it("prints help (exit 0) and the version", async () => {
    expect((await coalc(["--help"])).stdout).toContain("coalc check [paths…]");
    expect((await coalc(["check", "--help"])).code).toBe(0);
    expect((await coalc(["--version"])).stdout).toBe(`coalc ${compilerVersion}\n`);
  });

  it("rejects what it does not know in one line (exit 2)", async () => {
    for (const args of [[], ["frobnicate"], ["check", "--bogus"], ["check", "--format", "xml"], ["fmt", "--color", "sometimes"], ["explain", "E0101", "E0102"]]) {
      const run = await coalc(args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr.length, args.join(" ")).toBeGreaterThan(0);
      expect(run.stderr, args.join(" ")).not.toMatch(/\n\s+at /);
    }
  });

  it("keeps its version in step with package.json", () => {
    expect(JSON.parse(readText(join(repoRoot, "compiler/package.json"))).version).toBe(compilerVersion);
  });
});

describe("coalc fmt", () => {
  const messy = "record   R{a:u8,b:u8}\n";
  const tidy = "record R { a: u8, b: u8 }\n";

  it("rewrites files in place and says how many", async () => {
    const run = await coalc(["fmt", "a.coal", "b.coal"], { files: { "a.coal": messy, "b.coal": tidy } });
    expect(run.code).toBe(0);
    expect(run.host.readFile("a.coal")).toBe(tidy);
    expect(run.stderr).toBe("coalc: reformatted 1 file of 2\n");
  });

  it("--check lists the files that would change and exits 1, touching nothing", async () => {
    const run = await coalc(["fmt", "--check", "."], { files: { "a.coal": messy, "b.coal": tidy } });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("a.coal\n");
    expect(run.host.readFile("a.coal")).toBe(messy);
  });

  it("--check passes on the formatted corpus", async () => {
    const formatted = coalFiles(join(repoRoot, "test/format/cases")).filter((path) => path.endsWith(".formatted.coal"));
    const run = await coalc(["fmt", "--check", ...formatted, golden], { disk: true });
    expect(run.stdout).toBe("");
    expect(run.code).toBe(0);
  });

  it("leaves a file with syntax errors untouched and shows why (exit 1)", async () => {
    const broken = "record R {\n  a u8\n";
    const run = await coalc(["fmt", "bad.coal", "good.coal"], { files: { "bad.coal": broken, "good.coal": messy } });
    expect(run.code).toBe(1);
    expect(run.host.readFile("bad.coal")).toBe(broken);
    expect(run.host.readFile("good.coal")).toBe(tidy);
    expect(run.stderr).toContain("error[E0100]: Expected `:` after `a`");
    expect(run.stderr).toContain("1 file left untouched because of syntax errors");
  });

  it("--check --format json writes one document naming the unformatted and the broken files", async () => {
    const files = { "a.coal": messy, "b.coal": tidy, "c.coal": "record R {\n  a u8\n", "d.coal": "enum {" };
    const run = await coalc(["fmt", "--check", "--format", "json", "."], { files });
    expect(run.code).toBe(1);
    const document = JSON.parse(run.stdout);
    expect(document.unformatted).toEqual(["a.coal"]);
    expect(document.summary).toEqual({ files: 4, errors: 2, warnings: 0 });
    expect(document.diagnostics.map((d: { file: string; code: string }) => `${d.file} ${d.code}`)).toEqual(["c.coal E0100", "d.coal E0105"]);
  });

  it("formats standard input to standard output with -", async () => {
    const run = await coalc(["fmt", "-"], { stdin: messy });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(tidy);
    const broken = await coalc(["fmt", "-"], { stdin: "record {" });
    expect(broken.code).toBe(1);
    expect(broken.stdout).toBe("");
    expect(broken.stderr).toContain("<stdin>:1:8");
  });
});

describe("coalc explain", () => {
  it("explains a code by code or by name", async () => {
    const byCode = await coalc(["explain", "E0101"]);
    expect(byCode.code).toBe(0);
    expect(byCode.stdout).toContain("E0101 (unclosed-delimiter, error)");
    expect(byCode.stdout).toContain("Expected {close} to close {what}, found {found}.");
    expect((await coalc(["explain", "unclosed-delimiter"])).stdout).toBe(byCode.stdout);
    expect((await coalc(["explain", "e0101"])).stdout).toBe(byCode.stdout);
  });

  it("lists every code", async () => {
    const run = await coalc(["explain"]);
    const count = allCatalogues.reduce((n, { entries }) => n + Object.keys(entries).length, 0);
    expect(run.stdout.trim().split("\n")).toHaveLength(count);
  });

  it("rejects an unknown code (exit 2)", async () => {
    const run = await coalc(["explain", "E9999"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("no diagnostic code `E9999`");
  });
});
