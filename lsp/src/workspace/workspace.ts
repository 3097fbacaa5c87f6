// One incremental program per workspace. Open documents shadow the disk through an overlay
// host; each document keeps its text, version and parse (updated item by item as it is
// edited); every file's parse is cached against its text, so building a program after a
// keystroke costs a map lookup per file. Programs are built on demand — the "closure" of a file
// (it, what it imports, whichever file declares the universe, the standard library), or the
// whole workspace for references and rename — and cached until the next change (the
// generation), so every request between two edits sees one immutable snapshot.
import { checkItems, checkProgram, findWorkspaceRoot, itemAt, itemStart, loadProgram, NameIndex, type CheckedProgram, type CompilerHost, type Program } from "@coal/compiler";
import { compareDiagnostics, parse, syntaxCatalogue, type Diagnostic, type Item, type ParseResult, type Range } from "@coal/language";
import { LineIndex, type OffsetEdit } from "../text/positions.js";
import { OverlayHost } from "./overlay-host.js";
import { incrementalMinLength, reparse, shift } from "./reparse.js";
import { note, phase } from "../trace.js";

/** Converts between document URIs and the host's paths. */
export interface PathMapper {
  toPath(uri: string): string | undefined;
  toUri(path: string): string;
}

export interface WorkspaceOptions {
  readonly host: CompilerHost;
  readonly root: string;
  readonly stdlibRoot: string;
  readonly paths: PathMapper;
}

export class Document {
  /** Checker and loader diagnostics of this file, in the current text's offsets. */
  semantic: Diagnostic[] = [];
  /** The version `semantic` was computed for by a full check; undefined after an edit. */
  checkedVersion: number | undefined;
  /** Regions of the current text changed since the last check. */
  dirty: Range[] = [];
  private index: LineIndex | undefined;

  constructor(
    readonly uri: string,
    readonly path: string,
    public version: number,
    public text: string,
    public parsed: ParseResult,
  ) {}

  get lines(): LineIndex {
    if (this.index === undefined || this.index.text !== this.text) this.index = new LineIndex(this.text);
    return this.index;
  }

  /**
   * Applies one edit: the text, its parse (incrementally), and the diagnostics' offsets. The
   * document owns its parse: the untouched syntax after the edit is moved in place (see
   * `reparse`), so nothing may hold on to a document's parse across an edit but the document.
   */
  edit(edit: OffsetEdit): void {
    const text = this.text.slice(0, edit.start) + edit.newText + this.text.slice(edit.end);
    const delta = edit.newText.length - (edit.end - edit.start);
    const moved = (range: Range) => range.start >= edit.end;
    const kept = (range: Range) => range.end <= edit.start && range.start < edit.start;
    // Before the parse moves: a checker diagnostic's related ranges and fixes may be its nodes.
    this.semantic = [...this.semantic.filter((d) => kept(d.range)), ...shift(this.semantic.filter((d) => moved(d.range)), delta)];
    const result = phase("reparse", () => reparse(this.text, this.parsed, edit, text, incrementalMinLength, true));
    note("full", result.full);
    this.dirty = result.full ? [{ start: 0, end: text.length }] : [...this.dirty.filter(kept), ...shift(this.dirty.filter(moved), delta), result.region];
    this.text = text;
    this.parsed = result.parsed;
    this.checkedVersion = undefined;
  }

  /** Everything to publish: syntax diagnostics, then the checker's, in source order. */
  diagnostics(): Diagnostic[] {
    return [...this.parsed.diagnostics, ...this.semantic].sort(compareDiagnostics);
  }
}

interface ProgramCache {
  names?: NameIndex;
  checked?: CheckedProgram;
  readonly slices: Map<Item, CheckedProgram>;
}

/** Workspaces up to this many characters of `.coal` text are checked whole (`programFor`). */
export const smallWorkspaceLength = 512 * 1024;

/** Limits on listing a workspace's files, so a root opened at `/` cannot stall the server. */
const maxListedFiles = 20_000;
const maxVisitedDirectories = 5_000;

