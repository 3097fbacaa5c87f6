// The layers are the folders (ARCHITECTURE.md): language ← compiler ← lsp; runtime imports
// nothing from the repo; the compiler may use the runtime's identity module only. This test
// reads every source file's imports and fails on a forbidden edge.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/files.js";

type Layer = "language" | "compiler" | "lsp" | "runtime";
const layers: readonly Layer[] = ["language", "compiler", "lsp", "runtime"];

/** Which repo packages (and subpaths) each layer may import. */
const allowed: Record<Layer, readonly string[]> = {
  language: [],
  // @coal/stdlib is data: the compiler resolves the package's directory and reads its .coal files.
  compiler: ["@coal/language", "@coal/runtime/identity", "@coal/stdlib"],
  lsp: ["@coal/language", "@coal/compiler"],
  runtime: [],
};

export interface Violation {
  readonly file: string;
  readonly specifier: string;
  readonly reason: string;
}

/** Import specifiers in TypeScript source (comments removed first). */
export function importsOf(source: string): string[] {
  // Comments and template literals (code a generator writes, e.g. `coalc init`'s starter script) are not imports.
  const code = source
    .replace(/\/\*[^]*?\*\//g, "")
    .replace(/(^|[^:"'`])\/\/.*$/gm, "$1")
    .replace(/`(?:\\.|[^`\\])*`/g, "``");
  const specifiers: string[] = [];
  const patterns = [/\b(?:import|export)\b[^"';]*?\bfrom\s*["']([^"']+)["']/g, /\bimport\s*["']([^"']+)["']/g, /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g, /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g];
  for (const pattern of patterns) for (const match of code.matchAll(pattern)) specifiers.push(match[1]!);
  return specifiers;
}

export function checkImport(layer: Layer, file: string, specifier: string): Violation | undefined {
  if (specifier.startsWith(".")) {
    const target = resolve(dirname(file), specifier);
    const own = join(repoRoot, layer) + sep;
    return target.startsWith(own) ? undefined : { file, specifier, reason: `reaches outside ${layer}/ by a relative path` };
  }
  if (specifier.startsWith("@coal/")) {
    const ok = allowed[layer].some((permitted) => specifier === permitted || specifier.startsWith(permitted + "/"));
    return ok ? undefined : { file, specifier, reason: `${layer}/ may not import ${specifier}` };
  }
  return undefined;
}

function sourceFiles(directory: string): string[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" || entry.name === "dist" ? [] : sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

describe("layers", () => {
  it("no source file imports across a forbidden edge", () => {
    const violations: Violation[] = [];
    let checked = 0;
    for (const layer of layers) {
      for (const file of [...sourceFiles(join(repoRoot, layer, "src")), ...sourceFiles(join(repoRoot, layer, "scripts")), ...sourceFiles(join(repoRoot, layer, "bin"))]) {
        checked++;
        for (const specifier of importsOf(readFileSync(file, "utf8"))) {
          const violation = checkImport(layer, file, specifier);
          if (violation !== undefined) violations.push({ ...violation, file: relative(repoRoot, file) });
        }
      }
    }
    expect(checked).toBeGreaterThan(10);
    expect(violations).toEqual([]);
  });

  it("package dependencies follow the same graph", () => {
    for (const layer of layers) {
      const manifest = join(repoRoot, layer, "package.json");
      if (!existsSync(manifest)) continue;
      const dependencies = Object.keys(JSON.parse(readFileSync(manifest, "utf8")).dependencies ?? {}).filter((name) => name.startsWith("@coal/"));
      for (const dependency of dependencies) {
        expect(allowed[layer].some((permitted) => permitted === dependency || permitted.startsWith(dependency + "/")), `${layer} depends on ${dependency}`).toBe(true);
      }
    }
  });

  it("stdlib/ is data, never code", () => {
    const code = sourceFiles(join(repoRoot, "stdlib"));
    expect(code).toEqual([]);
    expect(readdirSync(join(repoRoot, "stdlib", "std")).filter((name) => name.endsWith(".coal")).length).toBe(3);
  });

  it("catches a forbidden import (the check itself can fail)", () => {
    const file = join(repoRoot, "language/src/syntax/parser.ts");
    expect(importsOf('import { x } from "@coal/compiler";\n// import { y } from "@coal/lsp"')).toEqual(["@coal/compiler"]);
    expect(importsOf('import { x } from "@coal/compiler";\nconst starter = `import { Network } from "@coal/runtime/net";`;')).toEqual(["@coal/compiler"]);
    expect(checkImport("language", file, "@coal/compiler")?.reason).toBe("language/ may not import @coal/compiler");
    expect(checkImport("language", file, "../../../compiler/src/index.js")?.reason).toBe("reaches outside language/ by a relative path");
    expect(checkImport("runtime", join(repoRoot, "runtime/src/a.ts"), "@coal/language")).toBeDefined();
    expect(checkImport("compiler", join(repoRoot, "compiler/src/a.ts"), "@coal/runtime/identity")).toBeUndefined();
    expect(checkImport("compiler", join(repoRoot, "compiler/src/a.ts"), "@coal/runtime")).toBeDefined();
    expect(checkImport("compiler", join(repoRoot, "compiler/src/a.ts"), "@coal/lsp")).toBeDefined();
    expect(checkImport("compiler", join(repoRoot, "compiler/src/a.ts"), "chevrotain")).toBeUndefined();
  });
});
