// Incremental parsing: after an edit, re-parse only the top-level items it touches. A file is a
// sequence of items, and the parser resynchronises at every declaration keyword, so the text
// from the end of the last untouched item before an edit to the start of the first untouched
// item after it parses on its own to the same items, comments and diagnostics the whole file
// would give there. Items after the edit are reused with their offsets shifted. Where that
// reasoning does not hold — an unclosed `/*` swallows the rest of the file, a `///` at the end of
// the region would document the next item — the whole file is parsed again.
import { compareDiagnostics, parse, type Diagnostic, type Item, type ParseResult, type Range } from "@coal/language";
import { itemStart } from "@coal/compiler";
import type { OffsetEdit } from "../text/positions.js";

/** Below this size a full parse is as fast as bookkeeping. */
export const incrementalMinLength = 8 * 1024;

export interface Reparsed {
  readonly parsed: ParseResult;
  /** The part of the new text that was parsed afresh (the whole file after a full parse). */
  readonly region: Range;
  readonly full: boolean;
}

/** Codes whose presence means a region cannot be parsed on its own. */
const unsafeCodes = new Set(["E0003", "E0009", "W0001"]);

/**
 * The parse of `newText`, `oldText` with `edit` applied, from `old` (the parse of `oldText`).
 * With `inPlace`, the caller gives `old` up: the untouched items, comments and diagnostics after
 * the edit are moved to their new offsets in place, not copied. A document does that: copying
 * everything after a keystroke (half a 5 000-line file's tree, on average) took longer than the
 * rest of the re-parse, and allocated 2.5 MB that stayed alive — more than everything else a
 * keystroke allocates, completion and hover included — for young-generation collections to copy.
 */
export function reparse(oldText: string, old: ParseResult, edit: OffsetEdit, newText: string, minLength = incrementalMinLength, inPlace = false): Reparsed {
  const fullParse = (): Reparsed => ({ parsed: parse(newText), region: { start: 0, end: newText.length }, full: true });
  const items = old.file.items;
  if (newText.length < minLength || items.length < 4 || old.diagnostics.some((d) => unsafeCodes.has(d.code) && d.code !== "W0001")) return fullParse();

  // Touched items: those whose text (doc comment included) meets the edit, ends included.
  let first = 0;
  while (first < items.length && items[first]!.end < edit.start) first++;
  let last = first - 1;
  while (last + 1 < items.length && itemStart(items[last + 1]!) <= edit.end) last++;
  // One untouched item on each side goes along as context: the parser's recovery may look past
  // an item's end, so the region is trusted only if it parses its context items as before.
  const leading = first > 0;
  const trailing = last + 1 < items.length;
  if (leading) first--;
  if (trailing) last++;
  const regionStart = first > 0 ? items[first - 1]!.end : 0;
  const regionEndOld = last + 1 < items.length ? itemStart(items[last + 1]!) : oldText.length;
  const delta = edit.newText.length - (edit.end - edit.start);
  const regionEnd = regionEndOld + delta;
  if (regionEnd < regionStart || edit.start < regionStart || edit.end > regionEndOld) return fullParse();

  const region = parse(detached(newText.slice(regionStart, regionEnd)));
  if (region.diagnostics.some((d) => unsafeCodes.has(d.code))) return fullParse();
  const regionItems = shift(region.file.items, regionStart);
  const regionDiagnostics = shift(region.diagnostics, regionStart);
  // Context items must come out as before, with the same diagnostics from the region's edge
  // through them (the gap included: junk there is judged by what precedes it).
  const json = (value: unknown) => JSON.stringify(value);
  const diagnosticsIn = (list: readonly Diagnostic[], from: number, to: number) => json(list.filter((d) => from <= d.range.start && d.range.start <= to));
  if (leading) {
    const context = items[first]!;
    if (json(context) !== json(regionItems[0]) || diagnosticsIn(old.diagnostics, regionStart, context.end) !== diagnosticsIn(regionDiagnostics, regionStart, context.end)) return fullParse();
  }
  if (trailing) {
    const context = shift(items[last]!, delta);
    const after = regionItems[regionItems.length - 1];
    if (json(context) !== json(after) || diagnosticsIn(shift(old.diagnostics, delta), itemStart(context), regionEnd) !== diagnosticsIn(regionDiagnostics, itemStart(context), regionEnd)) return fullParse();
  }

  // Diagnostics at the region's edges are the region's: the context checks above made sure the
  // region reproduces whatever the old parse reported there.
  const before = (offset: number) => offset < regionStart;
  const after = (offset: number) => offset > regionEndOld;

  // Everything after the region moves by `delta`: copied, or, when `old` is given up, in place.
  const move = <T>(list: T[]): T[] => (inPlace ? shiftInPlace(list, delta) : shift(list, delta));
  const newItems: Item[] = [...items.slice(0, first), ...regionItems, ...move(items.slice(last + 1))];
  const comments = [
    ...old.comments.filter((c) => c.end <= regionStart),
    ...shift(region.comments, regionStart),
    ...move(old.comments.filter((c) => c.start >= regionEndOld)),
  ];
  const diagnostics: Diagnostic[] = [
    ...old.diagnostics.filter((d) => before(d.range.start)),
    ...regionDiagnostics,
    ...move(old.diagnostics.filter((d) => after(d.range.start))),
  ].sort(compareDiagnostics);
  const end = trailing ? old.file.end + delta : region.file.end + regionStart;
  const file = { ...old.file, items: newItems, start: 0, end };
  return { parsed: { file, comments, diagnostics }, region: { start: regionStart, end: regionEnd }, full: false };
}