export class Workspace {
  readonly host: OverlayHost;
  private readonly documents = new Map<string, Document>();
  private readonly parses = new Map<string, { text: string; parsed: ParseResult }>();
  private generation = 0;
  private fileList: string[] | undefined;
  private closures = new Map<string, Program>();
  private wholeProgram: Program | undefined;
  /** What is computed from this generation's programs: name indexes, checks, checked slices. */
  private perProgram = new Map<Program, ProgramCache>();
  private readonly universeTexts = new Map<string, { text: string; declares: boolean }>();

  constructor(readonly options: WorkspaceOptions) {
    this.host = new OverlayHost(options.host);
  }

  get root(): string {
    return this.options.root;
  }

  /** Bumped by every change; caches keyed by it are dropped. */
  get version(): number {
    return this.generation;
  }

  /**
   * A new generation: what was built for the last one is dropped — by replacing the maps, never
   * with `clear()`, and never through weak maps keyed by program. V8's young-generation
   * collections treat a long-lived weak map's entries as live, and a cleared map's old table
   * still points at its entries and its successor; either way every keystroke's program, name
   * index and checks survived those collections and were promoted before they could die, and
   * copying them was most of a collection's pause (10–100 ms, every few keystrokes).
   */
  private changed(): void {
    this.generation++;
    this.closures = new Map();
    this.wholeProgram = undefined;
    this.perProgram = new Map();
  }

  private cacheOf(program: Program): ProgramCache {
    let cache = this.perProgram.get(program);
    if (cache === undefined) {
      cache = { slices: new Map() };
      this.perProgram.set(program, cache);
    }
    return cache;
  }

  // -------------------------------------------------------------------------------------------
  // Documents

  open(uri: string, path: string, version: number, text: string): Document {
    const document = new Document(uri, path, version, text, this.parseOf(path, text));
    document.dirty = [{ start: 0, end: text.length }];
    this.documents.set(path, document);
    this.host.set(path, text);
    if (this.fileList !== undefined && !this.fileList.includes(path)) this.fileList.push(path);
    this.changed();
    return document;
  }

  change(path: string, version: number, edits: readonly OffsetEdit[]): Document | undefined {
    const document = this.documents.get(path);
    if (document === undefined) return undefined;
    // The document's parse is about to change in place: the cache must not hand it out for the
    // text it was parsed from.
    if (this.parses.get(path)?.parsed === document.parsed) this.parses.delete(path);
    for (const edit of edits) document.edit(edit);
    document.version = version;
    this.host.set(path, document.text);
    this.changed();
    return document;
  }

  close(path: string): void {
    this.documents.delete(path);
    this.host.delete(path);
    this.changed();
  }

  /** Files changed on disk (not through an open document). */
  filesChanged(paths: readonly string[], created: boolean): void {
    for (const path of paths) {
      this.host.invalidate(path);
      this.parses.delete(path);
    }
    if (created) this.fileList = undefined;
    this.changed();
  }

  document(path: string): Document | undefined {
    return this.documents.get(path);
  }

  openDocuments(): Document[] {
    return [...this.documents.values()];
  }

  // -------------------------------------------------------------------------------------------
  // Files and programs

  /** A file's parse, from the open document or the cache when the text is the same. */
  private parseOf(path: string, text: string): ParseResult {
    const open = this.documents.get(path);
    if (open !== undefined && open.text === text) return open.parsed;
    const cached = this.parses.get(path);
    if (cached !== undefined && cached.text === text) return cached.parsed;
    const parsed = parse(text);
    this.parses.set(path, { text, parsed });
    return parsed;
  }

  /** The text of a file as the compiler sees it (an open document's, else the disk's). */
  text(path: string): string | undefined {
    try {
      return this.host.readFile(path);
    } catch {
      return undefined;
    }
  }

  lines(path: string): LineIndex | undefined {
    const open = this.documents.get(path);
    if (open !== undefined) return open.lines;
    const text = this.text(path);
    return text === undefined ? undefined : new LineIndex(text);
  }

