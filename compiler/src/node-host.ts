// The one adapter from the compiler's host interface to the real file system.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, relative } from "node:path";
import { defaultMaxFileLength } from "@coal/language";
import { HostError, type CompilerHost, type DirectoryEntry, type EntryKind, type HostErrorReason } from "./host.js";

const decoder = new TextDecoder("utf-8", { fatal: true });

export class NodeHost implements CompilerHost {
  readFile(path: string): string {
    try {
      const bytes = readFileSync(path);
      if (bytes.length > defaultMaxFileLength * 3) throw new HostError(path, "too-large");
      return decoder.decode(bytes);
    } catch (error) {
      throw toHostError(path, error);
    }
  }

  stat(path: string): EntryKind | undefined {
    try {
      const stats = statSync(path);
      return stats.isFile() ? "file" : stats.isDirectory() ? "directory" : "other";
    } catch {
      return undefined;
    }
  }

  readDirectory(path: string): readonly DirectoryEntry[] {
    try {
      return readdirSync(path, { withFileTypes: true }).map((entry) => {
        let kind: EntryKind = entry.isFile() ? "file" : entry.isDirectory() ? "directory" : "other";
        // Follow symbolic links to see what they point at.
        if (entry.isSymbolicLink()) kind = this.stat(join(path, entry.name)) ?? "other";
        return { name: entry.name, kind };
      });
    } catch (error) {
      throw toHostError(path, error);
    }
  }

  join(...segments: string[]): string {
    return join(...segments);
  }

  dirname(path: string): string {
    return dirname(path);
  }

  relative(from: string, to: string): string {
    return relative(from, to) || ".";
  }

  isAbsolute(path: string): boolean {
    return isAbsolute(path);
  }
}

function toHostError(path: string, error: unknown): HostError {
  if (error instanceof HostError) return error;
  if (error instanceof TypeError) return new HostError(path, "not-utf8");
  const code = (error as NodeJS.ErrnoException).code;
  const reasons: Record<string, HostErrorReason> = {
    ENOENT: "not-found",
    EACCES: "permission-denied",
    EPERM: "permission-denied",
    EISDIR: "is-a-directory",
    ENOTDIR: "not-a-directory",
  };
  const reason: HostErrorReason = (code === undefined ? undefined : reasons[code]) ?? "other";
  return new HostError(path, reason, reason === "other" ? ((error as Error).message ?? String(error)) : undefined);
}

/** Where the standard library is installed: the `@coal/stdlib` package's `std` directory. */
export function defaultStdlibRoot(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("@coal/stdlib/package.json")), "std");
}

/** A failure to write `path`, as the HostError the CLI reports in one line. */
export function writeError(path: string, error: unknown): HostError {
  const host = toHostError(path, error);
  return new HostError(path, host.reason, host.reason === "other" ? host.description : undefined, "write");
}
