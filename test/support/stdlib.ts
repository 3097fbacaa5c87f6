// The real standard library, for in-memory hosts: its files under a hidden directory (so that
// `coalc check .` does not list them as the workspace's own).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./files.js";

export const memoryStdlibRoot = ".coal-std";

let cached: Record<string, string> | undefined;
export function stdlibFiles(): Record<string, string> {
  if (cached === undefined) {
    const directory = join(repoRoot, "stdlib", "std");
    cached = Object.fromEntries(readdirSync(directory).filter((name) => name.endsWith(".coal")).map((name) => [`${memoryStdlibRoot}/${name}`, readFileSync(join(directory, name), "utf8")]));
  }
  return cached;
}
