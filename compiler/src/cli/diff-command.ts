// `coalc diff <old> <new>` and `coalc check --against <lock>`: change classification. Each side is
// a lock file (`coal.lock.json`) or a workspace (files or directories) compiled on the spot.
import { diffLocks, isLockFile, type DiffResult } from "../emit/diff.js";
import { lockFile, type LockFile } from "../emit/lock.js";
import { stableJson } from "../emit/manifest.js";
import { compileForOutput } from "./fingerprint-command.js";
import { exitCodes, UsageError, type CliIo } from "./io.js";
import type { CommonOptions } from "./main.js";

/** A lock file's contents, or the lock a workspace would have; a number is an exit code. */
export function lockOf(path: string, options: CommonOptions, io: CliIo): LockFile | number {
  if (path.endsWith(".json")) {
    const text = io.host.readFile(path);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`\`${path}\` is not valid JSON: ${(error as Error).message}`, { showHelp: false });
    }
    if (!isLockFile(value)) throw new UsageError(`\`${path}\` is not a coal lock file (version 1)`, { showHelp: false });
    return value;
  }
  const result = compileForOutput([path], options, io);
  return typeof result === "number" ? result : lockFile(result.model);
}

export function writeDiff(result: DiffResult, options: CommonOptions, io: CliIo): number {
  if (options.format === "json") {
    io.stdout.write(stableJson({ version: 1, verdict: result.verdict, changes: result.changes }));
  } else {
    const label = { compatible: "compatible ", fingerprint: "fingerprint", breaking: "breaking   " } as const;
    for (const change of result.changes) {
      io.stdout.write(`${label[change.class]}  ${change.subject}: ${change.description}\n`);
      if (change.moves.length > 0) io.stdout.write(`             moves: ${change.moves.join(", ")}\n`);
      if (change.rule !== undefined) io.stdout.write(`             because ${change.rule}\n`);
    }
    const verdicts = { compatible: "compatible: no fingerprint moves", fingerprint: "fingerprint change: operators must republish the ids that move", breaking: "breaking" } as const;
    io.stderr.write(`coalc: ${result.changes.length === 0 ? "no changes" : verdicts[result.verdict]}\n`);
  }
  return result.verdict === "breaking" ? exitCodes.problems : exitCodes.ok;
}

export function diffCommand(paths: readonly string[], options: CommonOptions, io: CliIo): number {
  if (paths.length !== 2) throw new UsageError("`diff` takes two arguments: `coalc diff <old> <new>` (each a workspace or a coal.lock.json)");
  const old = lockOf(paths[0]!, options, io);
  if (typeof old === "number") return old;
  const current = lockOf(paths[1]!, options, io);
  if (typeof current === "number") return current;
  return writeDiff(diffLocks(old, current), options, io);
}
