// Program slicing: the smallest program that checks some items exactly as the whole would. An
// editor re-checks the declaration being typed in, not the 5 000-line file around it: the slice
// holds the chosen items, every declaration they reach through names (in any file), the files'
// imports and universes, and the standard library. Checking it yields the same diagnostics for
// the chosen items — except those that compare an item with the rest of the workspace
// (duplicates, unused imports, shared instance names, successor cycles), which a full check
// reports; `sliceLocalCodes` tells them apart.
import type * as A from "@coal/language";
import { checkProgram, type CheckedProgram } from "../checker/checker.js";
import type { Program, SourceUnit } from "../program.js";
import { NameIndex } from "./names.js";
import { itemAt } from "./syntax.js";

/** Codes that compare an item with others outside it: a slice cannot decide them. */
export const workspaceCodes: ReadonlySet<string> = new Set(["E0200", "E0201", "E0202", "E0203", "E0204", "E0208", "E0409", "E0412", "W0200"]);

export interface SliceRoot {
  readonly unit: SourceUnit;
  readonly items: readonly A.Item[];
}

const citizenKinds = new Set(["organism", "confluence", "lattice"]);

/**
 * The program reduced to `roots` and what they need. A declaration a root names is kept; what
 * *it* names is kept too — types, measurements and validators all the way down, since a root's
 * checks and fingerprints see through them — but a citizen named without `pinned(…)` folds only
 * its stable id (its instance name, in its shell), so it is kept "shallow": its own citizen
 * references are not followed. (A coalition folds its confluences' fingerprints: those are kept
 * deep.) Otherwise a chain of organisms each naming the previous would drag the whole chain in.
 */
export function sliceProgram(program: Program, roots: readonly SliceRoot[], names = new NameIndex(program)): Program {
  const kept = new Map<SourceUnit, Map<A.Item, boolean>>();
  const queue: [SourceUnit, A.Item, boolean][] = [];
  const keep = (unit: SourceUnit, item: A.Item, deep: boolean) => {
    let items = kept.get(unit);
    if (items === undefined) {
      items = new Map();
      kept.set(unit, items);
      // Every file in the slice keeps its imports and universe: names bind as in the whole.
      for (const other of unit.parsed.file.items) if (other.kind === "ImportDecl" || other.kind === "UniverseDecl") items.set(other, true);
    }
    const known = items.get(item);
    if (known === true || (known === false && !deep)) {
      if (item.kind !== "ImportDecl" && item.kind !== "UniverseDecl") return;
      if (queue.some(([u, i]) => u === unit && i === item)) return;
    }
    items.set(item, deep);
    queue.push([unit, item, deep]);
  };
  for (const root of roots) for (const item of root.items) keep(root.unit, item, true);
  // The universe changes every stable id: keep whichever file declares it.
  for (const unit of program.units.values()) for (const item of unit.parsed.file.items) if (item.kind === "UniverseDecl") keep(unit, item, true);
  while (queue.length > 0) {
    const [unit, item, deep] = queue.pop()!;
    if (unit.isStd) continue;
    for (const occurrence of names.occurrencesIn(unit, item)) {
      const top = NameIndex.topLevel(occurrence.target);
      if (top.unit.isStd) continue;
      if (!citizenKinds.has(top.kind)) {
        keep(top.unit, top.node as A.Declaration, true);
        continue;
      }
      if (!deep) continue;
      const pinned = /pinned\s*\(\s*$/.test(unit.text.slice(Math.max(0, occurrence.range.start - 32), occurrence.range.start));
      const folded = pinned || (item.kind === "CoalitionDecl" && top.kind === "confluence");
      keep(top.unit, top.node as A.Declaration, folded);
    }
  }
  const units = new Map<string, SourceUnit>();
  for (const [path, unit] of program.units) {
    if (unit.isStd) {
      units.set(path, unit);
      continue;
    }
    const items = kept.get(unit);
    if (items === undefined) continue;
    const file: A.SourceFile = { ...unit.parsed.file, items: unit.parsed.file.items.filter((item) => items.has(item)) };
    units.set(path, { ...unit, parsed: { ...unit.parsed, file } });
  }
  return { options: program.options, units, entries: [...units.keys()], diagnostics: [] };
}

/**
 * Checks `items` of the file at `path` through a slice, and returns the diagnostics that lie in
 * those items and that a slice can decide, with the slice's checked program (its model has the
 * items' citizens, for fingerprints).
 */
export function checkItems(program: Program, path: string, items: readonly A.Item[], names?: NameIndex): { readonly diagnostics: CheckedProgram["diagnostics"]; readonly checked: CheckedProgram } {
  const unit = program.units.get(path);
  if (unit === undefined) throw new Error(`checkItems: ${path} is not in the program`);
  const checked = checkProgram(sliceProgram(program, [{ unit, items }], names));
  const chosen = new Set(items);
  const diagnostics = checked.diagnostics.filter((d) => {
    if (d.file !== path || workspaceCodes.has(d.code)) return false;
    const item = itemAt(unit.parsed.file, d.range.start);
    return item !== undefined && chosen.has(item);
  });
  return { diagnostics, checked };
}
