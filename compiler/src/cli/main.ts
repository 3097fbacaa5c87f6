// `coalc`: argument parsing, dispatch and exit codes. Every command reports a user's mistake as
// one line and exit code 2, problems in the input as diagnostics and exit code 1.
import { parseArgs } from "node:util";
import { HostError } from "../host.js";
import { compilerVersion } from "../version.js";
import { checkCommand } from "./check-command.js";
import { explainCommand } from "./explain-command.js";
import { buildCommand } from "./build-command.js";
import { diffCommand } from "./diff-command.js";
import { fingerprintCommand } from "./fingerprint-command.js";
import { fmtCommand } from "./fmt-command.js";
import { lspCommand } from "./lsp-command.js";
import { initCommand } from "./init-command.js";
import { exitCodes, UsageError, type CliIo, type ColorChoice } from "./io.js";

export const usage = `coalc ${compilerVersion}: the compiler for .coal coalition manifests

Usage:
  coalc check [paths…]          Report problems in .coal files (default: the current directory)
  coalc fmt [--check] [paths…]  Format .coal files in place; --check lists files that would change
  coalc fmt -                   Format standard input to standard output
  coalc check --against <lock>  Also classify the changes against a lock file (exit 1 on breaking)
  coalc fingerprint [paths…]    Print every id and fingerprint; --explain shows how each was derived
  coalc build [paths…] [--out dir]
                                Write <coalition>.manifest.json (default into coal-out/) and coal.lock.json
  coalc diff <old> <new>        Classify the changes between two workspaces or lock files
  coalc explain [code]          Explain a diagnostic code (e.g. E0101), or list them all
  coalc lsp [--stdio]           Run the language server (coal-lsp) on standard input and output
  coalc init [dir]              Create a starter workspace (a manifest, package.json, run.ts)

Options:
  --format human|json           Diagnostics for people (default) or programs
  --color auto|always|never     Colour (default auto: only on a terminal, never with NO_COLOR)
  -h, --help                    Show this help
  -v, --version                 Show the version

Exit codes: 0 no errors, 1 errors in the input (or unformatted files under --check),
2 bad usage or unreadable input, 3 an internal error in coalc.
`;

export interface CommonOptions {
  readonly format: "human" | "json";
  readonly color: ColorChoice;
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`coalc: ${error.message}\n${error.showHelp ? "Run `coalc --help` for usage.\n" : ""}`);
      return exitCodes.usage;
    }
    if (error instanceof HostError) {
      io.stderr.write(`coalc: cannot ${error.operation} \`${error.path}\`: ${error.description}\n`);
      return exitCodes.usage;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`coalc: internal error: ${message}\nThis is a bug in coalc; please report it${io.env["COAL_DEBUG"] ? "" : " (set COAL_DEBUG=1 for details)"}.\n`);
    if (io.env["COAL_DEBUG"] && error instanceof Error && error.stack) io.stderr.write(error.stack + "\n");
    return exitCodes.internal;
  }
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    io.stderr.write(usage);
    return exitCodes.usage;
  }
  if (command === "-h" || command === "--help" || command === "help") return help(io);
  if (command === "-v" || command === "--version") {
    io.stdout.write(`coalc ${compilerVersion}\n`);
    return exitCodes.ok;
  }
  switch (command) {
    case "check": {
      const { values, positionals } = parse(rest, { format: { type: "string" }, color: { type: "string" }, against: { type: "string" } });
      if (values.help) return help(io);
      return checkCommand(positionals, { ...common(values), ...(typeof values["against"] === "string" ? { against: values["against"] } : {}) }, io);
    }
    case "fmt": {
      const { values, positionals } = parse(rest, { check: { type: "boolean" }, color: { type: "string" }, format: { type: "string" } });
      if (values.help) return help(io);
      return fmtCommand(positionals, { ...common(values), check: values.check === true }, io);
    }
    case "fingerprint": {
      const { values, positionals } = parse(rest, { explain: { type: "boolean" }, format: { type: "string" }, color: { type: "string" } });
      if (values.help) return help(io);
      return fingerprintCommand(positionals, { ...common(values), explain: values.explain === true }, io);
    }
    case "build": {
      const { values, positionals } = parse(rest, { out: { type: "string" }, format: { type: "string" }, color: { type: "string" } });
      if (values.help) return help(io);
      return buildCommand(positionals, { ...common(values), ...(typeof values["out"] === "string" ? { out: values["out"] } : {}) }, io);
    }
    case "diff": {
      const { values, positionals } = parse(rest, { format: { type: "string" }, color: { type: "string" } });
      if (values.help) return help(io);
      return diffCommand(positionals, common(values), io);
    }
    case "explain": {
      const { values, positionals } = parse(rest, {});
      if (values.help) return help(io);
      if (positionals.length > 1) throw new UsageError("`explain` takes one code, e.g. `coalc explain E0101`");
      return explainCommand(positionals[0], io);
    }
    case "init": {
      const { values, positionals } = parse(rest, {});
      if (values.help) return help(io);
      return initCommand(positionals, io);
    }
    case "lsp":
      // The server parses its own arguments (`--stdio`, `--stdlib <dir>`, `--help`).
      return lspCommand(rest, io);
    default:
      throw new UsageError(`unknown command \`${command}\` (commands: check, fmt, fingerprint, build, diff, explain, init, lsp)`);
  }
}

type OptionSpec = Record<string, { type: "string" | "boolean" }>;

function parse(args: readonly string[], options: OptionSpec) {
  try {
    const parsed = parseArgs({
      args: [...args],
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
    return { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals };
  } catch (error) {
    // parseArgs explains itself ("Unknown option '--x'"); keep its sentence, drop its code.
    throw new UsageError((error as Error).message.replace(/\. To specify a positional.*$/s, "").replace(/'/g, "`"));
  }
}

function help(io: CliIo): number {
  io.stdout.write(usage);
  return exitCodes.ok;
}

function common(values: Record<string, string | boolean | undefined>): CommonOptions {
  const format = values["format"] ?? "human";
  if (format !== "human" && format !== "json") throw new UsageError(`--format must be \`human\` or \`json\`, not \`${String(format)}\``);
  const color = values["color"] ?? "auto";
  if (color !== "auto" && color !== "always" && color !== "never") throw new UsageError(`--color must be \`auto\`, \`always\` or \`never\`, not \`${String(color)}\``);
  return { format, color };
}
