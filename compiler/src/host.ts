// The compiler reaches the world only through a host: tests and the language server pass
// in-memory or overlay hosts, and `node-host.ts` is the one place that touches `node:fs`.

export type EntryKind = "file" | "directory" | "other";

export interface DirectoryEntry {
  readonly name: string;
  readonly kind: EntryKind;
}

export interface CompilerHost {
  /** The file's text. Throws a `HostError` if it cannot be read. */
  readFile(path: string): string;
  /** What is at `path`, or undefined if nothing is. */
  stat(path: string): EntryKind | undefined;
  /** The entries of a directory. Throws a `HostError` if it cannot be read. */
  readDirectory(path: string): readonly DirectoryEntry[];
  /** Joins path segments the way the host's paths work, normalising `.` and `..`. */
  join(...segments: string[]): string;
  /** The directory part of a path. */
  dirname(path: string): string;
  /** The path from `from` to `to`, `..` segments first when `to` lies outside `from`. */
  relative(from: string, to: string): string;
  /** Whether a path is absolute. */
  isAbsolute(path: string): boolean;
}

export type HostErrorReason = "not-found" | "permission-denied" | "is-a-directory" | "not-a-directory" | "too-large" | "not-utf8" | "other";

/** An operating error reading input: the CLI turns it into one line and exit code 2. */
export class HostError extends Error {
  constructor(
    readonly path: string,
    readonly reason: HostErrorReason,
    detail?: string,
    /** Whether reading or writing failed. */
    readonly operation: "read" | "write" = "read",
  ) {
    super(`${path}: ${detail ?? reason}`);
    this.name = "HostError";
  }

  /** "no such file or directory", in the words people expect. */
  get description(): string {
    switch (this.reason) {
      case "not-found":
        return "no such file or directory";
      case "permission-denied":
        return "permission denied";
      case "is-a-directory":
        return "is a directory";
      case "not-a-directory":
        return "not a directory";
      case "too-large":
        return "file too large";
      case "not-utf8":
        return "not valid UTF-8 text";
      case "other":
        return this.message.slice(this.path.length + 2);
    }
  }
}

/** A host over a fixed set of files, for tests and tools. Directories are implied by paths. */
export class MemoryHost implements CompilerHost {
  private readonly files = new Map<string, string>();

  constructor(files: Record<string, string> | Iterable<[string, string]> = {}) {
    const entries = Symbol.iterator in files ? (files as Iterable<[string, string]>) : Object.entries(files);
    for (const [path, text] of entries) this.files.set(normalize(path), text);
  }

  write(path: string, text: string): void {
    this.files.set(normalize(path), text);
  }

  readFile(path: string): string {
    const text = this.files.get(normalize(path));
    if (text !== undefined) return text;
    throw new HostError(path, this.stat(path) === "directory" ? "is-a-directory" : "not-found");
  }

  stat(path: string): EntryKind | undefined {
    const key = normalize(path);
    if (this.files.has(key)) return "file";
    const prefix = key === "." ? "" : key + "/";
    for (const file of this.files.keys()) if (file.startsWith(prefix)) return "directory";
    return undefined;
  }

  readDirectory(path: string): readonly DirectoryEntry[] {
    const key = normalize(path);
    if (this.stat(path) !== "directory") throw new HostError(path, this.files.has(key) ? "not-a-directory" : "not-found");
    const prefix = key === "." ? "" : key + "/";
    const entries = new Map<string, EntryKind>();
    for (const file of this.files.keys()) {
      if (!file.startsWith(prefix)) continue;
      const rest = file.slice(prefix.length);
      const slash = rest.indexOf("/");
      if (slash < 0) entries.set(rest, "file");
      else entries.set(rest.slice(0, slash), "directory");
    }
    return [...entries].map(([name, kind]) => ({ name, kind }));
  }

  join(...segments: string[]): string {
    return normalize(segments.join("/"));
  }

  dirname(path: string): string {
    const key = normalize(path);
    const slash = key.lastIndexOf("/");
    return slash < 0 ? "." : key.slice(0, slash);
  }

  relative(from: string, to: string): string {
    const a = normalize(from).split("/").filter((part) => part !== ".");
    const b = normalize(to).split("/").filter((part) => part !== ".");
    let common = 0;
    while (common < a.length && common < b.length && a[common] === b[common]) common++;
    return [...a.slice(common).map(() => ".."), ...b.slice(common)].join("/") || ".";
  }

  isAbsolute(path: string): boolean {
    return path.startsWith("/");
  }
}

function normalize(path: string): string {
  const parts: string[] = [];
  for (const part of path.replace(/\\/g, "/").split("/")) {
    if (part === "" || part === ".") continue;
    if (part === ".." && parts.length > 0 && parts[parts.length - 1] !== "..") parts.pop();
    else parts.push(part);
  }
  return parts.length === 0 ? "." : parts.join("/");
}
