// Change classification (spec 03 "Compatibility", rotation rules of spec 01): two lock files in,
// every change out as compatible, fingerprint change or breaking, with the ids that move and the
// rule that moves them.
import type { LockCitizen, LockCoalition, LockField, LockFile, LockRef, LockType } from "./lock.js";

export type ChangeClass = "compatible" | "fingerprint" | "breaking";

export interface Change {
  readonly class: ChangeClass;
  /** What changed: `record Forecast`, `organism prophet`, `coalition forecasters`. */
  readonly subject: string;
  readonly description: string;
  /** The ids that move, as paths (`organisms.prophet.content_hash`). */
  readonly moves: readonly string[];
  /** The rotation rule (spec 01) that makes them move, when one applies. */
  readonly rule?: string;
}

export interface DiffResult {
  readonly changes: readonly Change[];
  /** The most severe class of any change; `compatible` when nothing changed. */
  readonly verdict: ChangeClass;
}

export const rules = {
  stableId: "a referenced citizen's stable id changes",
  pinned: "a pinned content hash changes",
  config: "a confluence's or module's Config changes",
  set: "the lattice / organism / confluence / module set changes",
  issuer: "the ticket issuer is added, rotated or removed",
  name: "the instance name changes",
  content: "the content hash pins the content: parameters, ACL, TDX measurements and surface",
  republished: "a stable id changes only when the citizen is republished under a new instance name",
} as const;

const severity: Record<ChangeClass, number> = { compatible: 0, fingerprint: 1, breaking: 2 };

/**
 * Reads a citizen's content bytes (hex) field by field: field name → the field's own encoding
 * (hex). Given by callers that hold the current program (`coalc check --against`), so a change of
 * content values is reported by the fields it touches (strategy D); undefined when it cannot tell.
 */
export type ContentFields = (citizen: string, bytesHex: string) => ReadonlyMap<string, string> | undefined;

export function diffLocks(old: LockFile, current: LockFile, contentFields?: ContentFields): DiffResult {
  const changes: Change[] = [];
  const add = (change: Change) => changes.push(change);
  diffTypes(old, current, add);
  diffCitizens(old, current, add, contentFields);
  diffCoalitions(old, current, add);
  if (old.universe !== current.universe) add({ class: "fingerprint", subject: "universe", description: "the universe changed, so every instance id moves", moves: ["universe"], rule: rules.stableId });
  const verdict = changes.reduce<ChangeClass>((worst, c) => (severity[c.class] > severity[worst] ? c.class : worst), "compatible");
  return { changes, verdict };
}

function describeFields(fields: readonly LockField[]): string {
  return fields.map((f) => `\`${f.name}: ${f.type}\``).join(", ");
}

/** Breaking and fingerprint changes between two field lists (a record's, or a variant's). */
function fieldChanges(old: readonly LockField[], current: readonly LockField[]): { breaking: string[]; appended: LockField[] } {
  const breaking: string[] = [];
  const n = Math.min(old.length, current.length);
  for (let i = 0; i < n; i++) {
    const a = old[i]!;
    const b = current[i]!;
    if (a.name !== b.name) {
      const moved = current.findIndex((f) => f.name === a.name);
      breaking.push(moved >= 0 ? `field \`${a.name}\` moved from position ${i + 1} to ${moved + 1}` : `field \`${a.name}\` renamed to \`${b.name}\``);
    } else if (a.type !== b.type) {
      breaking.push(`field \`${a.name}\` retyped from \`${a.type}\` to \`${b.type}\``);
    }
  }
  for (const removed of old.slice(n)) if (!current.some((f) => f.name === removed.name)) breaking.push(`field \`${removed.name}\` removed`);
  const appended = current.slice(n).filter((f) => !old.some((o) => o.name === f.name));
  for (const f of appended) if (!f.optional) breaking.push(`required field \`${f.name}: ${f.type}\` added (values encoded before cannot be decoded)`);
  return { breaking, appended };
}

