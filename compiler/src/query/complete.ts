// Completion on half-typed code. The parser never gives up, so the tree around the cursor exists
// however broken the line; what the cursor may be followed by is read from that tree (which
// block, which call, which record literal) and from the character before the word being typed
// (`:` a value or a type, `(` or `,` an argument, `&` or `|` a validator, `.` a variant).
import type * as A from "@coal/language";
import { keywordNames } from "@coal/language";
import { primitiveNames } from "@coal/runtime/identity";
import type { SourceUnit } from "../program.js";
import { stdModules } from "../program.js";
import { blockRecords, type NameIndex, type Target, type TargetKind, type TypeView } from "./names.js";
import { compactText, descendants, nodesAt } from "./syntax.js";

export type CompletionKind = TargetKind | "keyword" | "entry" | "type" | "file" | "value";

export interface CompletionCandidate {
  readonly label: string;
  readonly kind: CompletionKind;
  readonly detail?: string;
  readonly documentation?: string;
  /** What to insert, when it is more than the label (`floor: `, `committee { }`). */
  readonly insertText?: string;
}

export interface Completions {
  /** The text the chosen candidate replaces: the partial word before the cursor. */
  readonly replace: A.Range;
  readonly items: readonly CompletionCandidate[];
}

export interface CompleteOptions {
  /** Paths of the workspace's `.coal` files, for import paths. */
  readonly files?: readonly string[];
}

const topLevelKeywords = ["import", "universe", "record", "enum", "validator", "measurements", "lattice", "organism", "confluence", "coalition"];
const constructors = ["list", "option", "set", "map"];
const collectionKinds = ["map", "vec", "set", "cell", "once", "priority_queue"];
const shapes = ["standalone", "integrator", "confluence_member", "swarm"];

interface EntrySpec {
  readonly properties: readonly string[];
  readonly blocks?: readonly string[];
  readonly members?: readonly string[];
}

/** What each block takes (the checker's rules, as completion needs them). */
const blockEntries: Readonly<Record<string, EntrySpec>> = {
  OrganismDecl: { properties: ["role", "instance", "shape", "admission", "spans"], blocks: ["committee", "strategies"], members: ["content", "stream", "collection", "watchdog", "heartbeat"] },
  ConfluenceDecl: { properties: ["instance", "shape", "spans", "admission"], blocks: ["committee"], members: ["content", "stream", "collection"] },
  LatticeDecl: { properties: ["stable_id", "instance", "content_hash"] },
  MeasurementsDecl: { properties: ["mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3"] },
  CoalitionDecl: { properties: ["name", "lattices", "organisms", "confluences"], blocks: ["atlas", "almanac", "chronicle", "compute", "tickets", "retirement"] },
  committee: { properties: ["members", "tdx"] },
  tickets: { properties: ["name", "admission"] },
  watchdog: { properties: ["retire_after"] },
};

const strategies: Readonly<Record<string, readonly string[]>> = { reputation: ["org", "floor", "window"], market: ["org"], peering: ["peer", "freshness"], constitution: [], successor: ["policy"] };

/** What a value may be, where the language says. */
type Expectation = { readonly kind: "type"; readonly view: TypeView | undefined } | { readonly kind: "validator" } | { readonly kind: "citizens"; readonly kinds: readonly TargetKind[] } | { readonly kind: "measurements" } | { readonly kind: "shape" } | { readonly kind: "none" };

export function complete(names: NameIndex, unit: SourceUnit, offset: number, options: CompleteOptions = {}): Completions {
  return new Completer(names, unit, offset, options).run();
}

