// What every feature works on: the workspaces, and how URIs map to the host's paths. Features
// are functions of a session and LSP parameters, so tests call them on an in-memory session and
// the server calls the same functions from its handlers.
import { fileURLToPath, pathToFileURL } from "node:url";
import type { CompilerHost, NameIndex, Program, SourceUnit } from "@coal/compiler";
import type { LineIndex } from "./text/positions.js";
import { Workspace, WorkspaceSet, type Document, type PathMapper } from "./workspace/workspace.js";

export interface SessionOptions {
  readonly host: CompilerHost;
  readonly stdlibRoot: string;
  /** Workspace roots (from `initialize`); more are made for files outside them. */
  readonly roots: readonly string[];
  readonly paths?: PathMapper;
}

/** `file:` URIs ↔ file-system paths (the real server's mapping). */
export const fileUris: PathMapper = {
  toPath(uri) {
    if (!uri.startsWith("file:")) return undefined;
    try {
      return fileURLToPath(uri);
    } catch {
      return undefined;
    }
  },
  toUri(path) {
    return pathToFileURL(path).href;
  },
};

/** A file as a request sees it: its workspace, program snapshot, syntax and line index. */
export interface FileContext {
  readonly uri: string;
  readonly path: string;
  readonly workspace: Workspace;
  readonly document: Document | undefined;
  readonly program: Program;
  readonly unit: SourceUnit;
  readonly names: NameIndex;
  readonly lines: LineIndex;
}

export class Session {
  readonly workspaces: WorkspaceSet;
  readonly paths: PathMapper;

  constructor(readonly options: SessionOptions) {
    this.paths = options.paths ?? fileUris;
    this.workspaces = new WorkspaceSet((root) => new Workspace({ host: options.host, root, stdlibRoot: options.stdlibRoot, paths: this.paths }), options.host, options.roots);
  }

  get stdlibRoot(): string {
    return this.options.stdlibRoot;
  }

  workspaceOf(uri: string): { workspace: Workspace; path: string } | undefined {
    const path = this.paths.toPath(uri);
    if (path === undefined) return undefined;
    const normal = this.options.host.join(path);
    return { workspace: this.workspaces.for(normal), path: normal };
  }

  /** The request's file, open or on disk; undefined for an unknown or unreadable document. */
  context(uri: string): FileContext | undefined {
    const found = this.workspaceOf(uri);
    if (found === undefined) return undefined;
    const { workspace, path } = found;
    if (!workspace.has(path)) return undefined;
    let program: Program;
    try {
      program = workspace.programFor(path);
    } catch {
      return undefined;
    }
    const unit = program.units.get(path);
    const lines = workspace.lines(path);
    if (unit === undefined || lines === undefined) return undefined;
    return { uri, path, workspace, document: workspace.document(path), program, unit, names: workspace.names(program), lines };
  }

  uriOf(path: string): string {
    return this.paths.toUri(path);
  }
}
