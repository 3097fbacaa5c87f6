// The language server's features, as files: each `fixtures/*.txtar` is a small workspace with a
// `$0` cursor and a header naming the feature (`feature: hover`); `fixtures/*.expected` is what
// the feature answers there, rendered as text. The features run as the server runs them, on an
// in-memory workspace whose files are open documents. Re-accept with COAL_ACCEPT=1.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import * as lsp from "@coal/lsp";
import { ResponseError, type CompletionList, type DocumentSymbol, type WorkspaceEdit } from "vscode-languageserver";
import { expectFile, repoRoot } from "../support/files.js";
import { openWorkspace, parseFixture, showPosition, showRange, showUri, type Fixture, type TestWorkspace } from "./harness.js";

const directory = join(repoRoot, "test/lsp/fixtures");

function showEdit(edit: WorkspaceEdit | null): string {
  if (edit === null) return "(no edit)\n";
  return Object.entries(edit.changes ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([uri, edits]) => `${showUri(uri)}:\n${edits.map((e) => `  ${showRange(e.range)} ${JSON.stringify(e.newText)}`).join("\n")}`)
    .join("\n") + "\n";
}

function showSymbols(symbols: readonly DocumentSymbol[], indent = ""): string {
  return symbols.map((s) => `${indent}${s.name} (kind ${s.kind}) ${showRange(s.selectionRange)}${s.detail === undefined ? "" : ` — ${s.detail}`}\n${showSymbols(s.children ?? [], indent + "  ")}`).join("");
}

