// The compiler's front door: files through a host → a checked program (diagnostics and model).
// The CLI and the language server both come through here, so they cannot disagree.
import type { Diagnostic } from "@coal/language";
import { checkProgram, type CheckedProgram } from "./checker/checker.js";
import type { CompilerHost } from "./host.js";
import { loadProgram, stdModules, type ProgramOptions } from "./program.js";

export interface CompileOptions {
  readonly host: CompilerHost;
  /** The files to check; everything they import is loaded too. */
  readonly entries: readonly string[];
  /** Where the standard library's `.coal` files are. */
  readonly stdlibRoot: string;
  /** The workspace root; by default found from the first entry (see `findWorkspaceRoot`). */
  readonly root?: string;
  /** How files are parsed (see `ProgramOptions.parse`). */
  readonly parse?: ProgramOptions["parse"];
}

export interface Compilation extends CheckedProgram {
  /** Diagnostics in the workspace's own files (the standard library is known to be clean). */
  readonly userDiagnostics: readonly Diagnostic[];
}

export function compile(options: CompileOptions): Compilation {
  const { host } = options;
  const root = options.root ?? findWorkspaceRoot(host, options.entries[0] ?? ".");
  const std = stdModules.map((name) => host.join(options.stdlibRoot, `${name}.coal`));
  const entries = [...options.entries.map((entry) => host.join(entry)).filter((entry) => !std.includes(entry)), ...std];
  const program = loadProgram({ host, root, stdlibRoot: options.stdlibRoot, entries, ...(options.parse === undefined ? {} : { parse: options.parse }) });
  const checked = checkProgram(program);
  const stdPaths = new Set(std);
  return { ...checked, userDiagnostics: checked.diagnostics.filter((d) => d.file === undefined || !stdPaths.has(d.file)) };
}

const rootMarkers = ["coal.lock.json", "package.json", ".git"];

/**
 * The workspace root for a path: the nearest directory at or above it holding `coal.lock.json`,
 * `package.json` or `.git`; failing that, the path's own directory.
 */
export function findWorkspaceRoot(host: CompilerHost, path: string): string {
  const start = host.stat(path) === "directory" ? host.join(path) : host.dirname(host.join(path));
  let directory = start;
  for (let depth = 0; depth < 64; depth++) {
    if (rootMarkers.some((marker) => host.stat(host.join(directory, marker)) !== undefined)) return directory;
    const parent = host.dirname(directory);
    if (parent === directory || parent === "." && directory === ".") break;
    directory = parent;
  }
  return start;
}
