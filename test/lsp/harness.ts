// An in-memory workspace for the language server's features: files from a fixture (with one
// `$0` cursor marker), the real standard library, and a session whose documents are open. URIs
// are `file:///ws/<name>`; the host's paths are `ws/<name>`.
import { parseTxtar } from "../support/txtar.js";
import { MemoryHost } from "@coal/compiler";
import { Session, type PathMapper } from "@coal/lsp";
import type { Position, Range } from "vscode-languageserver";
import { memoryStdlibRoot, stdlibFiles } from "../support/stdlib.js";

export const memoryUris: PathMapper = {
  toPath: (uri) => (uri.startsWith("file:///") ? decodeURIComponent(uri.slice("file:///".length)) : undefined),
  toUri: (path) => `file:///${path}`,
};

export const cursorMarker = "$0";

export interface Fixture {
  /** Header lines before the first file: `key: value`. */
  readonly header: ReadonlyMap<string, string>;
  /** Files by name, markers removed. */
  readonly files: ReadonlyMap<string, string>;
  /** The file holding the cursor, and the cursor's offset in it. */
  readonly cursor?: { readonly file: string; readonly offset: number };
}

/** A txtar-like fixture: `key: value` header lines, then `-- name.coal --` sections. */
export function parseFixture(text: string): Fixture {
  const { preamble, files } = parseTxtar(text);
  const header = new Map<string, string>();
  for (const line of preamble) {
    const pair = /^(\w[\w-]*):\s*(.*)$/.exec(line);
    if (pair !== null) header.set(pair[1]!, pair[2]!);
  }
  let cursor: Fixture["cursor"];
  for (const [name, content] of files) {
    const at = content.indexOf(cursorMarker);
    if (at < 0) continue;
    cursor = { file: name, offset: at };
    files.set(name, content.slice(0, at) + content.slice(at + cursorMarker.length));
  }
  return { header, files, ...(cursor === undefined ? {} : { cursor }) };
}

export interface TestWorkspace {
  readonly session: Session;
  readonly host: MemoryHost;
  uri(name: string): string;
  /** The LSP position of an offset in a file. */
  position(name: string, offset: number): Position;
  text(name: string): string;
}

/** A session over `files` (in `ws/`), each opened as a document at version 1. */
export function openWorkspace(files: ReadonlyMap<string, string> | Record<string, string>, options: { open?: boolean } = {}): TestWorkspace {
  const entries = files instanceof Map ? [...files] : Object.entries(files);
  const host = new MemoryHost({ ...stdlibFiles(), ...Object.fromEntries(entries.map(([name, text]) => [`ws/${name}`, text])), "ws/package.json": "{}" });
  const session = new Session({ host, stdlibRoot: memoryStdlibRoot, roots: ["ws"], paths: memoryUris });
  const uri = (name: string) => memoryUris.toUri(name.startsWith(".coal-std") ? name : `ws/${name}`);
  if (options.open !== false) {
    for (const [name, text] of entries) {
      const found = session.workspaceOf(uri(name))!;
      found.workspace.open(uri(name), found.path, 1, text);
      found.workspace.fullCheck(found.workspace.document(found.path)!);
    }
  }
  const text = (name: string) => host.readFile(name.startsWith(".coal-std") ? name : `ws/${name}`);
  return {
    session,
    host,
    uri,
    text,
    position(name, offset) {
      const content = text(name);
      const before = content.slice(0, offset);
      const line = before.split(/\r\n|\r|\n/).length - 1;
      const lineStart = Math.max(before.lastIndexOf("\n"), before.lastIndexOf("\r")) + 1;
      return { line, character: offset - lineStart };
    },
  };
}

/** `L:C` (1-based) of a position, `L:C-L:C` of a range: how expected files show places. */
export function showPosition(position: Position): string {
  return `${position.line + 1}:${position.character + 1}`;
}

export function showRange(range: Range): string {
  return `${showPosition(range.start)}-${showPosition(range.end)}`;
}

/** A URI as a fixture file name. */
export function showUri(uri: string): string {
  return uri.replace(/^file:\/\/\/(ws\/)?/, "");
}
