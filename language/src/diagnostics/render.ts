// Diagnostics for people (rustc-style: header, location, code frame with carets, related
// locations, help and notes) and for programs (one JSON document). Colour is the caller's choice.
import { LineMap } from "../text/line-map.js";
import type { Diagnostic, Severity } from "./diagnostic.js";

export interface SourceFileText {
  readonly text: string;
  readonly lineMap?: LineMap;
}

/** Finds a file's text by the name diagnostics carry; undefined if it is not available. */
export type SourceLookup = (file: string) => SourceFileText | undefined;

export interface RenderOptions {
  readonly color?: boolean;
}

interface Palette {
  severity(severity: Severity, text: string): string;
  gutter(text: string): string;
  related(text: string): string;
  help(text: string): string;
  bold(text: string): string;
}

const plain: Palette = {
  severity: (_severity, text) => text,
  gutter: (text) => text,
  related: (text) => text,
  help: (text) => text,
  bold: (text) => text,
};

const ansi = (open: number, text: string): string => `\u001b[${open}m${text}\u001b[0m`;
const colored: Palette = {
  severity: (severity, text) => ansi(severity === "error" ? 91 : 93, ansi(1, text)),
  gutter: (text) => ansi(94, text),
  related: (text) => ansi(94, text),
  help: (text) => ansi(96, text),
  bold: (text) => ansi(1, text),
};

const lineMaps = new WeakMap<SourceFileText, LineMap>();
function lineMapOf(source: SourceFileText): LineMap {
  if (source.lineMap !== undefined) return source.lineMap;
  let map = lineMaps.get(source);
  if (map === undefined) {
    map = new LineMap(source.text);
    lineMaps.set(source, map);
  }
  return map;
}

interface Marker {
  readonly line: number;
  /** Display columns (0-based) the marker covers. */
  readonly from: number;
  readonly to: number;
  readonly primary: boolean;
  readonly label: string;
}

export function renderDiagnostic(diagnostic: Diagnostic, lookup: SourceLookup, options: RenderOptions = {}): string {
  const palette = options.color === true ? colored : plain;
  const out: string[] = [];
  const file = diagnostic.file ?? "<input>";
  const source = lookup(file);
  const header = `${diagnostic.severity}[${diagnostic.code}]`;
  out.push(`${palette.severity(diagnostic.severity, header)}${palette.bold(": " + diagnostic.message)}`);

  let width = 0;
  if (source === undefined) {
    out.push(`  ${palette.gutter("-->")} ${file}`);
  } else {
    const map = lineMapOf(source);
    const position = map.position(diagnostic.range.start);
    const markers: Marker[] = [marker(map, diagnostic.range, true, "")];
    const elsewhere: typeof diagnostic.related[number][] = [];
    for (const related of diagnostic.related) {
      if (related.file === undefined || related.file === file) markers.push(marker(map, related.range, false, related.message));
      else elsewhere.push(related);
    }
    width = String(Math.max(...markers.map((m) => m.line))).length;
    const pad = " ".repeat(width);
    out.push(`${pad}${palette.gutter("-->")} ${file}:${position.line}:${position.column}`);
    out.push(`${pad} ${palette.gutter("|")}`);
    out.push(...frame(map, markers, width, diagnostic.severity, palette));
    for (const related of elsewhere) {
      const relatedSource = related.file === undefined ? undefined : lookup(related.file);
      if (relatedSource === undefined) {
        out.push(`${pad}${palette.gutter(":::")} ${related.file}: ${related.message}`);
        continue;
      }
      const relatedMap = lineMapOf(relatedSource);
      const relatedPosition = relatedMap.position(related.range.start);
      const relatedMarker = marker(relatedMap, related.range, false, related.message);
      const relatedWidth = Math.max(width, String(relatedMarker.line).length);
      out.push(`${" ".repeat(relatedWidth)}${palette.gutter(":::")} ${related.file}:${relatedPosition.line}:${relatedPosition.column}`);
      out.push(...frame(relatedMap, [relatedMarker], relatedWidth, diagnostic.severity, palette));
    }
    if (diagnostic.help !== undefined || diagnostic.notes.length > 0) out.push(`${pad} ${palette.gutter("|")}`);
  }
  const pad = " ".repeat(width);
  for (const note of diagnostic.notes) out.push(`${pad} ${palette.gutter("=")} ${palette.bold("note")}: ${note}`);
  if (diagnostic.help !== undefined) out.push(`${pad} ${palette.gutter("=")} ${palette.help("help")}: ${diagnostic.help}`);
  return out.join("\n") + "\n";
}

function marker(map: LineMap, range: { start: number; end: number }, primary: boolean, label: string): Marker {
  const start = map.position(range.start);
  const lineText = map.lineText(start.line);
  const from = displayWidth(lineText, start.column - 1);
  const endPosition = map.position(range.end);
  const endColumn = endPosition.line === start.line ? endPosition.column - 1 : [...lineText].length;
  const to = Math.max(from + 1, displayWidth(lineText, endColumn));
  return { line: start.line, from, to, primary, label };
}

