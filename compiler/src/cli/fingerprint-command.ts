// `coalc fingerprint [entry…] [--explain] [--format json]`: every id and fingerprint of a
// workspace; with --explain, how each was derived, part by part, down to the source line.
import * as I from "@coal/runtime/identity";
import { compile, type Compilation } from "../compile.js";
import { Fingerprinter, fingerprintReport } from "../fingerprints.js";
import type { WorkspaceModel } from "../model.js";
import { originRenderer } from "../origins.js";
import { collectSourceFiles } from "../sources.js";
import { exitCodes, useColor, UsageError, type CliIo } from "./io.js";
import type { CommonOptions } from "./main.js";
import { count, describeCounts, plural, writeHuman, writeJson } from "./report.js";

export interface FingerprintOptions extends CommonOptions {
  readonly explain: boolean;
}

/** Compiles the named files, or reports why it cannot (diagnostics: exit 1). */
export function compileForOutput(paths: readonly string[], options: CommonOptions, io: CliIo): Compilation | number {
  const roots = paths.length === 0 ? ["."] : paths;
  const files = collectSourceFiles(io.host, roots);
  if (files.length === 0) throw new UsageError(`no .coal files in ${roots.map((root) => `\`${root}\``).join(", ")}`, { showHelp: false });
  const result = compile({ host: io.host, entries: files, stdlibRoot: io.stdlibRoot });
  const counts = count(result.userDiagnostics);
  if (counts.errors === 0) {
    if (counts.warnings > 0 && options.format === "human") writeHuman(io.stderr, result.userDiagnostics, lookupIn(result), useColor(options.color, io.stderr, io.env));
    return result;
  }
  const checked = [...result.program.units.values()].filter((unit) => !unit.isStd).length;
  if (options.format === "json") writeJson(io.stdout, result.userDiagnostics, lookupIn(result), checked);
  else {
    writeHuman(io.stderr, result.userDiagnostics, lookupIn(result), useColor(options.color, io.stderr, io.env));
    io.stderr.write(`coalc: ${describeCounts(counts)} in ${plural(checked, "file")}; nothing to fingerprint until they are fixed\n`);
  }
  return exitCodes.problems;
}

export function lookupIn(result: Compilation) {
  return (file: string) => {
    const unit = result.program.units.get(file);
    return unit === undefined ? undefined : { text: unit.text };
  };
}


/** Every derivation of the workspace, by a readable path (`organisms.prophet.content_hash`). */
export function allDerivations(model: WorkspaceModel, fingerprinter: Fingerprinter): [string, I.Derivation][] {
  const out: [string, I.Derivation][] = [];
  for (const t of model.types) out.push([`schemas.${t.name}`, I.schema(t.type)]);
  for (const l of model.lattices) out.push([`lattices.${l.name}.stable_id`, fingerprinter.stableId(l)]);
  for (const c of [...model.organisms, ...model.confluences]) {
    const f = fingerprinter.citizen(c);
    const section = c.kind === "organism" ? "organisms" : "confluences";
    out.push([`${section}.${c.name}.stable_id`, f.stableId]);
    out.push([`${section}.${c.name}.${c.kind === "organism" ? "content_hash" : "fingerprint"}`, f.contentHash]);
    out.push([`${section}.${c.name}.admission_signature`, f.admission.signature]);
    for (const [name, d] of f.surface) out.push([`${section}.${c.name}.surface.${name}`, d]);
  }
  for (const c of model.coalitions) {
    const f = fingerprinter.coalition(c);
    const at = `coalition.${c.name}`;
    out.push([`${at}.COALITION`, f.coalition], [`${at}.COALITION_ROOT`, f.root], [`${at}.TICKETS_ROOT`, f.ticketsRoot]);
    if (f.ticketIssuer !== undefined) out.push([`${at}.ticket_issuer`, f.ticketIssuer]);
    for (const [name, m] of f.modules) out.push([`${at}.modules.${name}.root`, m.root], [`${at}.modules.${name}.fingerprint`, m.fingerprint]);
    out.push([`${at}.coalition_id`, f.coalitionId]);
  }
  return out;
}

export function fingerprintCommand(paths: readonly string[], options: FingerprintOptions, io: CliIo): number {
  const result = compileForOutput(paths, options, io);
  if (typeof result === "number") return result;
  const model = result.model;
  const fingerprinter = new Fingerprinter(model);
  const report = fingerprintReport(model, fingerprinter);
  const origin = originRenderer(result.program);
  if (options.format === "json") {
    const document = { version: 1, ...report, ...(options.explain ? { derivations: Object.fromEntries(allDerivations(model, fingerprinter).map(([path, d]) => [path, I.derivationToJson(d, origin)])) } : {}) };
    io.stdout.write(JSON.stringify(document, null, 2) + "\n");
    return exitCodes.ok;
  }
  if (options.explain) {
    const parts = allDerivations(model, fingerprinter).map(([path, d]) => `# ${path}\n${I.explain(d, { origin })}`);
    io.stdout.write(parts.join("\n"));
    return exitCodes.ok;
  }
  io.stdout.write(renderReport(report));
  return exitCodes.ok;
}

/** The report as aligned text: one id per line, grouped by declaration. */
function renderReport(report: Record<string, unknown>): string {
  const lines: string[] = [`universe  ${String(report["universe"])}`];
  const section = (title: string, entries: Record<string, unknown>) => {
    for (const [name, value] of Object.entries(entries)) {
      lines.push("", `${title} ${name}`);
      const flat: [string, string][] = [];
      const walk = (prefix: string, v: unknown) => {
        if (v === null) flat.push([prefix, "none"]);
        else if (typeof v === "object") for (const [k, inner] of Object.entries(v as Record<string, unknown>)) walk(prefix === "" ? k : `${prefix}.${k}`, inner);
        else flat.push([prefix, String(v)]);
      };
      walk("", value);
      const width = Math.max(...flat.map(([k]) => k.length));
      for (const [k, v] of flat) lines.push(`  ${k.padEnd(width)}  ${v}`);
    }
  };
  const schemas = report["schemas"] as Record<string, string>;
  if (Object.keys(schemas).length > 0) {
    lines.push("", "schemas");
    const width = Math.max(...Object.keys(schemas).map((k) => k.length));
    for (const [k, v] of Object.entries(schemas)) lines.push(`  ${k.padEnd(width)}  ${v}`);
  }
  section("lattice", report["lattices"] as Record<string, unknown>);
  section("organism", report["organisms"] as Record<string, unknown>);
  section("confluence", report["confluences"] as Record<string, unknown>);
  section("coalition", report["coalition"] as Record<string, unknown>);
  return lines.join("\n") + "\n";
}
