// Source origins as people read them: `file:line:column`. Fingerprint derivations carry origins
// (compiler/src/model.ts `Origin`); `coalc fingerprint --explain` and the language server's
// "explain this fingerprint" both print them through this one renderer.
import { LineMap } from "@coal/language";
import type { Origin } from "./model.js";
import type { Program } from "./program.js";

/** A renderer for origins in `program`'s files; line maps are built once per file. */
export function originRenderer(program: Pick<Program, "units">): (origin: unknown) => string | undefined {
  const maps = new Map<string, LineMap>();
  return (value) => {
    const o = value as Origin | undefined;
    if (o === undefined || typeof o !== "object" || !("file" in o)) return undefined;
    const unit = program.units.get(o.file);
    if (unit === undefined) return o.file;
    let map = maps.get(o.file);
    if (map === undefined) {
      map = new LineMap(unit.text);
      maps.set(o.file, map);
    }
    const { line, column } = map.position(o.range.start);
    return `${o.file}:${line}:${column}`;
  };
}
