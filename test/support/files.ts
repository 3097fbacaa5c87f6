// Tests are files: inputs and expected outputs side by side. `expectFile` compares an actual
// output with its expected file; with COAL_ACCEPT=1 it (re)writes the expected file instead.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The shared test data, outside the repository (never copied in). */
export const sharedRoot = join(repoRoot, "..", "shared");

export const accepting = process.env["COAL_ACCEPT"] === "1";

export function expectFile(path: string, actual: string): void {
  if (accepting) {
    if (!existsSync(path) || readFileSync(path, "utf8") !== actual) writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) {
    throw new Error(`missing expected file ${relative(repoRoot, path)}; run with COAL_ACCEPT=1 to create it`);
  }
  expect(actual, `${relative(repoRoot, path)} (re-accept with COAL_ACCEPT=1)`).toBe(readFileSync(path, "utf8"));
}

/** The `.coal` files of a directory, sorted. */
export function coalFiles(directory: string): string[] {
  return readdirSync(directory)
    .filter((name) => name.endsWith(".coal"))
    .sort()
    .map((name) => join(directory, name));
}

export function readText(path: string): string {
  return readFileSync(path, "utf8");
}

export function stem(path: string): string {
  return basename(path).replace(/\.coal$/, "");
}