function diffTypes(old: LockFile, current: LockFile, add: (c: Change) => void): void {
  for (const [name, a] of Object.entries(old.types)) {
    const b = current.types[name];
    const subject = `${a.kind} ${name}`;
    if (b === undefined) {
      add({ class: "breaking", subject, description: "removed", moves: [`schemas.${name}`] });
      continue;
    }
    if (a.kind !== b.kind) {
      add({ class: "breaking", subject, description: `changed from a ${a.kind} to a ${b.kind}`, moves: [`schemas.${name}`] });
      continue;
    }
    const breaking: string[] = [];
    const appended: string[] = [];
    if (a.kind === "record") {
      const r = fieldChanges(a.fields ?? [], b.fields ?? []);
      breaking.push(...r.breaking);
      if (r.appended.length > 0) appended.push(`optional field${r.appended.length > 1 ? "s" : ""} ${describeFields(r.appended)} appended`);
    } else {
      const va = a.variants ?? [];
      const vb = b.variants ?? [];
      for (let i = 0; i < va.length; i++) {
        const v = va[i]!;
        const w = vb[i];
        if (w === undefined) breaking.push(vb.some((x) => x.name === v.name) ? `variant \`${v.name}\` reordered` : `variant \`${v.name}\` removed`);
        else if (w.name !== v.name) breaking.push(vb.some((x) => x.name === v.name) ? `variant \`${v.name}\` reordered` : `variant \`${v.name}\` renamed to \`${w.name}\``);
        else {
          const r = fieldChanges(v.fields, w.fields);
          breaking.push(...r.breaking.map((text) => `in variant \`${v.name}\`, ${text}`));
          if (r.appended.length > 0) appended.push(`optional fields ${describeFields(r.appended)} appended to variant \`${v.name}\``);
        }
      }
      const added = vb.slice(va.length).filter((w) => !va.some((v) => v.name === w.name));
      if (added.length > 0) appended.push(`variant${added.length > 1 ? "s" : ""} ${added.map((v) => `\`${v.name}\``).join(", ")} appended`);
    }
    for (const text of breaking) add({ class: "breaking", subject, description: text, moves: [`schemas.${name}`] });
    if (breaking.length === 0 && a.schema !== b.schema) {
      add({ class: "fingerprint", subject, description: appended.length > 0 ? `${appended.join("; ")}: existing values keep their bytes, but the schema hash moves` : "a type it contains changed, so its schema hash moves", moves: [`schemas.${name}`] });
    }
  }
  for (const name of Object.keys(current.types)) if (old.types[name] === undefined) add({ class: "compatible", subject: `${current.types[name]!.kind} ${name}`, description: "added", moves: [] });
}

function section(c: LockCitizen): string {
  return c.kind === "lattice" ? "lattices" : c.kind === "organism" ? "organisms" : "confluences";
}

function diffCitizens(old: LockFile, current: LockFile, add: (c: Change) => void, contentFields: ContentFields | undefined): void {
  for (const [name, a] of Object.entries(old.citizens)) {
    const b = current.citizens[name];
    const subject = `${a.kind} ${name}`;
    const at = `${section(a)}.${name}`;
    if (b === undefined) {
      add({ class: "breaking", subject, description: "removed: its streams and collections are gone", moves: [`${at}.stable_id`] });
      continue;
    }
    if (a.stable_id !== b.stable_id) {
      add({ class: "fingerprint", subject, description: a.instance !== b.instance ? `instance name changed from ${JSON.stringify(a.instance)} to ${JSON.stringify(b.instance)}: a new citizen, to be published as the old one's successor` : "stable id changed", moves: [`${at}.stable_id`, ...a.surface.map((s) => `${at}.surface.${s.name}`)], rule: rules.republished });
    }
    for (const item of a.surface) {
      const now = b.surface.find((s) => s.name === item.name);
      if (now === undefined) add({ class: "breaking", subject, description: `${item.kind} \`${item.name}\` removed`, moves: [`${at}.surface.${item.name}`] });
      else if (now.kind !== item.kind || now.type !== item.type) add({ class: "breaking", subject, description: `${item.kind} \`${item.name}\` changed its type from \`${item.type}\` to \`${now.type}\``, moves: [`${at}.surface.${item.name}`] });
      else if (now.typeId !== item.typeId && a.stable_id === b.stable_id) add({ class: "fingerprint", subject, description: `the datum type of ${item.kind} \`${item.name}\` (\`${item.type}\`) changed shape, so its id moves`, moves: [`${at}.surface.${item.name}`] });
    }
    if (a.content_hash !== b.content_hash && a.kind !== "lattice") {
      const reasons: string[] = [];
      if (a.content_schema !== b.content_schema) reasons.push("the content's type");
      if (a.content_bytes !== b.content_bytes) reasons.push(touchedFields(name, a, b, contentFields) ?? "the content's values");
      if (a.admission_signature !== b.admission_signature) reasons.push("the admission");
      if (a.tdx_pin !== b.tdx_pin) reasons.push("the TDX pin");
      if (JSON.stringify(a.surface.map((s) => [s.name, s.kind, s.typeId])) !== JSON.stringify(b.surface.map((s) => [s.name, s.kind, s.typeId]))) reasons.push("the surface");
      if (JSON.stringify(a.spans) !== JSON.stringify(b.spans)) reasons.push("the spanned citizens");
      if (a.instance !== b.instance) reasons.push("the instance name");
      const what = a.kind === "confluence" ? "fingerprint" : "content_hash";
      add({ class: "fingerprint", subject, description: `${a.kind === "confluence" ? "fingerprint" : "content hash"} moves: ${reasons.join(", ") || "a folded value"} changed`, moves: [`${at}.${what}`], rule: rules.content });
    } else if (a.kind === "lattice" && a.content_hash !== b.content_hash) {
      add({ class: "fingerprint", subject, description: "the published content hash changed", moves: [`${at}.content_hash`], rule: rules.pinned });
    }
  }
  for (const [name, b] of Object.entries(current.citizens)) if (old.citizens[name] === undefined) add({ class: "compatible", subject: `${b.kind} ${name}`, description: "added", moves: [] });
}