/**
 * The same characters in a string of their own. A substring in V8 points into the string it was
 * cut from, and so do the texts the parser cuts from it (names, literals, doc comments): parsing
 * a plain slice of the document made every re-parsed item keep that version's whole text alive
 * — a 170 KB string per keystroke in a 5 000-line file, held for as long as the item was not
 * typed in again, all of it for the young generation's collections to move. Concatenating
 * makes a new string, and slicing it back flattens that into a copy of the region alone.
 */
function detached(text: string): string {
  return (" " + text).slice(1);
}

/** A copy of syntax (nodes, comments, diagnostics) with every offset moved by `delta`. */
export function shift<T>(value: T, delta: number): T {
  if (delta === 0) return value;
  return shiftValue(value, delta) as T;
}

function shiftValue(value: unknown, delta: number): unknown {
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const element: unknown = value[i];
      out[i] = element !== null && typeof element === "object" ? shiftValue(element, delta) : element;
    }
    return out;
  }
  if (value === null || typeof value !== "object") return value;
  // Syntax is plain data: own enumerable keys only, numbers at `start` and `end`.
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const keys = Object.keys(source);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const field = source[key];
    if (typeof field === "object" && field !== null) out[key] = shiftValue(field, delta);
    else out[key] = (key === "start" || key === "end") && typeof field === "number" ? field + delta : field;
  }
  return out;
}

/**
 * Moves every offset of some syntax by `delta` in place, and returns it. Only for syntax nobody
 * else reads at its old offsets (a parse being given up). Each object is reached once: a parse's
 * nodes, comments and diagnostics form a tree, never sharing an object.
 */
export function shiftInPlace<T>(value: T, delta: number): T {
  if (delta !== 0 && value !== null && typeof value === "object") shiftObjectInPlace(value as object, delta);
  return value;
}

function shiftObjectInPlace(value: object, delta: number): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const element: unknown = value[i];
      if (element !== null && typeof element === "object") shiftObjectInPlace(element, delta);
    }
    return;
  }
  const node = value as Record<string, unknown>;
  // `for…in` over plain data (own enumerable keys only, as in `shiftValue`) allocates nothing.
  for (const key in node) {
    const field = node[key];
    if (typeof field === "object" && field !== null) shiftObjectInPlace(field, delta);
    else if ((key === "start" || key === "end") && typeof field === "number") node[key] = field + delta;
  }
}
