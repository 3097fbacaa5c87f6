// `coalc check [paths…]`
import { checkFiles } from "../check.js";
import { collectSourceFiles } from "../sources.js";
import { exitCodes, useColor, UsageError, type CliIo } from "./io.js";
import type { CommonOptions } from "./main.js";
import { count, describeCounts, plural, writeHuman, writeJson } from "./report.js";

export function checkCommand(paths: readonly string[], options: CommonOptions, io: CliIo): number {
  const roots = paths.length === 0 ? ["."] : paths;
  const files = collectSourceFiles(io.host, roots);
  if (files.length === 0) throw new UsageError(`no .coal files in ${roots.map((root) => `\`${root}\``).join(", ")}`, { showHelp: false });
  const result = checkFiles(io.host, files);
  const texts = new Map(result.files.map((file) => [file.path, { text: file.text }]));
  const lookup = (file: string) => texts.get(file);
  if (options.format === "json") {
    writeJson(io.stdout, result.diagnostics, lookup, files.length);
  } else {
    writeHuman(io.stdout, result.diagnostics, lookup, useColor(options.color, io.stdout, io.env));
    const counts = count(result.diagnostics);
    io.stderr.write(`coalc: ${describeCounts(counts)} in ${plural(files.length, "file")}\n`);
  }
  return count(result.diagnostics).errors > 0 ? exitCodes.problems : exitCodes.ok;
}
