// Offsets ↔ lines and columns. Offsets are UTF-16 code units (JavaScript string indices); lines
// are 1-based; columns are 1-based and count Unicode code points, which is what a person counts.
// (The language server converts to LSP's UTF-16 columns in its own single place.)

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** The offset where each line starts; a line ends at `\n`, `\r\n` or a lone `\r`. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 10) starts.push(i + 1);
    else if (code === 13 && text.charCodeAt(i + 1) !== 10) starts.push(i + 1);
  }
  return starts;
}

/** The 0-based index of the line holding `offset`, given `lineStarts` (past the end: the last line). */
export function lineIndexOf(starts: readonly number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid]! <= offset) low = mid;
    else high = mid - 1;
  }
  return low;
}

export class LineMap {
  private readonly starts: number[];

  constructor(readonly text: string) {
    this.starts = lineStarts(text);
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** 1-based line of an offset (offsets past the end clamp to the last line). */
  lineOf(offset: number): number {
    return lineIndexOf(this.starts, offset) + 1;
  }

  position(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    const line = this.lineOf(clamped);
    const start = this.starts[line - 1]!;
    let column = 1;
    for (let i = start; i < clamped; i++) {
      const code = this.text.charCodeAt(i);
      // A surrogate pair is one code point: count its high half only.
      if (code < 0xdc00 || code > 0xdfff) column++;
    }
    return { line, column };
  }

  /** Offset of the first character of a 1-based line. */
  lineStart(line: number): number {
    return this.starts[Math.max(0, Math.min(line, this.starts.length) - 1)]!;
  }

  /** The text of a 1-based line, without its line break. */
  lineText(line: number): string {
    const start = this.lineStart(line);
    const next = line < this.starts.length ? this.starts[line]! : this.text.length;
    return this.text.slice(start, next).replace(/\r?\n$|\r$/, "");
  }
}
