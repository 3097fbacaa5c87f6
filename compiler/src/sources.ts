// Turns the paths a user names (files or directories) into the .coal files to work on.
import { HostError, type CompilerHost } from "./host.js";

/** Directories never searched: dependencies and hidden folders (.git, .tmp, …). */
function skipped(name: string): boolean {
  return name === "node_modules" || name.startsWith(".");
}

/**
 * The .coal files under `paths`, in a stable order, each once. A file named explicitly is taken
 * whatever its extension; directories are searched recursively. Throws `HostError` for a path
 * that does not exist or cannot be read.
 */
export function collectSourceFiles(host: CompilerHost, paths: readonly string[]): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  const add = (path: string): void => {
    if (!seen.has(path)) {
      seen.add(path);
      found.push(path);
    }
  };
  const walk = (directory: string): void => {
    const entries = [...host.readDirectory(directory)].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = host.join(directory, entry.name);
      if (entry.kind === "directory" && !skipped(entry.name)) walk(path);
      else if (entry.kind === "file" && entry.name.endsWith(".coal")) add(path);
    }
  };
  for (const path of paths) {
    const kind = host.stat(path);
    if (kind === undefined) throw new HostError(path, "not-found");
    if (kind === "directory") walk(path);
    else add(path);
  }
  return found;
}
