// `coalc build [entry…] [--out dir]`: writes `<coalition>.manifest.json` per coalition (or one for
// a workspace without a coalition) and their JSON Schema into the output directory, and
// `coal.lock.json` at the workspace root.
import { findWorkspaceRoot } from "../compile.js";
import { lockFile } from "../emit/lock.js";
import { ManifestBuilder, manifestSchemaFile, reachable, stableJson, type EmittedFile } from "../emit/manifest.js";
import { manifestSchema } from "../emit/manifest-schema.js";
import { Fingerprinter } from "../fingerprints.js";
import type { Compilation } from "../compile.js";
import type { ConfluenceModel, OrganismModel, Origin } from "../model.js";
import type { CompilerHost } from "../host.js";
import { LineMap } from "@coal/language";
import { compileForOutput } from "./fingerprint-command.js";
import { exitCodes, type CliIo } from "./io.js";
import type { CommonOptions } from "./main.js";

export interface BuildOptions extends CommonOptions {
  readonly out?: string;
}

export const lockFileName = "coal.lock.json";

/** `path:line:column`, the path relative to the workspace root, `/`-separated. */
export function relativeOrigins(result: Compilation, host: CompilerHost, root: string): (origin: unknown) => string | undefined {
  const maps = new Map<string, LineMap>();
  return (origin) => {
    const o = origin as Origin | undefined;
    if (o === undefined || typeof o !== "object" || !("file" in o)) return undefined;
    const unit = result.program.units.get(o.file);
    if (unit === undefined) return undefined;
    let map = maps.get(o.file);
    if (map === undefined) maps.set(o.file, (map = new LineMap(unit.text)));
    const { line, column } = map.position(o.range.start);
    const path = unit.isStd ? `std/${o.file.replace(/\\/g, "/").split("/").pop()}` : host.relative(root, o.file).replace(/\\/g, "/");
    return `${path}:${line}:${column}`;
  };
}

/** The files a build writes, as data: per coalition a manifest and TypeScript bindings. */
export async function emitBuild(result: Compilation, host: CompilerHost, root: string, out: string, entryStem: string, sourceName: string): Promise<EmittedFile[]> {
  const fingerprinter = new Fingerprinter(result.model);
  const builder = new ManifestBuilder(result.model, fingerprinter, relativeOrigins(result, host, root));
  // ts-morph and prettier load only when bindings are generated (coalc check stays fast).
  const { generateBindings } = await import("../emit/bindings.js");
  const files: EmittedFile[] = [];
  const model = result.model;
  const coalitions = model.coalitions;
  if (coalitions.length === 0) {
    files.push({ path: host.join(out, `${entryStem}.manifest.json`), text: stableJson(builder.manifest(undefined)) });
    files.push({ path: host.join(out, `${entryStem}.ts`), text: await generateBindings(model, fingerprinter, { coalition: undefined, citizens: [...model.organisms, ...model.confluences], sourceName }) });
  }
  for (const coalition of coalitions) {
    files.push({ path: host.join(out, `${coalition.name}.manifest.json`), text: stableJson(builder.manifest(coalition)) });
    const citizens = reachable(coalition).filter((c): c is OrganismModel | ConfluenceModel => c.kind !== "lattice");
    files.push({ path: host.join(out, `${coalition.name}.ts`), text: await generateBindings(model, fingerprinter, { coalition, citizens, sourceName }) });
  }
  files.push({ path: host.join(out, manifestSchemaFile), text: stableJson(manifestSchema) });
  files.push({ path: host.join(root, lockFileName), text: stableJson(lockFile(result.model, fingerprinter)) });
  return files;
}

export async function buildCommand(paths: readonly string[], options: BuildOptions, io: CliIo): Promise<number> {
  const result = compileForOutput(paths, options, io);
  if (typeof result === "number") return result;
  const host = io.host;
  const root = findWorkspaceRoot(host, paths[0] ?? ".");
  const out = options.out ?? host.join(root, "coal-out");
  const first = result.program.entries.find((entry) => !result.program.units.get(entry)?.isStd) ?? "workspace";
  const stem = first.replace(/\\/g, "/").split("/").pop()!.replace(/\.coal$/, "");
  const sourceName = host.relative(root, first).replace(/\\/g, "/");
  const files = await emitBuild(result, host, root, out, stem, sourceName);
  for (const file of files) io.writeFile(file.path, file.text);
  if (options.format === "json") io.stdout.write(stableJson({ version: 1, written: files.map((f) => f.path) }));
  else io.stderr.write(`coalc: wrote ${files.map((f) => f.path).join(", ")}\n`);
  return exitCodes.ok;
}