class Completer {
  private readonly text: string;
  private wordStart: number;
  private readonly prev: string;
  private readonly prevStart: number;
  private readonly chain: A.Node[];
  private readonly items: CompletionCandidate[] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly names: NameIndex,
    private readonly unit: SourceUnit,
    private readonly offset: number,
    private readonly options: CompleteOptions,
  ) {
    this.text = unit.text;
    let start = offset;
    while (start > 0 && /[A-Za-z0-9_]/.test(this.text[start - 1]!)) start--;
    this.wordStart = start;
    let at = start - 1;
    while (at >= 0 && /\s/.test(this.text[at]!)) at--;
    this.prevStart = at;
    this.prev = at >= 0 ? this.text[at]! : "";
    this.chain = nodesAt(unit.parsed.file, offset);
  }

  run(): Completions {
    this.dispatch();
    return { replace: { start: this.wordStart, end: this.offset }, items: this.items };
  }

  private add(candidate: CompletionCandidate): void {
    if (this.seen.has(candidate.label)) return;
    this.seen.add(candidate.label);
    this.items.push(candidate);
  }

  private addTarget(target: Target, insertText?: string): void {
    const doc = "doc" in target.node && target.node.doc !== undefined ? target.node.doc.text : undefined;
    this.add({ label: target.name, kind: target.kind, detail: this.detailOf(target), ...(doc === undefined ? {} : { documentation: doc }), ...(insertText === undefined ? {} : { insertText }) });
  }

  private detailOf(target: Target): string {
    const node = target.node;
    if (node.kind === "FieldDecl" || node.kind === "VariantDecl" || node.kind === "ValidatorDecl" || node.kind === "BuiltinDecl" || node.kind === "RecordDecl" || node.kind === "EnumDecl") {
      const text = compactText(target.unit.text, node);
      return text.length > 120 ? `${text.slice(0, 120)} …` : text;
    }
    return target.kind;
  }

  private innermost<K extends A.Node["kind"]>(...kinds: K[]): Extract<A.Node, { kind: K }> | undefined {
    for (let i = this.chain.length - 1; i >= 0; i--) if ((kinds as string[]).includes(this.chain[i]!.kind)) return this.chain[i] as Extract<A.Node, { kind: K }>;
    return undefined;
  }

  /** The identifier just before the previous significant character (`floor` in `floor: |`). */
  private wordBeforePrev(): string {
    let end = this.prevStart;
    while (end > 0 && /\s/.test(this.text[end - 1]!)) end--;
    let start = end;
    while (start > 0 && /[A-Za-z0-9_]/.test(this.text[start - 1]!)) start--;
    return this.text.slice(start, end);
  }

  private dispatch(): void {
    const item = this.chain[1] as A.Item | undefined;
    if (item?.kind === "ImportDecl") return this.importDecl(item);
    if (item === undefined) return this.keywords(topLevelKeywords);
    if (this.prev === "." ) return this.afterDot();

    const typeRef = this.innermost("TypeRef");
    if (typeRef !== undefined || this.inTypePosition(item)) return this.types(item);

    // Inside a call's or directive's parentheses (an unclosed one ends before the cursor).
    const call = this.enclosingCall(item);
    if (call !== undefined) return this.arguments(call);

    if (this.prev === "&" || this.prev === "|") return this.values({ kind: "validator" });

    const list = this.innermost("ListExpr");
    const literal = this.innermost("RecordLiteral");
    const block = this.innermost("Block");
    // The innermost of a record literal and a block decides whose entries these are.
    const literalIsInner = literal !== undefined && (block === undefined || this.chain.indexOf(literal) > this.chain.indexOf(block));
    if (list !== undefined && (!literalIsInner || this.chain.indexOf(list) > this.chain.indexOf(literal!)) && this.offset > list.start) {
      return this.values(this.elementExpectation(list));
    }
    if (literalIsInner) return this.recordLiteral(literal!);
    if (block !== undefined) return this.block(block, item);
    if (item.kind === "ValidatorDecl" && this.prev === "=") return this.values({ kind: "validator" });
    if (item.kind === "UniverseDecl") return;
    if (this.wordStart <= item.start) this.keywords(topLevelKeywords);
  }

  private keywords(words: readonly string[]): void {
    for (const word of words) this.add({ label: word, kind: "keyword" });
  }

  // -------------------------------------------------------------------------------------------
  // Imports

  private importDecl(decl: A.ImportDecl): void {
    if (decl.from !== undefined && this.offset > decl.from.start) {
      const paths = [...stdModules.map((m) => `std/${m}`), ...this.relativeFiles()];
      for (const path of paths) this.add({ label: path, kind: "file" });
      // Replace inside the quotes: from after the opening quote to the cursor.
      this.wordStart = decl.from.start + 1;
      return;
    }
    const from = this.names.importTarget(this.unit, decl);
    const already = new Set(decl.names.map((n) => n.name.text));
    const sources = from !== undefined ? [from] : [...this.names.program.units.values()].filter((u) => u.isStd);
    // Built-in functions are always in scope: they are not imported.
    for (const source of sources) for (const target of this.names.exportsOf(source).values()) if (target.kind !== "builtin" && (!already.has(target.name) || this.isWord(target.name))) this.addTarget(target);
  }

  private isWord(name: string): boolean {
    return this.text.slice(this.wordStart, this.offset) === name;
  }

  private relativeFiles(): string[] {
    const host = this.names.program.options.host;
    const here = host.dirname(this.unit.path);
    return (this.options.files ?? [])
      .filter((file) => file !== this.unit.path)
      .map((file) => {
        const relative = host.relative(here, file).replace(/\\/g, "/");
        return relative.startsWith(".") ? relative : `./${relative}`;
      });
  }

  // -------------------------------------------------------------------------------------------
  // Types

  private inTypePosition(item: A.Item): boolean {
    if (this.prev !== ":" && this.prev !== "<" && this.prev !== ",") return false;
    if (this.prev === "<" || this.prev === ",") return this.innermost("TypeRef") !== undefined;
    // `name: |` in a record, an enum variant's or a signature's fields; `stream s: |`.
    if (item.kind === "RecordDecl" || item.kind === "EnumDecl" || item.kind === "BuiltinDecl") return true;
    if (item.kind === "ValidatorDecl") return this.innermost("FieldDecl") !== undefined || (item.params !== undefined && this.offset < (item.value?.start ?? item.end) && !this.text.slice(item.start, this.offset).includes("="));
    const entry = this.entryBefore(this.innermost("Block"));
    return (entry?.kind === "StreamMember" || entry?.kind === "CollectionMember") && (entry.type === undefined || entry.type.end >= this.wordStart);
  }

  private types(item: A.Item): void {
    const entry = this.entryBefore(this.innermost("Block"));
    const typeRef = this.innermost("TypeRef");
    const outerCollection = entry?.kind === "CollectionMember" && (typeRef === undefined || typeRef === entry.type || entry.type === undefined);
    if (outerCollection) {
      for (const kind of collectionKinds) this.add({ label: kind, kind: "type" });
      return;
    }
    for (const name of primitiveNames) this.add({ label: name, kind: "type" });
    for (const name of constructors) this.add({ label: name, kind: "type" });
    if (item.kind === "ValidatorDecl" && this.unit.isStd) for (const name of ["citizen", "pins", "tick_count"]) this.add({ label: name, kind: "type" });
    for (const binding of this.names.scopeOf(this.unit).values()) if (binding.target.kind === "record" || binding.target.kind === "enum") this.addTarget(binding.target);
  }

  // -------------------------------------------------------------------------------------------
  // Values

  private afterDot(): void {
    const qualifier = this.wordBeforePrev();
    const bound = this.names.lookup(this.unit, qualifier);
    if (bound?.target.kind === "enum") for (const variant of this.names.members(bound.target)) this.addTarget(variant);
  }

  private values(expectation: Expectation): void {
    const scope = [...this.names.scopeOf(this.unit).values()].map((b) => b.target);
    switch (expectation.kind) {
      case "none":
        return;
      case "shape":
        for (const shape of shapes) this.add({ label: shape, kind: "value" });
        return;
      case "validator":
        for (const target of scope) if (target.kind === "validator" || target.kind === "builtin-validator") this.addTarget(target);
        return;
      case "measurements":
        for (const target of scope) if (target.kind === "measurements") this.addTarget(target);
        return;
      case "citizens":
        for (const target of scope) if (expectation.kinds.includes(target.kind)) this.addTarget(target);
        if (expectation.kinds.some((k) => k === "organism" || k === "lattice")) {
          const pinned = this.names.prelude().get("pinned");
          if (pinned !== undefined) this.addTarget(pinned);
        }
        return;
      case "type": {
        const named = this.names.namedType(expectation.view);
        if (named?.kind === "enum") {
          for (const variant of this.names.members(named)) this.addTarget(variant);
          return;
        }
        if (named?.kind === "record") {
          this.addTarget(named, `${named.name} { }`);
          return;
        }
        const primitive = expectation.view?.ref.name?.text;
        if (primitive === "bool") return this.keywords(["true", "false"]);
        if (primitive === "citizen") return this.values({ kind: "citizens", kinds: ["organism", "confluence", "lattice"] });
        if (primitive === "pins") return this.values({ kind: "measurements" });
        for (const target of scope) if (target.kind !== "record" && target.kind !== "coalition") this.addTarget(target);
        for (const target of this.names.prelude().values()) this.addTarget(target);
        if (expectation.view === undefined) this.keywords(["true", "false"]);
      }
    }
  }

  private elementExpectation(list: A.ListExpr): Expectation {
    // `[…]` as a property's value: what the property's elements are.
    const property = this.innermost("Property");
    if (property !== undefined && property.value === list) {
      const outer = this.expectationFor(property);
      if (outer.kind === "type") return { kind: "type", view: this.names.elementType(outer.view) };
      return outer;
    }
    const argument = this.innermost("Argument");
    if (argument !== undefined && argument.value === list) {
      const call = this.innermost("CallExpr");
      const param = call === undefined ? undefined : this.parameterOf(call, argument);
      if (param !== undefined && param.node.kind === "FieldDecl" && param.node.type !== undefined) return { kind: "type", view: this.names.elementType({ unit: param.unit, ref: param.node.type }) };
    }
    return { kind: "type", view: undefined };
  }

  /** What the value of a property may be, from the block or record literal it is in. */
  private expectationFor(property: A.Property): Expectation {
    const literal = this.innermost("RecordLiteral");
    if (literal !== undefined && literal.fields.includes(property)) {
      const field = this.fieldsOfLiteral(literal).find((f) => f.name === property.name.text);
      return { kind: "type", view: this.viewOf(field) };
    }
    return this.blockExpectation(this.ownerOfBlock(this.innermost("Block")), property.name.text);
  }

  private blockExpectation(owner: string, key: string): Expectation {
    if (key === "admission") return { kind: "validator" };
    if (key === "shape") return { kind: "shape" };
    if (key === "tdx") return { kind: "measurements" };
    if (owner === "CoalitionDecl" && (key === "lattices" || key === "organisms" || key === "confluences")) return { kind: "citizens", kinds: [key.slice(0, -1) as TargetKind] };
    if (key === "spans") return { kind: "citizens", kinds: ["organism", "confluence"] };
    const record = blockRecords[owner];
    if (record !== undefined) {
      const field = this.names.std(record) === undefined ? undefined : this.names.members(this.names.std(record)!).find((f) => f.name === key);
      return { kind: "type", view: this.viewOf(field) };
    }
    if (key === "instance" || key === "role" || key === "name" || key === "stable_id" || key === "content_hash" || key === "members") return { kind: "none" };
    return { kind: "type", view: undefined };
  }

  private viewOf(field: Target | undefined): TypeView | undefined {
    return field?.node.kind === "FieldDecl" && field.node.type !== undefined ? { unit: field.unit, ref: field.node.type } : undefined;
  }

  private fieldsOfLiteral(literal: A.RecordLiteral): Target[] {
    const first = literal.type.segments[0];
    const bound = first === undefined ? undefined : this.names.lookup(this.unit, first.text);
    return bound?.target.kind === "record" ? this.names.members(bound.target) : [];
  }

  // -------------------------------------------------------------------------------------------
  // Calls and directives

  /** The innermost call or directive whose parentheses hold the cursor. */
  private enclosingCall(item: A.Item): A.CallExpr | A.Directive | undefined {
    let found: A.CallExpr | A.Directive | undefined;
    for (const node of descendants(item)) {
      if ((node.kind === "CallExpr" || node.kind === "Directive") && node.start < this.wordStart && this.insideParens(node) && (found === undefined || node.start >= found.start)) found = node;
    }
    return found;
  }

  private insideParens(call: A.CallExpr | A.Directive): boolean {
    const open = call.kind === "CallExpr" ? call.callee.end : call.name.end;
    if (call.kind === "Directive" && call.args === undefined) return false;
    const paren = this.text.indexOf("(", open);
    if (paren < 0 || paren >= this.wordStart || /\S/.test(this.text.slice(open, paren))) return false;
    const closed = this.text[call.end - 1] === ")";
    // An unclosed call holds the cursor until the end of its line's text runs into another entry.
    return closed ? this.offset < call.end : !/[\n\r]\s*[A-Za-z_]+\s*[:{]/.test(this.text.slice(call.end, this.wordStart));
  }

  private parameterOf(call: A.CallExpr, argument: A.Argument): Target | undefined {
    const params = this.calleeParams(call);
    if (argument.name !== undefined) return params.find((p) => p.name === argument.name!.text);
    const positional = call.args.filter((a) => a.name === undefined);
    return params[positional.indexOf(argument)];
  }

  private calleeParams(call: A.CallExpr): Target[] {
    const [first, second] = call.callee.segments;
    const bound = first === undefined ? undefined : this.names.lookup(this.unit, first.text);
    if (bound === undefined) return [];
    if (bound.target.kind === "enum" && second !== undefined) {
      const variant = this.names.members(bound.target).find((v) => v.name === second.text);
      return variant === undefined ? [] : this.names.members(variant);
    }
    return bound.target.kind === "builtin-validator" || bound.target.kind === "builtin" ? this.names.members(bound.target) : [];
  }

  private arguments(call: A.CallExpr | A.Directive): void {
    const args = call.args ?? [];
    const current = args.find((a) => a.start <= this.offset && this.offset <= a.end);
    const given = new Set(args.filter((a) => a !== current && a.name !== undefined).map((a) => a.name!.text));
    // After `name:`, the value of that argument.
    if (this.prev === ":") {
      const name = this.wordBeforePrev();
      if (call.kind === "Directive") return this.values(name === "policy" ? { kind: "type", view: this.names.stdType("SuccessorPolicy") } : { kind: "citizens", kinds: ["organism", "confluence", "lattice"] });
      const param = this.calleeParams(call).find((p) => p.name === name);
      return this.values({ kind: "type", view: this.viewOf(param) });
    }
    if (this.prev !== "(" && this.prev !== ",") return;
    const positionalBefore = args.filter((a) => a !== current && a.name === undefined && a.end <= this.wordStart).length;
    if (call.kind === "Directive") {
      const params = strategies[call.name.text] ?? [];
      for (const param of params.slice(1)) if (!given.has(param)) this.add({ label: `${param}:`, kind: "parameter", insertText: `${param}: ` });
      if (positionalBefore === 0) this.values(call.name.text === "successor" ? { kind: "type", view: this.names.stdType("SuccessorPolicy") } : { kind: "citizens", kinds: ["organism", "confluence", "lattice"] });
      return;
    }
    const params = this.calleeParams(call);
    for (const param of params.slice(positionalBefore)) if (!given.has(param.name)) this.addTarget({ ...param, name: `${param.name}:` }, `${param.name}: `);
    const positional = params[positionalBefore];
    if (given.size === 0) this.values({ kind: "type", view: this.viewOf(positional) });
  }

  // -------------------------------------------------------------------------------------------
  // Blocks and record literals

  /** The entry that starts last before the word being typed. */
  private entryBefore(block: A.Block | undefined): A.Entry | undefined {
    let found: A.Entry | undefined;
    for (const entry of block?.entries ?? []) if (entry.start < this.wordStart) found = entry;
    return found;
  }

  private ownerOfBlock(block: A.Block | undefined): string {
    if (block === undefined) return "";
    const owner = this.chain[this.chain.indexOf(block) - 1];
    if (owner === undefined) return "";
    if (owner.kind === "NestedBlock") return owner.name.text;
    if (owner.kind === "WatchdogMember") return "watchdog";
    return owner.kind;
  }

  private block(block: A.Block, item: A.Item): void {
    const owner = this.ownerOfBlock(block);
    const entry = this.entryBefore(block);
    if (this.prev === ":" && entry?.kind === "Property") return this.values(this.blockExpectation(owner, entry.name.text));
    if (this.prev === ":" && entry?.kind === "ContentMember") {
      const records = [...this.names.scopeOf(this.unit).values()].map((b) => b.target).filter((t) => t.kind === "record");
      for (const record of records) this.addTarget(record, `${record.name} { }`);
      return;
    }
    const word = this.wordBeforePrev();
    if (this.wordStart > block.start && this.text.slice(this.prevStart - word.length + 1, this.prevStart + 1) === "watchdog") return this.values({ kind: "citizens", kinds: ["organism"] });
    if (word === "on" && entry?.kind === "HeartbeatMember") return this.add({ label: "chronicle", kind: "value" });
    // The start of an entry: what this block takes and does not have yet.
    const typing = entry !== undefined && entry.start === this.wordStart ? entry : undefined;
    const written = new Set(block.entries.filter((e) => e !== typing && (e.kind === "Property" || e.kind === "NestedBlock" || e.kind === "Directive")).map((e) => (e as A.Property).name.text));
    if (owner === "strategies") {
      for (const name of Object.keys(strategies)) if (!written.has(name)) this.add({ label: name, kind: "entry", insertText: name === "constitution" ? name : `${name}(` });
      return;
    }
    const record = blockRecords[owner];
    if (record !== undefined) {
      const std = this.names.std(record);
      for (const field of std === undefined ? [] : this.names.members(std)) if (!written.has(field.name)) this.addTarget(field, `${field.name}: `);
      if (owner !== "retirement") for (const name of ["admission", "tdx"]) if (!written.has(name)) this.add({ label: name, kind: "entry", insertText: `${name}: ` });
      return;
    }
    const spec = blockEntries[owner];
    if (spec === undefined) return;
    const present = new Set(block.entries.filter((e) => e !== typing).map((e) => e.kind));
    for (const name of spec.properties) if (!written.has(name)) this.add({ label: name, kind: "entry", insertText: `${name}: ` });
    for (const name of spec.blocks ?? []) if (!written.has(name)) this.add({ label: name, kind: "entry", insertText: `${name} { }` });
    for (const member of spec.members ?? []) {
      if ((member === "content" && present.has("ContentMember")) || (member === "watchdog" && present.has("WatchdogMember")) || (member === "heartbeat" && present.has("HeartbeatMember"))) continue;
      this.add({ label: member, kind: "keyword", insertText: member === "content" ? "content: " : member === "heartbeat" ? "heartbeat on chronicle every " : `${member} ` });
    }
    void item;
  }

  private recordLiteral(literal: A.RecordLiteral): void {
    const fields = this.fieldsOfLiteral(literal);
    const property = literal.fields.find((p) => p.start < this.wordStart && (p.value === undefined || p.value.end >= this.wordStart)) ?? literal.fields.filter((p) => p.start < this.wordStart).pop();
    if (this.prev === ":" && property !== undefined) return this.values({ kind: "type", view: this.viewOf(fields.find((f) => f.name === property.name.text)) });
    if (property?.value !== undefined && property.value.start <= this.wordStart && this.wordStart <= property.value.end && this.prev !== "{") {
      return this.values({ kind: "type", view: this.viewOf(fields.find((f) => f.name === property.name.text)) });
    }
    const typing = literal.fields.find((p) => p.start === this.wordStart);
    const written = new Set(literal.fields.filter((p) => p !== typing).map((p) => p.name.text));
    for (const field of fields) if (!written.has(field.name)) this.addTarget(field, `${field.name}: `);
  }
}

/** Every keyword, for completion in positions nothing more specific fits. */
export const allKeywords: readonly string[] = keywordNames;