  /** The workspace's `.coal` files (bounded: see `maxListedFiles`). */
  files(): readonly string[] {
    if (this.fileList === undefined) {
      const found: string[] = [];
      let directories = 0;
      const walk = (directory: string): void => {
        if (found.length >= maxListedFiles || directories++ >= maxVisitedDirectories) return;
        let entries;
        try {
          entries = [...this.host.readDirectory(directory)].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        } catch {
          return;
        }
        for (const entry of entries) {
          const path = this.host.join(directory, entry.name);
          if (entry.kind === "directory" && entry.name !== "node_modules" && !entry.name.startsWith(".")) walk(path);
          else if (entry.kind === "file" && entry.name.endsWith(".coal")) found.push(path);
        }
      };
      walk(this.root);
      for (const document of this.documents.values()) if (!found.includes(document.path)) found.push(document.path);
      this.fileList = found;
    }
    return this.fileList;
  }

  /** Files that may declare the universe (which changes every stable id): a cheap text scan. */
  private universeFiles(): string[] {
    const found: string[] = [];
    for (const path of this.files()) {
      const text = this.text(path);
      if (text === undefined) continue;
      let entry = this.universeTexts.get(path);
      if (entry === undefined || entry.text !== text) {
        entry = { text, declares: /(^|[\n\r}])[ \t]*universe\b/.test(text) };
        this.universeTexts.set(path, entry);
      }
      if (entry.declares) found.push(path);
    }
    return found;
  }

  private load(entries: readonly string[]): Program {
    const std = ["types", "validators", "services"].map((name) => this.host.join(this.options.stdlibRoot, `${name}.coal`));
    return loadProgram({
      host: this.host,
      root: this.root,
      stdlibRoot: this.options.stdlibRoot,
      entries: [...new Set([...entries, ...std])],
      parse: (path, text) => this.parseOf(path, text),
    });
  }

  /** A file, what it imports, the universe's file and the standard library. */
  closure(path: string): Program {
    let program = this.closures.get(path);
    if (program === undefined) {
      program = this.load([path, ...this.universeFiles().filter((file) => file !== path)]);
      this.closures.set(path, program);
    }
    return program;
  }

  /**
   * The program requests and full checks of a file see. A small workspace is checked whole, as
   * `coalc check` checks it: diagnostics that compare files (shared instance names, an import
   * fix naming a file the current one does not import yet) are then exact. A large one is
   * checked per file closure, so a keystroke in one shard never waits for the other ninety-nine.
   */
  programFor(path: string): Program {
    return this.isSmall() ? this.whole() : this.closure(path);
  }

  private smallAt: { generation: number; small: boolean } | undefined;
  private isSmall(): boolean {
    if (this.smallAt?.generation !== this.generation) {
      let total = 0;
      for (const path of this.files()) {
        total += this.text(path)?.length ?? 0;
        if (total > smallWorkspaceLength) break;
      }
      this.smallAt = { generation: this.generation, small: total <= smallWorkspaceLength };
    }
    return this.smallAt.small;
  }

  /** Every file of the workspace: for references, rename and workspace symbols. */
  whole(): Program {
    if (this.wholeProgram === undefined) {
      const readable = this.files().filter((path) => this.text(path) !== undefined);
      this.wholeProgram = this.load(readable);
    }
    return this.wholeProgram;
  }

  names(program: Program): NameIndex {
    const cache = this.cacheOf(program);
    return (cache.names ??= new NameIndex(program));
  }

  checked(program: Program): CheckedProgram {
    const cache = this.cacheOf(program);
    return (cache.checked ??= checkProgram(program));
  }

  /** The checked program if it was already checked (by a full check), without checking. */
  checkedIfReady(program: Program): CheckedProgram | undefined {
    return this.perProgram.get(program)?.checked;
  }

  /** Checked slices of `program` by declaration (for fingerprints), until the next change. */
  slices(program: Program): Map<Item, CheckedProgram> {
    return this.cacheOf(program).slices;
  }

  /** Whether a path is readable as a `.coal` file here (open, or on disk). */
  has(path: string): boolean {
    return this.documents.has(path) || (this.host.stat(path) === "file" && this.text(path) !== undefined);
  }

  // -------------------------------------------------------------------------------------------
  // Checking

  /**
   * Fresh diagnostics for what changed since the last check, fast: the items the edits touched
   * are checked through a slice of the program (they and what they name), and the rest of the
   * file keeps its diagnostics. Edits to imports or the universe, small files and whole-file
   * parses take the full check instead.
   */
  quickCheck(document: Document): void {
    if (document.dirty.length === 0) return;
    const items = document.parsed.file.items.filter((item) => document.dirty.some((range) => itemStart(item) <= range.end && item.end >= range.start));
    const whole = document.dirty.some((range) => range.start === 0 && range.end === document.text.length);
    if (whole || document.text.length < incrementalMinLength || items.some((item) => item.kind === "ImportDecl" || item.kind === "UniverseDecl")) {
      this.fullCheck(document);
      return;
    }
    const program = phase("program", () => this.programFor(document.path));
    const chosen = new Set<Item>(items);
    note("items", items.length);
    const fresh = items.length === 0 ? [] : phase("slice", () => checkItems(program, document.path, items, this.names(program)).diagnostics);
    const stale = (d: Diagnostic) => {
      const item = itemAt(document.parsed.file, d.range.start);
      return (item !== undefined && chosen.has(item)) || document.dirty.some((range) => range.start <= d.range.start && d.range.start <= range.end);
    };
    phase("merge", () => (document.semantic = oncePerName([...document.semantic.filter((d) => !stale(d)), ...fresh].sort(compareDiagnostics))));
    document.dirty = [];
  }

  /** Takes a full check's diagnostics computed elsewhere (the worker) for `version`. */
  acceptFullCheck(document: Document, version: number, diagnostics: readonly Diagnostic[]): boolean {
    if (this.documents.get(document.path) !== document || document.version !== version) return false;
    document.semantic = [...diagnostics];
    document.dirty = [];
    document.checkedVersion = version;
    return true;
  }

  /** The authoritative diagnostics of a document: its closure, checked whole. */
  fullCheck(document: Document): CheckedProgram {
    note("fullCheck", true);
    const checked = this.checked(this.programFor(document.path));
    document.semantic = checked.diagnostics.filter((d) => d.file === document.path && !(d.code in syntaxCatalogue));
    document.dirty = [];
    document.checkedVersion = document.version;
    return checked;
  }
}

