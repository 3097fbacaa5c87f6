// The one place that converts between the compiler's offsets and LSP positions. The compiler
// counts UTF-16 code units from the start of a file (JavaScript string indices); LSP counts
// lines and UTF-16 code units within a line (the encoding every client supports, and the only
// one this server announces). A line ends at `\n`, `\r\n` or a lone `\r`, as the lexer and
// `LineMap` see it; a column past the end of a line means its end, never the next line.
import { lineIndexOf, lineStarts } from "@coal/language";
import type { Position, Range, TextDocumentContentChangeEvent } from "vscode-languageserver";

export interface OffsetRange {
  readonly start: number;
  readonly end: number;
}

export class LineIndex {
  /** Offset of the first character of each line. */
  private readonly starts: number[];

  constructor(readonly text: string) {
    this.starts = lineStarts(text);
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** Where a 0-based line's content ends (before its line break). */
  private lineEnd(line: number): number {
    const next = line + 1 < this.starts.length ? this.starts[line + 1]! : this.text.length;
    let end = next;
    if (end > this.starts[line]! && this.text.charCodeAt(end - 1) === 10) end--;
    if (end > this.starts[line]! && this.text.charCodeAt(end - 1) === 13) end--;
    return end;
  }

  /** The 0-based line holding an offset. */
  line(offset: number): number {
    return lineIndexOf(this.starts, offset);
  }

  position(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    const line = this.line(clamped);
    // An offset between `\r` and `\n` is the end of its line.
    const character = Math.min(clamped, this.lineEnd(line)) - this.starts[line]!;
    return { line, character };
  }

  offset(position: Position): number {
    if (position.line < 0) return 0;
    if (position.line >= this.starts.length) return this.text.length;
    const start = this.starts[position.line]!;
    return Math.min(start + Math.max(0, position.character), this.lineEnd(position.line));
  }

  range(range: OffsetRange): Range {
    return { start: this.position(range.start), end: this.position(range.end) };
  }

  offsets(range: Range): OffsetRange {
    const start = this.offset(range.start);
    return { start, end: Math.max(start, this.offset(range.end)) };
  }

  /** A range cut at line breaks (semantic tokens may not span lines): one piece per line. */
  lineSpans(range: OffsetRange): { line: number; character: number; length: number }[] {
    const spans: { line: number; character: number; length: number }[] = [];
    const first = this.line(range.start);
    const last = this.line(Math.max(range.start, range.end - 1));
    for (let line = first; line <= last; line++) {
      const from = Math.max(range.start, this.starts[line]!);
      const to = Math.min(range.end, this.lineEnd(line));
      if (to > from) spans.push({ line, character: from - this.starts[line]!, length: to - from });
    }
    return spans;
  }
}

/** One edit in offsets of the text it applies to. */
export interface OffsetEdit {
  readonly start: number;
  readonly end: number;
  readonly newText: string;
}

/** Applies a `didChange` notification's changes in order; each is in the coordinates of the
 *  text the previous one produced. Returns the final text and the edits as offsets. `lines`, the
 *  line index of `text` if the caller has it, saves indexing the whole text for the first change. */
export function applyContentChanges(text: string, changes: readonly TextDocumentContentChangeEvent[], lines?: LineIndex): { text: string; edits: OffsetEdit[] } {
  const edits: OffsetEdit[] = [];
  let current = text;
  for (const change of changes) {
    if (!("range" in change) || change.range === undefined) {
      edits.push({ start: 0, end: current.length, newText: change.text });
      current = change.text;
      continue;
    }
    const index = lines !== undefined && lines.text === current ? lines : new LineIndex(current);
    const { start, end } = index.offsets(change.range);
    edits.push({ start, end, newText: change.text });
    current = current.slice(0, start) + change.text + current.slice(end);
  }
  return { text: current, edits };
}
