// The built server as a real process, driven over stdio JSON-RPC through a whole session:
// initialize, open, edit, diagnostics, completion, hover, definition, rename, formatting,
// shutdown — and, in between, malformed messages and requests about documents it was never
// told about, none of which may take it down.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, sharedRoot } from "../support/files.js";
import { StdioClient } from "./stdio-client.js";

interface PublishedDiagnostics {
  uri: string;
  version?: number;
  diagnostics: { code: string; message: string; range: { start: { line: number; character: number } } }[];
}

describe("coal-lsp over stdio", () => {
  let directory: string;
  let client: StdioClient;
  let uri: string;
  const golden = readFileSync(join(sharedRoot, "testdata/golden/forecasters.coal"), "utf8");

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), "coal-lsp-"));
    writeFileSync(join(directory, "package.json"), "{}");
    writeFileSync(join(directory, "forecasters.coal"), golden);
    uri = pathToFileURL(join(directory, "forecasters.coal")).href;
    client = StdioClient.start();
  });

  afterAll(() => {
    client.child.kill();
    rmSync(directory, { recursive: true, force: true });
  });

  it("runs a whole session", async () => {
    const init = await client.request<{ capabilities: Record<string, unknown>; serverInfo: { name: string } }>("initialize", { processId: process.pid, rootUri: pathToFileURL(directory).href, capabilities: {}, workspaceFolders: [{ uri: pathToFileURL(directory).href, name: "ws" }] });
    expect(init.serverInfo.name).toBe("coal-lsp");
    expect(init.capabilities["hoverProvider"]).toBe(true);
    client.notify("initialized", {});

    // Open: the golden file is clean.
    client.notify("textDocument/didOpen", { textDocument: { uri, languageId: "coal", version: 1, text: golden } });
    const opened = await client.waitFor<PublishedDiagnostics>("textDocument/publishDiagnostics", (p) => p.uri === uri && p.version === 1);
    expect(opened.diagnostics).toEqual([]);

    // Edit: misspell a type; the diagnostic arrives for version 2, with its range.
    const line = golden.split("\n").findIndex((l) => l.includes("stream forecasts: Forecast"));
    const column = golden.split("\n")[line]!.indexOf("Forecast");
    client.notify("textDocument/didChange", { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line, character: column }, end: { line, character: column + 8 } }, text: "Forecst" }] });
    const edited = await client.waitFor<PublishedDiagnostics>("textDocument/publishDiagnostics", (p) => p.uri === uri && p.version === 2);
    expect(edited.diagnostics.map((d) => d.code)).toEqual(["E0205"]);
    expect(edited.diagnostics[0]!.range.start).toEqual({ line, character: column });

    // Completion on the half-typed name offers the record.
    const completion = await client.request<{ items: { label: string }[] }>("textDocument/completion", { textDocument: { uri }, position: { line, character: column + 7 } });
    expect(completion.items.map((i) => i.label)).toContain("Forecast");

    // Fix it again, then hover: the organism's fingerprints.
    client.notify("textDocument/didChange", { textDocument: { uri, version: 3 }, contentChanges: [{ range: { start: { line, character: column }, end: { line, character: column + 7 } }, text: "Forecast" }] });
    await client.waitFor<PublishedDiagnostics>("textDocument/publishDiagnostics", (p) => p.uri === uri && p.version === 3 && p.diagnostics.length === 0);
    const prophetLine = golden.split("\n").findIndex((l) => l.startsWith("organism prophet"));
    const hover = await client.request<{ contents: { value: string } }>("textDocument/hover", { textDocument: { uri }, position: { line: prophetLine, character: 11 } });
    const expected = JSON.parse(readFileSync(join(sharedRoot, "testdata/golden/forecasters.expected.json"), "utf8"));
    expect(hover.contents.value).toContain(JSON.stringify(expected).match(/"prophet":\{"stable_id":"([0-9a-f]{64})"/)?.[1] ?? "stable id");
    expect(hover.contents.value).toMatch(/content hash: `[0-9a-f]{64}`/);

    // Definition into the standard library.
    const importLine = golden.split("\n").findIndex((l) => l.includes("from \"std/validators\""));
    const definition = await client.request<{ uri: string }>("textDocument/definition", { textDocument: { uri }, position: { line: importLine, character: 12 } });
    expect(definition.uri).toMatch(/std\/validators\.coal$/);

    // Rename the record across its uses.
    const recordLine = golden.split("\n").findIndex((l) => l.startsWith("record Forecast"));
    const rename = await client.request<{ changes: Record<string, { newText: string }[]> }>("textDocument/rename", { textDocument: { uri }, position: { line: recordLine, character: 8 }, newName: "Prediction" });
    expect(rename.changes[uri]!.length).toBe(3);
    await expect(client.request("textDocument/rename", { textDocument: { uri }, position: { line: recordLine, character: 8 }, newName: "prophet" })).rejects.toThrow(/cannot rename/);

    // Formatting: the golden file is canonical; an untidy edit is undone by the printer.
    client.notify("textDocument/didChange", { textDocument: { uri, version: 4 }, contentChanges: [{ range: { start: { line: recordLine, character: 6 }, end: { line: recordLine, character: 7 } }, text: "    " }] });
    const edits = await client.request<{ newText: string }[]>("textDocument/formatting", { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
    expect(edits).toHaveLength(1);
    expect(edits[0]!.newText).toBe(golden);
  });

  it("survives malformed messages and requests about unknown documents", async () => {
    // Not JSON; JSON but not JSON-RPC; an unknown method; bad parameters; unknown documents.
    client.sendRaw("{ this is not json");
    client.sendRaw(JSON.stringify({ hello: "world" }));
    await expect(client.request("coal/noSuchMethod", {})).rejects.toThrow();
    const unknown = pathToFileURL(join(directory, "missing.coal")).href;
    expect(await client.request("textDocument/hover", { textDocument: { uri: unknown }, position: { line: 0, character: 0 } })).toBeNull();
    expect(await client.request("textDocument/completion", { textDocument: { uri: "untitled:Untitled-1" }, position: { line: 3, character: 9 } })).toEqual({ isIncomplete: false, items: [] });
    expect(await client.request("textDocument/definition", { textDocument: { uri }, position: { line: 9999, character: -4 } })).toBeNull();
    await client.request("textDocument/hover", { textDocument: null, position: "nowhere" }).catch(() => undefined);
    client.notify("textDocument/didChange", { textDocument: { uri: unknown, version: 9 }, contentChanges: [{ text: "x" }] });
    client.notify("textDocument/didChange", { textDocument: { uri, version: 10 }, contentChanges: [{ range: { start: { line: -5, character: 0 }, end: { line: 99999, character: 0 } }, text: golden }] });
    // Still alive and answering.
    const symbols = await client.request<{ name: string }[]>("textDocument/documentSymbol", { textDocument: { uri } });
    expect(symbols.map((s) => s.name)).toContain("prophet");
    // An orderly shutdown ends the process with 0.
    await client.request("shutdown", null);
    client.notify("exit", null);
    expect(await client.exited()).toBe(0);
  });
});

describe("coalc lsp", () => {
  it("runs the same server through the compiler's CLI", async () => {
    const client = StdioClient.start([join(repoRoot, "compiler/bin/coalc.mjs"), "lsp", "--stdio"]);
    try {
      const init = await client.request<{ serverInfo: { name: string } }>("initialize", { processId: process.pid, rootUri: null, capabilities: {} });
      expect(init.serverInfo.name).toBe("coal-lsp");
      await client.request("shutdown", null);
      client.notify("exit", null);
      expect(await client.exited()).toBe(0);
    } finally {
      client.child.kill();
    }
  });
});
