// What must hold for every input, valid or not: the parser never throws, never hangs, and every
// diagnostic has a catalogued code and a range inside the file; for every input without errors
// the formatter is idempotent, keeps the tree and keeps every comment.
import { compile, fingerprintReport, MemoryHost } from "@coal/compiler";
import { memoryStdlibRoot, stdlibFiles } from "../support/stdlib.js";
import { dumpTree, format, parse, printFile, syntaxCatalogue, type Comment } from "@coal/language";

const codes = new Set(Object.keys(syntaxCatalogue));

/** A hang guard, not a performance bar: inputs here parse in well under a millisecond. */
export const maxMillisecondsPerInput = 1000;

export interface Outcome {
  readonly milliseconds: number;
  readonly valid: boolean;
  /** Formatting reached its fixpoint (false: the file has comments in places the formatter could
   *  not settle, and was left as it was — still idempotent, still lossless). */
  readonly settled: boolean;
}

export function checkInput(text: string): Outcome {
  const started = performance.now();
  const parsed = parse(text);
  for (const diagnostic of parsed.diagnostics) {
    if (!codes.has(diagnostic.code)) throw new Error(`uncatalogued code ${diagnostic.code}`);
    const { start, end } = diagnostic.range;
    if (!(start >= 0 && start <= end && end <= text.length)) throw new Error(`${diagnostic.code} range ${start}..${end} outside 0..${text.length}`);
    if (diagnostic.message.length === 0) throw new Error(`${diagnostic.code} has an empty message`);
  }
  const valid = !parsed.diagnostics.some((diagnostic) => diagnostic.severity === "error");
  let settled = true;
  if (valid) {
    const once = format(text);
    if (once.text === undefined) throw new Error("format refused a file without errors");
    const twice = format(once.text);
    if (twice.text !== once.text) throw new Error(`formatter not idempotent:\n--- once\n${once.text}\n--- twice\n${twice.text ?? "(refused)"}`);
    const reparsed = parse(once.text);
    settled = printFile(reparsed.file, reparsed.comments, once.text) === once.text;
    if (reparsed.diagnostics.some((diagnostic) => diagnostic.severity === "error")) {
      throw new Error(`formatted text does not parse: ${reparsed.diagnostics[0]!.message}\n${once.text}`);
    }
    const before = dumpTree(parsed.file, { ranges: false });
    const after = dumpTree(reparsed.file, { ranges: false });
    if (before !== after) throw new Error(`formatting changed the tree:\n--- input\n${text}\n--- formatted\n${once.text}`);
    const commentsBefore = parsed.comments.map(normalizedComment);
    const commentsAfter = reparsed.comments.map(normalizedComment);
    if (commentsBefore.join("\u0000") !== commentsAfter.join("\u0000")) {
      throw new Error(`formatting lost or reordered comments:\n--- input\n${text}\n--- formatted\n${once.text}`);
    }
  }
  const milliseconds = performance.now() - started;
  if (milliseconds > maxMillisecondsPerInput) throw new Error(`input took ${milliseconds.toFixed(0)} ms (hang guard ${maxMillisecondsPerInput} ms)`);
  return { milliseconds, valid, settled };
}

/** A `///` that documents nothing is printed as `//` (its quick fix); compare accordingly. */
function normalizedComment(comment: Comment): string {
  return (comment.style === "doc" ? "//" + comment.text.slice(3) : comment.text).trimEnd();
}

/**
 * The whole compiler on one file: it must not throw, must give a model, and must place every
 * diagnostic inside the file; a clean file must fingerprint.
 */
export function checkCompiles(text: string): { readonly errors: boolean } {
  const host = new MemoryHost({ ...stdlibFiles(), "main.coal": text });
  const result = compile({ host, entries: ["main.coal"], stdlibRoot: memoryStdlibRoot, root: "." });
  if (result.model === undefined) throw new Error("no model");
  for (const diagnostic of result.userDiagnostics) {
    if (diagnostic.file !== "main.coal") throw new Error(`diagnostic in ${diagnostic.file}: ${diagnostic.message}`);
    if (diagnostic.range.start < 0 || diagnostic.range.end > text.length || diagnostic.range.start > diagnostic.range.end) throw new Error(`diagnostic range out of the file: ${diagnostic.code}`);
  }
  if (!result.hasErrors) fingerprintReport(result.model);
  return { errors: result.hasErrors };
}