/** "content fields `decay`, `window`" when the type is unchanged and the fields can be read. */
function touchedFields(citizen: string, a: LockCitizen, b: LockCitizen, read: ContentFields | undefined): string | undefined {
  if (read === undefined || a.content_schema !== b.content_schema || a.content_bytes === null || b.content_bytes === null) return undefined;
  const before = read(citizen, a.content_bytes);
  const after = read(citizen, b.content_bytes);
  if (before === undefined || after === undefined) return undefined;
  const touched = [...after.keys()].filter((field) => before.get(field) !== after.get(field));
  if (touched.length === 0) return undefined;
  return `content ${touched.length === 1 ? "field" : "fields"} ${touched.map((f) => `\`${f}\``).join(", ")}`;
}

function refsChanged(label: string, a: readonly LockRef[], b: readonly LockRef[], reasons: { text: string; rule: string }[]): void {
  const names = (refs: readonly LockRef[]) => refs.map((r) => r.name);
  const added = b.filter((r) => !a.some((x) => x.name === r.name)).map((r) => r.name);
  const removed = a.filter((r) => !b.some((x) => x.name === r.name)).map((r) => r.name);
  if (added.length > 0 || removed.length > 0) reasons.push({ text: `${label}: ${[...added.map((n) => `+${n}`), ...removed.map((n) => `-${n}`)].join(" ")}`, rule: rules.set });
  else if (JSON.stringify(names(a)) !== JSON.stringify(names(b))) reasons.push({ text: `${label} reordered`, rule: rules.set });
  for (const r of a) {
    const now = b.find((x) => x.name === r.name);
    if (now === undefined) continue;
    if (now.stable_id !== r.stable_id) reasons.push({ text: `the stable id of ${r.name} changed`, rule: rules.stableId });
    else if (now.pinned !== r.pinned) {
      if (label === "confluences") reasons.push({ text: `the fingerprint of confluence ${r.name} changed`, rule: rules.config });
      else reasons.push({ text: r.pinned !== null && now.pinned !== null ? `the pinned content hash of ${r.name} changed` : `${r.name} is ${now.pinned === null ? "no longer" : "now"} pinned`, rule: rules.pinned });
    }
  }
}

function diffCoalitions(old: LockFile, current: LockFile, add: (c: Change) => void): void {
  for (const [name, a] of Object.entries(old.coalitions)) {
    const b = current.coalitions[name];
    const subject = `coalition ${name}`;
    const at = `coalition.${name}`;
    if (b === undefined) {
      add({ class: "breaking", subject, description: "removed", moves: [`${at}.coalition_id`] });
      continue;
    }
    const reasons: { text: string; rule: string }[] = [];
    if (a.COALITION !== b.COALITION) reasons.push({ text: `name changed from ${JSON.stringify(a.name)} to ${JSON.stringify(b.name)}`, rule: rules.name });
    refsChanged("lattices", a.lattices, b.lattices, reasons);
    refsChanged("organisms", a.organisms, b.organisms, reasons);
    refsChanged("confluences", a.confluences, b.confluences, reasons);
    if (a.ticket_issuer !== b.ticket_issuer) reasons.push({ text: a.ticket_issuer === null ? "ticket issuer added" : b.ticket_issuer === null ? "ticket issuer removed" : "ticket issuer rotated", rule: rules.issuer });
    const moves: string[] = [];
    if (a.COALITION !== b.COALITION) moves.push(`${at}.COALITION`);
    if (a.COALITION_ROOT !== b.COALITION_ROOT) moves.push(`${at}.COALITION_ROOT`, `${at}.TICKETS_ROOT`);
    for (const module of new Set([...Object.keys(a.modules), ...Object.keys(b.modules)])) {
      const m = a.modules[module];
      const n = b.modules[module];
      if (m === undefined || n === undefined) {
        reasons.push({ text: `module ${module} ${m === undefined ? "added" : "removed"}`, rule: rules.set });
        moves.push(`${at}.modules.${module}.fingerprint`);
      } else if (m.fingerprint !== n.fingerprint) {
        if (m.root === n.root) reasons.push({ text: `module ${module}'s Config changed`, rule: rules.config });
        moves.push(`${at}.modules.${module}.fingerprint`);
      }
    }
    if (a.retirement !== b.retirement) reasons.push({ text: "retirement policy changed", rule: "the coalition id folds the retirement policy" });
    if (a.coalition_id !== b.coalition_id) moves.push(`${at}.coalition_id`);
    if (moves.length === 0) continue;
    for (const reason of reasons.length > 0 ? reasons : [{ text: "a folded value changed", rule: rules.config }]) add({ class: "fingerprint", subject, description: reason.text, moves, rule: reason.rule });
  }
  for (const name of Object.keys(current.coalitions)) if (old.coalitions[name] === undefined) add({ class: "compatible", subject: `coalition ${name}`, description: "added", moves: [] });
}

export function isLockFile(value: unknown): value is LockFile {
  return typeof value === "object" && value !== null && (value as LockFile).lock_version === 1 && typeof (value as LockFile).citizens === "object" && typeof (value as LockFile).types === "object";
}

export type { LockType };
