// A real editor: headless Neovim, configured with exactly the setup docs/editors.md documents,
// opens the golden `forecasters.coal`; through Neovim's own LSP client the test reads back a
// diagnostic (after breaking a type name) and a hover with the organism's fingerprints. Skipped,
// with the reason printed, where Neovim is not installed (`apt-get install neovim`).
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot, sharedRoot } from "../support/files.js";

function neovim(): string | undefined {
  try {
    execFileSync("nvim", ["--version"], { stdio: "pipe" });
    return "nvim";
  } catch {
    return undefined;
  }
}

/** The Lua block between the `neovim-setup` markers of docs/editors.md. */
export function documentedSetup(): string {
  const doc = readFileSync(join(repoRoot, "docs/editors.md"), "utf8");
  const block = /<!-- neovim-setup -->\s*```lua\n([^]*?)```\s*<!-- \/neovim-setup -->/.exec(doc);
  if (block === null) throw new Error("docs/editors.md has no neovim-setup block");
  return block[1]!;
}

const nvim = neovim();
if (nvim === undefined) console.log("test/lsp/neovim.test.ts: skipped: Neovim is not installed (apt-get install -y neovim)");

describe.skipIf(nvim === undefined)("Neovim's LSP client", () => {
  it("shows diagnostics and hovers with fingerprints for the golden file", () => {
    const directory = mkdtempSync(join(tmpdir(), "coal-nvim-"));
    try {
      // `coal-lsp` on PATH, as the documented setup expects.
      const bin = join(directory, "bin");
      mkdirSync(bin);
      writeFileSync(join(bin, "coal-lsp"), `#!/bin/sh\nexec "${process.execPath}" "${join(repoRoot, "lsp/bin/coal-lsp.mjs")}" "$@"\n`);
      chmodSync(join(bin, "coal-lsp"), 0o755);
      const workspace = join(directory, "ws");
      mkdirSync(workspace);
      writeFileSync(join(workspace, "package.json"), "{}");
      copyFileSync(join(sharedRoot, "testdata/golden/forecasters.coal"), join(workspace, "forecasters.coal"));
      writeFileSync(join(directory, "init.lua"), documentedSetup());
      const out = join(directory, "result.json");
      const run = spawnSync(nvim!, ["--headless", "-n", "-i", "NONE", "-u", join(directory, "init.lua"), join(workspace, "forecasters.coal"), "-c", `luafile ${join(repoRoot, "test/lsp/nvim/check.lua")}`], {
        cwd: workspace,
        env: { ...process.env, PATH: `${bin}:${process.env["PATH"]}`, COAL_NVIM_OUT: out, XDG_CONFIG_HOME: join(directory, "config"), XDG_DATA_HOME: join(directory, "data"), XDG_STATE_HOME: join(directory, "state") },
        timeout: 90_000,
        encoding: "utf8",
      });
      let result: { diagnostics: { code: string; message: string; lnum: number }[]; hover: string | null; error: string | null };
      try {
        result = JSON.parse(readFileSync(out, "utf8"));
      } catch {
        throw new Error(`Neovim wrote no result (status ${run.status}):\n${run.stdout}\n${run.stderr}`);
      }
      expect(result.error).toBeNull();
      expect(result.diagnostics.map((d) => d.code)).toEqual(["E0205"]);
      expect(result.diagnostics[0]!.message).toContain("Forecst");
      const golden = JSON.parse(readFileSync(join(sharedRoot, "testdata/golden/forecasters.expected.json"), "utf8"));
      const hover = String(result.hover);
      expect(hover).toContain("organism prophet");
      expect(hover).toMatch(/content hash: `[0-9a-f]{64}`/);
      const stableId = JSON.stringify(golden).match(/"prophet":\{"stable_id":"([0-9a-f]{64})"/)?.[1];
      if (stableId !== undefined) expect(hover).toContain(stableId);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
