// `coalc check [paths…]`: every file named (and everything it imports) through the checker.
import { compile } from "../compile.js";
import { diffLocks, type DiffResult } from "../emit/diff.js";
import { contentFieldReader, lockFile } from "../emit/lock.js";
import { lockOf, writeDiff } from "./diff-command.js";
import { collectSourceFiles } from "../sources.js";
import { exitCodes, useColor, UsageError, type CliIo } from "./io.js";
import type { CommonOptions } from "./main.js";
import { count, describeCounts, plural, writeHuman, writeJson } from "./report.js";

export interface CheckOptions extends CommonOptions {
  /** A lock file to classify the changes against. */
  readonly against?: string;
}

export function checkCommand(paths: readonly string[], options: CheckOptions, io: CliIo): number {
  const roots = paths.length === 0 ? ["."] : paths;
  const files = collectSourceFiles(io.host, roots);
  if (files.length === 0) throw new UsageError(`no .coal files in ${roots.map((root) => `\`${root}\``).join(", ")}`, { showHelp: false });
  const result = compile({ host: io.host, entries: files, stdlibRoot: io.stdlibRoot });
  const diagnostics = result.userDiagnostics;
  const lookup = (file: string) => {
    const unit = result.program.units.get(file);
    return unit === undefined ? undefined : { text: unit.text };
  };
  const checked = [...result.program.units.values()].filter((unit) => !unit.isStd).length;
  const errors = count(diagnostics).errors > 0;
  // With --against, a clean workspace is classified against the lock file too.
  let classification: DiffResult | undefined;
  if (!errors && options.against !== undefined) {
    const old = lockOf(options.against, { ...options, format: "json" }, io);
    if (typeof old === "number") return old;
    classification = diffLocks(old, lockFile(result.model), contentFieldReader(result.model));
  }
  if (options.format === "json") {
    // One document: the diagnostics, and the classification when asked for.
    writeJson(io.stdout, diagnostics, lookup, checked, classification === undefined ? {} : { verdict: classification.verdict, changes: classification.changes });
  } else {
    writeHuman(io.stdout, diagnostics, lookup, useColor(options.color, io.stdout, io.env));
    io.stderr.write(`coalc: ${describeCounts(count(diagnostics))} in ${plural(checked, "file")}\n`);
    if (classification !== undefined) writeDiff(classification, options, io);
  }
  if (errors) return exitCodes.problems;
  return classification?.verdict === "breaking" ? exitCodes.problems : exitCodes.ok;
}