/** An unresolved name is reported once per file (at its first use); a slice cannot know which
 *  use is first, so merged diagnostics keep the first of each name. */
function oncePerName(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    if (d.code !== "E0205") return true;
    const name = /`([^`]*)`\.?$/.exec(d.message)?.[1] ?? d.message;
    if (seen.has(name)) return false;
    seen.add(name);
    return true;
  });
}

/** The workspaces of a server, one per root; a file outside every root gets its own. */
export class WorkspaceSet {
  private readonly workspaces: Workspace[] = [];

  constructor(
    private readonly make: (root: string) => Workspace,
    private readonly host: CompilerHost,
    roots: readonly string[],
  ) {
    for (const root of roots) this.workspaces.push(make(root));
  }

  all(): readonly Workspace[] {
    return this.workspaces;
  }

  /** The workspace a path belongs to (the deepest root holding it), created if need be. */
  for(path: string): Workspace {
    let best: Workspace | undefined;
    for (const workspace of this.workspaces) {
      const relative = this.host.relative(workspace.root, path);
      if (relative.startsWith("..") || this.host.isAbsolute(relative)) continue;
      if (best === undefined || workspace.root.length > best.root.length) best = workspace;
    }
    if (best === undefined) {
      best = this.make(findWorkspaceRoot(this.host, path));
      this.workspaces.push(best);
    }
    return best;
  }
}
