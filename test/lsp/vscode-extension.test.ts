// The VS Code extension packages: the client and the server bundle, the standard library and the
// grammar go into a .vsix with `vsce package` (never published), and the bundled server — as the
// extension starts it, with the bundled standard library — answers over stdio.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot, sharedRoot } from "../support/files.js";
import { StdioClient } from "./stdio-client.js";

const extension = join(repoRoot, "editors/vscode");
const vsce = join(createRequire(import.meta.url).resolve("@vscode/vsce/package.json"), "..", "vsce");

describe("the VS Code extension", () => {
  let client: StdioClient | undefined;
  afterAll(() => client?.child.kill());

  it("packages into a .vsix with vsce", () => {
    execFileSync(process.execPath, [join(extension, "scripts/bundle.mjs")], { cwd: extension, stdio: "pipe" });
    const listing = execFileSync(process.execPath, [vsce, "ls", "--no-dependencies"], { cwd: extension, encoding: "utf8" });
    for (const file of ["dist/extension.cjs", "dist/server.mjs", "std/validators.coal", "syntaxes/coal.tmLanguage.json", "language-configuration.json"]) expect(listing).toContain(file);
    expect(listing).not.toContain("src/extension.ts");
    execFileSync(process.execPath, [vsce, "package", "--no-dependencies", "--allow-missing-repository", "--skip-license", "--out", "dist/coal.vsix"], { cwd: extension, stdio: "pipe" });
    expect(statSync(join(extension, "dist/coal.vsix")).size).toBeGreaterThan(100_000);
  }, 120_000);

  it("runs its bundled server with its bundled standard library", async () => {
    expect(existsSync(join(extension, "dist/server.mjs"))).toBe(true);
    client = StdioClient.start([join(extension, "dist/server.mjs"), "--stdio", "--stdlib", join(extension, "std")]);
    await client.request("initialize", { processId: process.pid, rootUri: null, capabilities: {} });
    client.notify("initialized", {});
    const path = join(sharedRoot, "testdata/golden/forecasters.coal");
    const uri = pathToFileURL(path).href;
    const text = readFileSync(path, "utf8");
    client.notify("textDocument/didOpen", { textDocument: { uri, languageId: "coal", version: 1, text } });
    const line = text.split("\n").findIndex((l) => l.startsWith("organism prophet"));
    const hover = await client.request<{ contents: { value: string } }>("textDocument/hover", { textDocument: { uri }, position: { line, character: 11 } });
    const expected = JSON.parse(readFileSync(join(sharedRoot, "testdata/golden/forecasters.expected.json"), "utf8"));
    expect(hover.contents.value).toContain(expected.organisms.prophet.content_hash);
    await client.request("shutdown", null);
    client.notify("exit", null);
    expect(await client.exited()).toBe(0);
  });
});
