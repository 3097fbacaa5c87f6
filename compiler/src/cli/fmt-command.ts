// `coalc fmt [--check] [paths…]` and `coalc fmt -`. A file with syntax errors is never
// rewritten: its diagnostics are reported instead.
import { format, type Diagnostic } from "@coal/language";
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
  const json = options.format === "json";
  // With --format json, everything goes into one document at the end: the diagnostics, and the
  // files that were (or, under --check, would be) reformatted.
  const jsonDiagnostics: Diagnostic[] = [];
  const texts = new Map<string, string>();
  const reformatted: string[] = [];
  let broken = 0;
  for (const path of files) {
    const text = io.host.readFile(path);
    const result = format(text);
    if (result.text === undefined) {
      broken++;
      const diagnostics = result.diagnostics.map((diagnostic) => ({ ...diagnostic, file: path }));
      if (json) {
        jsonDiagnostics.push(...diagnostics);
        texts.set(path, text);
      } else {
        writeHuman(io.stderr, diagnostics, (file) => (file === path ? { text } : undefined), color);
      }
      continue;
    }
    if (result.text === text) continue;
    reformatted.push(path);
    if (options.check) {
      if (!json) io.stdout.write(`${path}\n`);
    } else {
      io.writeFile(path, result.text);
    }
  }
  const changed = reformatted.length;
  if (json) {
    const lookup = (file: string) => {
      const text = texts.get(file);
      return text === undefined ? undefined : { text };
    };
    writeJson(io.stdout, jsonDiagnostics, lookup, files.length, { [options.check ? "unformatted" : "reformatted"]: reformatted });
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