/** Runs a fixture's feature at its cursor and renders the answer. */
function run(fixture: Fixture, workspace: TestWorkspace): string {
  const feature = fixture.header.get("feature") ?? "diagnostics";
  const argument = fixture.header.get("argument") ?? "";
  const cursor = fixture.cursor;
  const file = cursor?.file ?? [...fixture.files.keys()][0]!;
  const textDocument = { uri: workspace.uri(file) };
  const position = cursor === undefined ? { line: 0, character: 0 } : workspace.position(file, cursor.offset);
  const session = workspace.session;
  try {
    switch (feature) {
      case "diagnostics": {
        let out = "";
        for (const name of fixture.files.keys()) {
          for (const d of lsp.documentDiagnostics(session, workspace.uri(name))) {
            out += `${name}:${showRange(d.range)} ${d.severity === 1 ? "error" : "warning"} ${String(d.code)}: ${String(d.message).replace(/\n/g, "\n    ")}\n`;
            const actions = lsp.codeActions(session, { textDocument: { uri: workspace.uri(name) }, range: d.range, context: { diagnostics: [d] } });
            for (const action of actions.filter((a) => a.diagnostics?.[0]?.code === d.code)) out += `  fix: ${action.title}\n${showEdit(action.edit ?? null).replace(/^/gm, "    ").trimEnd()}\n`;
          }
        }
        return out || "(no diagnostics)\n";
      }
      case "completion": {
        const list = lsp.completion(session, { textDocument, position }) as CompletionList;
        return list.items.map((item) => `${item.label} (${item.kind})${item.textEdit && "newText" in item.textEdit && item.textEdit.newText !== item.label ? ` → ${JSON.stringify(item.textEdit.newText)}` : ""}${item.detail !== undefined && item.detail !== item.label ? ` — ${item.detail}` : ""}\n`).join("") || "(no completions)\n";
      }
      case "hover": {
        const hover = lsp.hover(session, { textDocument, position });
        return hover === null ? "(no hover)\n" : `${showRange(hover.range!)}\n${(hover.contents as { value: string }).value}\n`;
      }
      case "definition": {
        const location = lsp.definition(session, { textDocument, position });
        return location === null ? "(no definition)\n" : `${showUri(location.uri)}:${showRange(location.range)}\n`;
      }
      case "references":
        return lsp.references(session, { textDocument, position, context: { includeDeclaration: argument !== "no-declaration" } }).map((l) => `${showUri(l.uri)}:${showRange(l.range)}\n`).join("") || "(no references)\n";
      case "rename": {
        const prepared = lsp.prepareRename(session, { textDocument, position });
        return `prepare: ${prepared === null ? "null" : `${showRange(prepared.range)} ${prepared.placeholder}`}\n${showEdit(lsp.rename(session, { textDocument, position, newName: argument }))}`;
      }
      case "symbols":
        return showSymbols(lsp.documentSymbols(session, { textDocument }));
      case "workspace-symbols":
        return lsp.workspaceSymbols(session, { query: argument }).map((s) => `${s.name} (kind ${s.kind}) ${showUri(s.location.uri)}:${showRange((s.location as { range: import("vscode-languageserver").Range }).range)}\n`).join("") || "(no symbols)\n";
      case "semantic-tokens": {
        const data = lsp.semanticTokens(session, { textDocument }).data;
        const text = workspace.text(file).split(/\r\n|\r|\n/);
        let line = 0;
        let character = 0;
        let out = "";
        for (let i = 0; i < data.length; i += 5) {
          line += data[i]!;
          character = data[i]! === 0 ? character + data[i + 1]! : data[i + 1]!;
          const modifiers = lsp.tokenModifiers.filter((_, bit) => (data[i + 4]! >> bit) & 1);
          out += `${line + 1}:${character + 1} ${JSON.stringify(text[line]!.slice(character, character + data[i + 2]!))} ${lsp.tokenTypes[data[i + 3]!]}${modifiers.length > 0 ? ` [${modifiers.join(", ")}]` : ""}\n`;
        }
        return out;
      }
      case "folding":
        return lsp.foldingRanges(session, { textDocument }).map((r) => `${r.startLine + 1}-${r.endLine + 1}${r.kind === undefined ? "" : ` ${r.kind}`}\n`).join("") || "(no folding ranges)\n";
      case "formatting": {
        const edits = lsp.formatting(session, { textDocument, options: { tabSize: 2, insertSpaces: true } });
        return edits.length === 0 ? "(no edits)\n" : edits.map((e) => `${showRange(e.range)}\n${e.newText}`).join("");
      }
      case "signature-help": {
        const help = lsp.signatureHelp(session, { textDocument, position });
        if (help === null) return "(no signature help)\n";
        const signature = help.signatures[0]!;
        const active = signature.parameters?.[help.activeParameter ?? 0]?.label as [number, number] | undefined;
        return `${signature.label}\nactive: ${active === undefined ? "none" : signature.label.slice(active[0], active[1])}\n${typeof signature.documentation === "object" ? signature.documentation.value + "\n" : ""}`;
      }
      case "inlay-hints": {
        const lineCount = workspace.text(file).split("\n").length;
        return lsp.inlayHints(session, { textDocument, range: { start: { line: 0, character: 0 }, end: { line: lineCount, character: 0 } } }).map((h) => `${showPosition(h.position)} ${String(h.label)}\n`).join("") || "(no hints)\n";
      }
      case "code-lens": {
        const lenses = lsp.codeLenses(session, { textDocument }).map((lens) => lsp.resolveCodeLens(session, lens));
        let out = lenses.map((lens) => `${showRange(lens.range)} ${lens.command?.title}\n`).join("");
        const first = lenses.find((lens) => lens.command?.command === lsp.explainCommand);
        if (first !== undefined) out += `\n${lsp.explainAt(session, first.command!.arguments![0], first.command!.arguments![1])}`;
        return out || "(no lenses)\n";
      }
      case "code-actions": {
        const actions = lsp.codeActions(session, { textDocument, range: { start: position, end: position }, context: { diagnostics: [] } });
        return actions.map((a) => `${a.title}\n${showEdit(a.edit ?? null).replace(/^/gm, "  ")}`).join("") || "(no actions)\n";
      }
      default:
        throw new Error(`unknown feature ${feature}`);
    }
  } catch (error) {
    if (error instanceof ResponseError) return `refused: ${error.message}\n`;
    throw error;
  }
}

describe("language server features", () => {
  for (const name of readdirSync(directory).filter((n) => n.endsWith(".txtar")).sort()) {
    it(name.replace(/\.txtar$/, ""), () => {
      const fixture = parseFixture(readFileSync(join(directory, name), "utf8"));
      const workspace = openWorkspace(fixture.files);
      expectFile(join(directory, name.replace(/\.txtar$/, ".expected")), run(fixture, workspace));
    });
  }
});
