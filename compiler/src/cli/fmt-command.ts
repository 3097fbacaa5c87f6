// `coalc fmt [--check] [paths…]` and `coalc fmt -`. A file with syntax errors is never
// rewritten: its diagnostics are reported instead.
import { format } from "@coal/language";
import { collectSourceFiles } from "../sources.js";
import { exitCodes, useColor, UsageError, type CliIo } from "./io.js";
import type { CommonOptions } from "./main.js";
import { plural, writeHuman, writeJson } from "./report.js";

export interface FmtOptions extends CommonOptions {
  readonly check: boolean;
}

export async function fmtCommand(paths: readonly string[], options: FmtOptions, io: CliIo): Promise<number> {
  if (paths.includes("-")) {
    if (paths.length > 1) throw new UsageError("`-` (standard input) cannot be combined with paths");
    return formatStdin(options, io);
  }
  const roots = paths.length === 0 ? ["."] : paths;
  const files = collectSourceFiles(io.host, roots);
  if (files.length === 0) throw new UsageError(`no .coal files in ${roots.map((root) => `\`${root}\``).join(", ")}`, { showHelp: false });

  const color = useColor(options.color, io.stderr, io.env);
  let broken = 0;
  let changed = 0;
  for (const path of files) {
    const text = io.host.readFile(path);
    const result = format(text);
    if (result.text === undefined) {
      broken++;
      const diagnostics = result.diagnostics.map((diagnostic) => ({ ...diagnostic, file: path }));
      const lookup = (file: string) => (file === path ? { text } : undefined);
      if (options.format === "json") writeJson(io.stdout, diagnostics, lookup, 1);
      else writeHuman(io.stderr, diagnostics, lookup, color);
      continue;
    }
    if (result.text === text) continue;
    changed++;
    if (options.check) io.stdout.write(`${path}\n`);
    else io.writeFile(path, result.text);
  }

  const unformatted = options.check ? `${plural(changed, "file")} would be reformatted` : `reformatted ${plural(changed, "file")}`;
  const skipped = broken > 0 ? `; ${plural(broken, "file")} left untouched because of syntax errors` : "";
  io.stderr.write(`coalc: ${unformatted} of ${files.length}${skipped}\n`);
  if (broken > 0) return exitCodes.problems;
  return options.check && changed > 0 ? exitCodes.problems : exitCodes.ok;
}

async function formatStdin(options: FmtOptions, io: CliIo): Promise<number> {
  const text = await io.readStdin();
  const result = format(text);
  if (result.text === undefined) {
    const diagnostics = result.diagnostics.map((diagnostic) => ({ ...diagnostic, file: "<stdin>" }));
    writeHuman(io.stderr, diagnostics, () => ({ text }), useColor(options.color, io.stderr, io.env));
    return exitCodes.problems;
  }
  if (options.check) {
    if (result.text === text) return exitCodes.ok;
    io.stdout.write("<stdin>\n");
    return exitCodes.problems;
  }
  io.stdout.write(result.text);
  return exitCodes.ok;
}