/** Width on screen of the first `codePoints` code points of a line (tabs as 4, wide as 2). */
function displayWidth(lineText: string, codePoints: number): number {
  let width = 0;
  let index = 0;
  for (const char of lineText) {
    if (index++ >= codePoints) break;
    width += charWidth(char);
  }
  return width + Math.max(0, codePoints - index);
}

function charWidth(char: string): number {
  if (char === "\t") return 4;
  const code = char.codePointAt(0)!;
  if (code < 0x1100) return 1;
  // East Asian wide and fullwidth ranges, and emoji.
  if (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

function expandTabs(text: string): string {
  return text.replace(/\t/g, "    ");
}

function frame(map: LineMap, markers: Marker[], width: number, severity: Severity, palette: Palette): string[] {
  const out: string[] = [];
  const lines = [...new Set(markers.map((m) => m.line))].sort((a, b) => a - b);
  let previous: number | undefined;
  for (const line of lines) {
    if (previous !== undefined && line > previous + 1) out.push(palette.gutter("...".padStart(width + 2)));
    previous = line;
    const number = String(line).padStart(width);
    out.push(`${palette.gutter(number + " |")} ${expandTabs(map.lineText(line))}`.trimEnd());
    const onLine = markers.filter((m) => m.line === line).sort((a, b) => a.from - b.from);
    let underline = "";
    for (const m of onLine) {
      underline = underline.padEnd(m.from);
      const mark = (m.primary ? "^" : "-").repeat(m.to - m.from);
      underline += m.primary ? palette.severity(severity, mark) : palette.related(mark);
    }
    // The rightmost marker's label goes after the underline; any other label hangs below its own
    // marker (rightmost first), so no label can be read as belonging to its neighbour.
    const last = onLine[onLine.length - 1]!;
    const labelText = last.label.length > 0 ? " " + palette.related(last.label) : "";
    const gutter = `${" ".repeat(width)} ${palette.gutter("|")} `;
    out.push(`${gutter}${underline}${labelText}`);
    const hanging = onLine.slice(0, -1).filter((m) => m.label.length > 0);
    const stems = (upTo: number): string => {
      let text = "";
      for (const m of hanging.slice(0, upTo)) text = text.padEnd(m.from) + palette.related("|");
      return text;
    };
    if (hanging.length > 0) out.push(gutter + stems(hanging.length));
    for (let index = hanging.length - 1; index >= 0; index--) {
      const m = hanging[index]!;
      out.push(gutter + stems(index).padEnd(m.from) + palette.related(m.label));
    }
  }
  return out;
}

/** Several diagnostics, followed by nothing: the caller prints its own summary. */
export function renderDiagnostics(diagnostics: readonly Diagnostic[], lookup: SourceLookup, options: RenderOptions = {}): string {
  return diagnostics.map((diagnostic) => renderDiagnostic(diagnostic, lookup, options)).join("\n");
}

// ---------------------------------------------------------------------------------------------
// JSON

export interface JsonPosition {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

export interface JsonRange {
  readonly start: JsonPosition;
  readonly end: JsonPosition;
}

/** The stable JSON shape of a diagnostic (documented in docs/cli.md). */
export interface JsonDiagnostic {
  readonly file: string | null;
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly range: JsonRange | null;
  readonly related: readonly { readonly file: string | null; readonly message: string; readonly range: JsonRange | null }[];
  readonly notes: readonly string[];
  readonly help: string | null;
  readonly fixes: readonly { readonly title: string; readonly edits: readonly { readonly file: string | null; readonly range: JsonRange | null; readonly newText: string }[] }[];
}

export function diagnosticToJson(diagnostic: Diagnostic, lookup: SourceLookup): JsonDiagnostic {
  const file = diagnostic.file ?? null;
  const rangeIn = (name: string | null, range: { start: number; end: number }): JsonRange | null => {
    const source = name === null ? undefined : lookup(name);
    if (source === undefined) return null;
    const map = lineMapOf(source);
    const start = map.position(range.start);
    const end = map.position(range.end);
    return { start: { ...start, offset: range.start }, end: { ...end, offset: range.end } };
  };
  return {
    file,
    code: diagnostic.code,
    severity: diagnostic.severity,
    message: diagnostic.message,
    range: rangeIn(file, diagnostic.range),
    related: diagnostic.related.map((related) => {
      const relatedFile = related.file ?? file;
      return { file: relatedFile, message: related.message, range: rangeIn(relatedFile, related.range) };
    }),
    notes: diagnostic.notes,
    help: diagnostic.help ?? null,
    fixes: diagnostic.fixes.map((fix) => ({
      title: fix.title,
      edits: fix.edits.map((edit) => {
        const editFile = edit.file ?? file;
        return { file: editFile, range: rangeIn(editFile, edit.range), newText: edit.newText };
      }),
    })),
  };
}
