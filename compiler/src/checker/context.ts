// What every part of the checker shares: the program, the scopes, the diagnostics, and the
// knowledge of which syntax is already broken (so nothing is reported twice).
import type { Diagnostic, Range } from "@coal/language";
import type { Program, SourceUnit } from "../program.js";
import type { Origin } from "../model.js";
import { Scopes } from "./scope.js";

export class Context {
  readonly diagnostics: Diagnostic[] = [];
  readonly scopes: Scopes;
  private readonly syntaxErrorStarts = new Map<SourceUnit, number[]>();

  constructor(readonly program: Program) {
    this.scopes = new Scopes(program, this.diagnostics);
    for (const unit of program.units.values()) {
      const starts = unit.parsed.diagnostics.filter((d) => d.severity === "error").map((d) => d.range.start);
      starts.sort((a, b) => a - b);
      this.syntaxErrorStarts.set(unit, starts);
    }
  }

  report(unit: SourceUnit, diagnostic: Diagnostic): void {
    this.diagnostics.push({ ...diagnostic, file: unit.path });
  }

  /** Whether a syntax error lies inside this range: its meaning is uncertain, so say nothing. */
  broken(unit: SourceUnit, range: Range): boolean {
    const starts = this.syntaxErrorStarts.get(unit)!;
    let low = 0;
    let high = starts.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (starts[mid]! < range.start) low = mid + 1;
      else high = mid;
    }
    return low < starts.length && starts[low]! <= range.end;
  }

  origin(unit: SourceUnit, range: Range): Origin {
    return { file: unit.path, range: { start: range.start, end: range.end } };
  }

  /** The source text of a node. */
  text(unit: SourceUnit, range: Range): string {
    return unit.text.slice(range.start, range.end);
  }
}
