// The checker: a loaded program → diagnostics and the immutable workspace model. Citizens are
// built in two passes — shells first (name, kind, instance name), then their bodies — so that
// citizens may refer to each other in any order; what would loop forever (pins, validators,
// successors referring back) is reported as a cycle.
import type * as A from "@coal/language";
import { compareDiagnostics, type Diagnostic, type Fix } from "@coal/language";
import { defaultUniverse, fromHex, id, instanceId, moduleNames, primitive, type Bytes, type Decimal, type JwtAlgorithm, type MeasurementsCriteria, type ModuleName, type RecordType, type Value } from "@coal/runtime/identity";
import { checkerDiagnostic } from "../catalogue.js";
import type {
  AdmissionModel,
  CitizenModel,
  CitizenRefModel,
  CoalitionModel,
  CommitteeModel,
  ConfluenceModel,
  ContentModel,
  LatticeModel,
  MeasurementsModel,
  ModuleModel,
  NamedTypeModel,
  Origin,
  OrganismModel,
  Shape,
  Strategy,
  SurfaceItemModel,
  ValidatorCall,
  WorkspaceModel,
} from "../model.js";
import type { Program, SourceUnit } from "../program.js";
import { Context } from "./context.js";
import { kindDescription, type Sym } from "./scope.js";
import { Types } from "./types.js";
import { article, citizenKinds, countOf, describeExpr, hexDigits, named, parseDuration, parseInteger, placeholder, Values } from "./values.js";

export interface CheckedProgram {
  readonly program: Program;
  /** Every diagnostic (syntax, loading, checking), in file and source order. */
  readonly diagnostics: readonly Diagnostic[];
  readonly model: WorkspaceModel;
  readonly hasErrors: boolean;
}

const collectionKinds = new Set(["map", "vec", "set", "cell", "once", "priority_queue"]);
const shapes = new Set<Shape>(["integrator", "standalone", "confluence_member", "swarm"]);
const registers = ["mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3"] as const;

export function checkProgram(program: Program): CheckedProgram {
  const checker = new Checker(program);
  const model = checker.run();
  const diagnostics = [...program.diagnostics, ...checker.context.diagnostics].sort(compareDiagnostics);
  return { program, diagnostics, model, hasErrors: diagnostics.some((d) => d.severity === "error") };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface EntryRule {
  readonly properties?: readonly string[];
  readonly blocks?: readonly string[];
  readonly members?: readonly A.Entry["kind"][];
}

/** The modules' public surfaces (spec 06): what their committees publish, by standard type. */
const moduleSurfaces: Record<ModuleName, readonly ({ kind: "stream"; name: string; type: string } | { kind: "collection"; name: string; collection: "map" | "vec"; type: string })[]> = {
  atlas: [{ kind: "collection", name: "cards", collection: "map", type: "MemberCard" }],
  almanac: [{ kind: "stream", name: "ticks", type: "AlmanacTick" }],
  chronicle: [{ kind: "collection", name: "log", collection: "vec", type: "ChronicleEntry" }],
  compute: [
    { kind: "stream", name: "requests", type: "ComputeRequest" },
    { kind: "collection", name: "providers", collection: "map", type: "ProviderCard" },
    { kind: "stream", name: "grants", type: "ComputeGrant" },
  ],
};

class Checker {
  readonly context: Context;
  private readonly types: Types;
  private readonly values: Values;
  private universe: Bytes = defaultUniverse;
  private universeOrigin: import("../model.js").Origin | undefined;
  private readonly citizens = new Map<A.Declaration, Mutable<CitizenModel>>();
  private readonly measurements = new Map<A.Declaration, MeasurementsModel | undefined>();
  private readonly validators = new Map<A.Declaration, AdmissionModel | undefined | "checking">();
  private readonly instanceNames = new Map<string, Sym>();

  constructor(private readonly program: Program) {
    this.context = new Context(program);
    this.types = new Types(this.context);
    // Functions as plain properties, not a getter: V8 keeps an object literal's accessor
    // functions in its hidden class, which lives in the old generation, so each check made a
    // hidden class that held this checker — and through it the whole program it checked — alive
    // in every young-generation collection until the next full one. The language server checks
    // a slice per keystroke: that was most of what those collections copied.
    this.values = new Values(this.context, this.types, {
      stableId: (sym) => this.stableIdOf(sym),
      universe: () => this.universe,
    });
  }

  private report(unit: SourceUnit, diagnostic: Diagnostic): void {
    this.context.report(unit, diagnostic);
  }

  private symbols(): Sym[] {
    return [...this.program.units.values()].flatMap((unit) => this.context.scopes.declarations(unit));
  }

  run(): WorkspaceModel {
    this.checkUniverse();
    const symbols = this.symbols();
    // Pass 1: citizen shells, so that references resolve whatever the order.
    for (const sym of symbols) if (citizenKinds.has(sym.kind)) this.shell(sym);
    // Pass 2: everything else.
    const types: NamedTypeModel[] = [];
    const coalitions: CoalitionModel[] = [];
    for (const sym of symbols) {
      switch (sym.kind) {
        case "record":
        case "enum": {
          const type = this.types.namedType(sym);
          if (type !== undefined && !sym.unit.isStd) types.push({ name: sym.name, type, file: sym.unit.path, isStd: false, origin: this.context.origin(sym.unit, sym.decl) });
          break;
        }
        case "measurements":
          this.measurementsOf(sym);
          break;
        case "validator":
          this.validatorOf(sym);
          break;
        case "lattice":
          this.lattice(sym);
          break;
        case "organism":
        case "confluence":
          this.citizenBody(sym);
          break;
        case "coalition": {
          const coalition = this.coalition(sym);
          if (coalition !== undefined) coalitions.push(coalition);
          break;
        }
        default:
          break;
      }
    }
    this.checkPinCycles();
    this.checkSuccessorCycles();
    this.context.scopes.reportUnused();
    const all = [...this.citizens.values()] as CitizenModel[];
    const workspace = (c: CitizenModel) => !this.symOfCitizen.get(c)?.unit.isStd;
    return {
      universe: this.universe,
      ...(this.universeOrigin === undefined ? {} : { universeOrigin: this.universeOrigin }),
      types,
      measurements: [...this.measurements.values()].filter((m): m is MeasurementsModel => m !== undefined),
      lattices: all.filter((c): c is LatticeModel => c.kind === "lattice" && workspace(c)),
      organisms: all.filter((c): c is OrganismModel => c.kind === "organism" && workspace(c)),
      confluences: all.filter((c): c is ConfluenceModel => c.kind === "confluence" && workspace(c)),
      coalitions,
    };
  }

  private readonly symOfCitizen = new Map<CitizenModel, Sym>();

  // -------------------------------------------------------------------------------------------
  // Universe

  private checkUniverse(): void {
    let first: { unit: SourceUnit; decl: A.UniverseDecl } | undefined;
    for (const unit of this.program.units.values()) {
      for (const item of unit.parsed.file.items) {
        if (item.kind !== "UniverseDecl") continue;
        if (first !== undefined) {
          this.report(unit, checkerDiagnostic("E0208", {}, item, { related: [{ message: "first declared here", range: first.decl, file: first.unit.path }] }));
          continue;
        }
        first = { unit, decl: item };
        const value = item.value;
        if (value === undefined || this.context.broken(unit, value)) continue;
        if (value.kind === "StringLiteral") this.universe = id(value.value);
        else if (value.kind === "HexLiteral" && hexDigits(value.text).length === 64) this.universe = fromHex(hexDigits(value.text));
        else {
          this.report(unit, checkerDiagnostic("E0302", { expected: "a universe name (a string) or a digest", found: describeExpr(value) }, value));
          continue;
        }
        this.universeOrigin = this.context.origin(unit, value);
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Blocks

  /** The entries of a block that the rule allows, each name once; others reported. */
  private entries(unit: SourceUnit, block: A.Block | undefined, where: string, rule: EntryRule): Map<string, A.Entry> {
    const found = new Map<string, A.Entry>();
    if (block === undefined) return found;
    for (const entry of block.entries) {
      const key = entryKey(entry);
      const allowed =
        entry.kind === "Property" ? rule.properties?.includes(entry.name.text) : entry.kind === "NestedBlock" ? rule.blocks?.includes(entry.name.text) : entry.kind === "Directive" ? false : rule.members?.includes(entry.kind);
      if (!allowed) {
        if (!this.context.broken(unit, entry)) this.report(unit, checkerDiagnostic("E0400", { entry: `\`${entryLabel(entry)}\``, where }, entryNameRange(entry), this.entryHelp(entry, rule)));
        continue;
      }
      if (key === undefined) continue;
      const first = found.get(key);
      if (first !== undefined) {
        this.report(unit, checkerDiagnostic("E0402", { entry: `\`${key.replace(/^(stream|collection) /, "")}\``, where }, entryNameRange(entry), { related: [{ message: "first given here", range: entryNameRange(first) }] }));
        continue;
      }
      found.set(key, entry);
    }
    return found;
  }

  private entryHelp(entry: A.Entry, rule: EntryRule): { help?: string; fixes?: Fix[] } {
    const names = [...(rule.properties ?? []), ...(rule.blocks ?? [])];
    if ((entry.kind === "Property" || entry.kind === "NestedBlock" || entry.kind === "Directive") && names.length > 0) {
      const best = this.context.scopes.didYouMean(entry.name.text, names, entry.name);
      if (best.help !== undefined) return best;
      return { help: `it takes ${names.map((n) => `\`${n}\``).join(", ")}` };
    }
    return {};
  }

  private stringProperty(unit: SourceUnit, entries: Map<string, A.Entry>, name: string): { value: string; origin: A.Range } | undefined {
    const entry = entries.get(name);
    if (entry?.kind !== "Property" || entry.value === undefined) return undefined;
    const value = this.values.evaluate(unit, entry.value, primitive("string"));
    return typeof value === "string" ? { value, origin: entry.value } : undefined;
  }

  /** Reports a missing required entry at `at`, with a fix inserting it at the top of `body`. */
  private requireEntry(unit: SourceUnit, entries: Map<string, A.Entry>, name: string, where: string, owner: A.Range & { readonly name?: A.Identifier; readonly body?: A.Block }, example: string | undefined): boolean {
    if (entries.has(name)) return true;
    if (this.context.broken(unit, owner)) return false;
    const body = owner.body;
    const at = body !== undefined ? body.start + 1 : owner.end;
    const inner = body !== undefined && !unit.text.slice(body.start, body.end).includes("\n");
    const fixes: Fix[] = example === undefined ? [] : [{ title: `Add \`${name}\``, edits: [{ range: { start: at, end: at }, newText: inner ? ` ${name}: ${example}` : `\n  ${name}: ${example}` }] }];
    this.report(unit, checkerDiagnostic("E0401", { where, entry: `\`${name}\`` }, owner.name ?? owner, { fixes }));
    return false;
  }

  // -------------------------------------------------------------------------------------------
  // Measurements and lattices

  private measurementsOf(sym: Sym): MeasurementsModel | undefined {
    if (this.measurements.has(sym.decl)) return this.measurements.get(sym.decl);
    const decl = sym.decl as A.MeasurementsDecl;
    const where = `measurements \`${sym.name}\``;
    const entries = this.entries(sym.unit, decl.body, where, { properties: registers });
    const pins: Mutable<MeasurementsCriteria> = {};
    for (const register of registers) {
      const entry = entries.get(register);
      if (entry?.kind !== "Property") continue;
      const value = this.values.evaluate(sym.unit, entry.value, primitive("measurement"));
      if (value instanceof Uint8Array) pins[register] = value;
    }
    const model: MeasurementsModel = { kind: "measurements", name: sym.name, pins, origin: this.context.origin(sym.unit, decl) };
    this.measurements.set(sym.decl, model);
    return model;
  }

  /** A name that must be a `measurements` declaration (committee `tdx`, `Tdx(baseline: …)`). */
  private measurementsRef(unit: SourceUnit, expr: A.Expr | undefined, forCommittee: boolean): MeasurementsModel | undefined {
    if (expr === undefined || this.context.broken(unit, expr)) return undefined;
    if (expr.kind === "PathExpr" && expr.segments.length === 1) {
      const sym = this.context.scopes.lookup(unit, expr.segments[0]!, "measurements");
      if (sym === undefined) return undefined;
      if (sym.kind === "measurements") return this.measurementsOf(sym);
      if (forCommittee) this.report(unit, checkerDiagnostic("E0410", { found: `\`${sym.name}\` (${kindDescription[sym.kind]})` }, expr));
      else this.report(unit, checkerDiagnostic("E0206", { name: `\`${sym.name}\``, actual: kindDescription[sym.kind], expected: "a measurements pin" }, expr));
      return undefined;
    }
    if (forCommittee) this.report(unit, checkerDiagnostic("E0410", { found: describeExpr(expr) }, expr, { help: "name a `measurements` declaration" }));
    else this.report(unit, checkerDiagnostic("E0302", { expected: "a measurements pin", found: describeExpr(expr) }, expr));
    return undefined;
  }

  private shell(sym: Sym): void {
    const decl = sym.decl as A.LatticeDecl | A.OrganismDecl | A.ConfluenceDecl;
    const instanceEntry = decl.body?.entries.find((e): e is A.Property => e.kind === "Property" && e.name.text === "instance");
    const instanceName = instanceEntry?.value?.kind === "StringLiteral" ? instanceEntry.value.value : "";
    const origin = this.context.origin(sym.unit, decl);
    let shell: Mutable<CitizenModel>;
    // Plain literals (not spreads): one object shape per kind, built 10 000 times in a big workspace.
    if (sym.kind === "lattice") {
      shell = { kind: "lattice", name: sym.name, origin, stableId: { kind: "instance", instanceName } } as Mutable<LatticeModel>;
    } else {
      const origins = { instance: this.context.origin(sym.unit, instanceEntry?.value ?? decl) };
      const content = undefined as unknown as ContentModel;
      shell =
        sym.kind === "organism"
          ? ({ kind: "organism", name: sym.name, origin, instanceName, content, surface: [], committee: {}, spans: [], origins, strategies: [] } as Mutable<OrganismModel>)
          : ({ kind: "confluence", name: sym.name, origin, instanceName, content, surface: [], committee: {}, spans: [], origins } as Mutable<ConfluenceModel>);
      if (decl.doc !== undefined) (shell as Mutable<OrganismModel>).doc = decl.doc.text;
    }
    this.citizens.set(sym.decl, shell);
    this.symOfCitizen.set(shell as CitizenModel, sym);
    if (instanceEntry?.value?.kind === "StringLiteral" && !sym.unit.isStd) {
      const reason = instanceProblem(instanceName);
      if (reason !== undefined) {
        this.report(sym.unit, checkerDiagnostic("E0413", { value: `\`${JSON.stringify(instanceName)}\``, reason }, instanceEntry.value));
        return;
      }
      // Stable ids hash the NFC form, so names equal under NFC are the same name.
      const key = /^[\x00-\x7f]*$/.test(instanceName) ? instanceName : instanceName.normalize("NFC");
      const other = this.instanceNames.get(key);
      if (other !== undefined) {
        const otherInstance = (other.decl as A.OrganismDecl).body?.entries.find((e): e is A.Property => e.kind === "Property" && e.name.text === "instance")?.value ?? other.nameNode;
        this.report(sym.unit, checkerDiagnostic("E0412", { name: `\`${sym.name}\``, other: `\`${other.name}\`` }, instanceEntry.value, { related: [{ message: `\`${other.name}\`'s instance name`, range: otherInstance, file: other.unit.path }] }));
      } else {
        this.instanceNames.set(key, sym);
      }
    }
  }

  /** The stable id a citizen will have (for digests written as citizen names). */
  private readonly stableIds = new Map<A.Declaration, Bytes>();
  private stableIdOf(sym: Sym): Bytes | undefined {
    const cached = this.stableIds.get(sym.decl);
    if (cached !== undefined) return cached;
    const citizen = this.citizens.get(sym.decl);
    if (citizen === undefined) return undefined;
    let id: Bytes;
    if (citizen.kind === "lattice") {
      this.lattice(sym);
      const lattice = citizen as LatticeModel;
      id = lattice.stableId.kind === "digest" ? lattice.stableId.digest : instanceId(lattice.stableId.instanceName, this.universe).digest;
    } else {
      id = instanceId(citizen.instanceName, this.universe).digest;
    }
    this.stableIds.set(sym.decl, id);
    return id;
  }

  private readonly latticesDone = new Set<A.Declaration>();
  private lattice(sym: Sym): void {
    if (this.latticesDone.has(sym.decl)) return;
    this.latticesDone.add(sym.decl);
    const decl = sym.decl as A.LatticeDecl;
    const model = this.citizens.get(sym.decl) as Mutable<LatticeModel>;
    const where = `lattice \`${sym.name}\``;
    const entries = this.entries(sym.unit, decl.body, where, { properties: ["stable_id", "instance", "content_hash"] });
    const stable = entries.get("stable_id");
    const instance = entries.get("instance");
    if (stable !== undefined && instance !== undefined) {
      this.report(sym.unit, checkerDiagnostic("E0400", { entry: "`instance`", where: `${where}, which already has \`stable_id\`` }, entryNameRange(instance), { related: [{ message: "`stable_id` given here", range: entryNameRange(stable) }], help: "a lattice is declared by its published stable id or by its instance name, not both" }));
    } else if (stable?.kind === "Property") {
      const value = this.values.evaluate(sym.unit, stable.value, primitive("digest"));
      if (value instanceof Uint8Array) model.stableId = { kind: "digest", digest: value };
    } else if (instance?.kind === "Property") {
      const value = this.stringProperty(sym.unit, entries, "instance");
      if (value !== undefined) model.stableId = { kind: "instance", instanceName: value.value };
    } else if (!this.context.broken(sym.unit, decl)) {
      this.report(sym.unit, checkerDiagnostic("E0401", { where, entry: "`stable_id` or `instance`" }, decl.name ?? decl));
    }
    const hash = entries.get("content_hash");
    if (hash?.kind === "Property") {
      const value = this.values.evaluate(sym.unit, hash.value, primitive("digest"));
      if (value instanceof Uint8Array) model.contentHash = value;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Citizen references

  /** `prophet` or `pinned(prophet)`, naming a citizen of one of `kinds`. */
  private citizenRef(unit: SourceUnit, expr: A.Expr | undefined, kinds: readonly string[], what: string): CitizenRefModel | undefined {
    if (expr === undefined || this.context.broken(unit, expr)) return undefined;
    let pinned = false;
    let path: A.Expr = expr;
    if (expr.kind === "CallExpr" && expr.callee.segments.length === 1 && expr.callee.segments[0]!.text === "pinned") {
      const builtin = this.context.scopes.lookup(unit, expr.callee.segments[0]!, "function");
      if (builtin === undefined) return undefined;
      if (expr.args.length !== 1 || expr.args[0]!.value === undefined) {
        this.report(unit, expr.args.length === 0 ? checkerDiagnostic("E0311", { callee: "`pinned`", what: named("argument", ["citizen"]) }, expr) : checkerDiagnostic("E0312", { callee: "`pinned`", expected: "one argument", actual: countOf(expr.args.length, "argument") }, expr.args[1] ?? expr));
        return undefined;
      }
      pinned = true;
      path = expr.args[0]!.value!;
    }
    if (path.kind !== "PathExpr" || path.segments.length !== 1) {
      this.report(unit, checkerDiagnostic("E0302", { expected: what, found: describeExpr(path) }, path));
      return undefined;
    }
    const sym = this.context.scopes.lookup(unit, path.segments[0]!, "citizen");
    if (sym === undefined) return undefined;
    if (!kinds.includes(sym.kind)) {
      this.report(unit, checkerDiagnostic("E0206", { name: `\`${sym.name}\``, actual: kindDescription[sym.kind], expected: what }, path, { related: [{ message: "declared here", range: sym.nameNode, file: sym.unit.path }] }));
      return undefined;
    }
    const target = this.citizens.get(sym.decl)! as CitizenModel;
    if (pinned && target.kind === "lattice") {
      this.lattice(sym);
      if (target.contentHash === undefined) {
        this.report(unit, checkerDiagnostic("E0405", { name: `\`${sym.name}\`` }, expr, { related: [{ message: "declared here without `content_hash`", range: sym.nameNode, file: sym.unit.path }] }));
        return undefined;
      }
    }
    return { target, pinned, origin: this.context.origin(unit, expr) };
  }

  private citizenList(unit: SourceUnit, entry: A.Entry | undefined, kinds: readonly string[], what: string): CitizenRefModel[] {
    if (entry?.kind !== "Property" || entry.value === undefined || this.context.broken(unit, entry.value)) return [];
    if (entry.value.kind !== "ListExpr") {
      this.report(unit, checkerDiagnostic("E0302", { expected: `a list of ${what}s`, found: describeExpr(entry.value) }, entry.value, { help: "write `[a, b]`" }));
      return [];
    }
    return entry.value.elements.map((e) => this.citizenRef(unit, e, kinds, article(what))).filter((r): r is CitizenRefModel => r !== undefined);
  }

  // -------------------------------------------------------------------------------------------
  // Organisms and confluences

  private readonly bodiesDone = new Set<A.Declaration>();
  private citizenBody(sym: Sym): void {
    // A strategy or watchdog may need a citizen's surface before the main pass reaches it.
    if (this.bodiesDone.has(sym.decl)) return;
    this.bodiesDone.add(sym.decl);
    const decl = sym.decl as A.OrganismDecl | A.ConfluenceDecl;
    const unit = sym.unit;
    const model = this.citizens.get(sym.decl) as Mutable<Omit<OrganismModel, "kind">> & { kind: "organism" | "confluence" };
    const isOrganism = sym.kind === "organism";
    const where = `${sym.kind} \`${sym.name}\``;
    const rule: EntryRule = isOrganism
      ? { properties: ["role", "instance", "shape", "admission", "spans"], blocks: ["committee", "strategies"], members: ["StreamMember", "CollectionMember", "ContentMember", "WatchdogMember", "HeartbeatMember"] }
      : { properties: ["instance", "shape", "admission", "spans"], blocks: ["committee"], members: ["StreamMember", "CollectionMember", "ContentMember"] };
    const entries = this.entries(unit, decl.body, where, rule);

    if (this.requireEntry(unit, entries, "instance", where, decl, `"${sym.name.replace(/_/g, "-")}"`)) this.stringProperty(unit, entries, "instance");
    if (isOrganism) {
      const role = this.stringProperty(unit, entries, "role");
      if (role !== undefined) model.role = role.value;
    }
    const shapeEntry = entries.get("shape");
    if (shapeEntry?.kind === "Property" && shapeEntry.value !== undefined && !this.context.broken(unit, shapeEntry.value)) {
      const value = shapeEntry.value;
      const name = value.kind === "PathExpr" && value.segments.length === 1 ? value.segments[0]!.text : undefined;
      if (name === undefined || !shapes.has(name as Shape)) {
        this.report(unit, checkerDiagnostic("E0302", { expected: "a shape (`integrator`, `standalone`, `confluence_member` or `swarm`)", found: describeExpr(value) }, value));
      } else {
        model.shape = name as Shape;
      }
    }

    model.spans = this.citizenList(unit, entries.get("spans"), ["organism", "confluence"], "organism or confluence");
    if (entries.has("spans") && model.spans.length < 2 && !this.context.broken(unit, entries.get("spans")!)) {
      // A confluence composes two or more citizens; an organism spans none, or two or more.
      const spans = entries.get("spans")! as A.Property;
      const count = spans.value?.kind === "ListExpr" ? spans.value.elements.length : model.spans.length;
      if (count < 2 && (!isOrganism || count === 1)) this.report(unit, checkerDiagnostic("E0403", { what: isOrganism ? "A composite organism" : "A confluence", name: `\`${sym.name}\``, count: String(count) }, spans.value ?? spans));
    } else if (!isOrganism && !entries.has("spans")) {
      this.requireEntry(unit, entries, "spans", where, decl, undefined);
    }

    model.committee = this.committee(unit, entries.get("committee"), where);
    if (model.committee.tdx !== undefined) model.origins = { ...model.origins, tdx: this.context.origin(unit, (entries.get("committee") as A.NestedBlock).body) };
    model.content = this.content(unit, sym, entries.get("content"));
    model.surface = this.surface(unit, decl.body, where, decl);
    const admissionEntry = entries.get("admission");
    if (admissionEntry?.kind === "Property") {
      const admission = this.admission(unit, admissionEntry.value);
      if (admission !== undefined) {
        model.admission = admission;
        model.origins = { ...model.origins, admission: this.context.origin(unit, admissionEntry.value ?? admissionEntry) };
      }
    }
    if (isOrganism) {
      model.strategies = this.strategies(unit, entries.get("strategies"), model as OrganismModel, admissionEntry);
      const watchdog = entries.get("watchdog");
      if (watchdog?.kind === "WatchdogMember" && watchdog.name !== undefined) {
        const by = this.citizenRef(unit, { kind: "PathExpr", segments: [watchdog.name], start: watchdog.name.start, end: watchdog.name.end }, ["organism"], "an organism");
        if (by !== undefined) {
          this.requirePublisher(unit, by, "AbandonmentReport", "watchdog", watchdog.name);
          const inner = this.entries(unit, watchdog.body, "the `watchdog` block", { properties: ["retire_after"] });
          const retire = inner.get("retire_after");
          const retireAfter = retire?.kind === "Property" ? this.values.evaluate(unit, retire.value, primitive("u32")) : undefined;
          model.watchdog = { by, ...(typeof retireAfter === "bigint" ? { retireAfter } : {}), origin: this.context.origin(unit, watchdog) };
        }
      }
      const heartbeat = entries.get("heartbeat");
      if (heartbeat?.kind === "HeartbeatMember" && heartbeat.target !== undefined) {
        if (heartbeat.target.text !== "chronicle") {
          this.report(unit, checkerDiagnostic("E0302", { expected: "`chronicle`", found: `\`${heartbeat.target.text}\`` }, heartbeat.target, { help: "heartbeats are appended to the coalition's Chronicle: `heartbeat on chronicle every 1d`" }));
        } else {
          const period = this.values.evaluate(unit, heartbeat.period, primitive("duration"));
          if (typeof period === "bigint") model.heartbeat = { periodMs: period, origin: this.context.origin(unit, heartbeat) };
        }
      }
    }
    this.checkShape(unit, model as OrganismModel, sym, entries);
  }

  private checkShape(unit: SourceUnit, model: OrganismModel | ConfluenceModel, sym: Sym, entries: Map<string, A.Entry>): void {
    const shapeEntry = entries.get("shape");
    if (model.shape === undefined || shapeEntry === undefined) return;
    const at = (shapeEntry as A.Property).value ?? shapeEntry;
    if (model.shape === "swarm" && model.kind === "organism") {
      this.report(unit, checkerDiagnostic("E0411", { shape: "A `swarm`", problem: "is a confluence: declare it with `confluence`" }, at));
    }
    if (model.shape === "integrator") {
      const body = (sym.decl as A.OrganismDecl).body?.entries ?? [];
      const firstStream = body.find((e) => e.kind === "StreamMember");
      const successor = entries.get("strategies")?.kind === "NestedBlock" ? (entries.get("strategies") as A.NestedBlock).body.entries.find((e) => e.kind === "Directive" && e.name.text === "successor") : undefined;
      const problems: [A.Entry | undefined, string][] = [
        [entries.get("committee"), "has no committee"],
        [firstStream, "has no stream of its own"],
        [successor, "does not retire, so it has no successor"],
        [entries.get("watchdog"), "does not retire, so it has no watchdog"],
      ];
      for (const [entry, problem] of problems) {
        if (entry !== undefined) this.report(unit, checkerDiagnostic("E0411", { shape: "An `integrator`", problem }, entryNameRange(entry), { related: [{ message: "the shape is declared here", range: at }] }));
      }
    }
    void sym;
  }

  private committee(unit: SourceUnit, entry: A.Entry | undefined, where: string): CommitteeModel {
    if (entry?.kind !== "NestedBlock") return {};
    const entries = this.entries(unit, entry.body, `the committee of ${where}`, { properties: ["members", "tdx"] });
    const committee: Mutable<CommitteeModel> = {};
    const members = entries.get("members");
    if (members?.kind === "Property") {
      const value = this.values.evaluate(unit, members.value, primitive("u32"));
      if (typeof value === "bigint") committee.members = value;
    }
    const tdx = entries.get("tdx");
    if (tdx?.kind === "Property") {
      const pins = this.measurementsRef(unit, tdx.value, true);
      if (pins !== undefined) committee.tdx = pins;
    }
    return committee;
  }

  /** The content: typed (`content: T { … }`), inline (`content { … }`), or empty. */
  private content(unit: SourceUnit, sym: Sym, entry: A.Entry | undefined): ContentModel {
    const inlineName = pascalCase(sym.name) + "Content";
    const empty: ContentModel = { type: { kind: "record", name: inlineName, fields: [] }, value: { fields: [] }, inline: true, origin: this.context.origin(unit, sym.decl.name ?? sym.decl) };
    if (entry?.kind !== "ContentMember") return empty;
    const origin = this.context.origin(unit, entry);
    if (entry.fields !== undefined) {
      const fields: { name: string; type: import("@coal/runtime/identity").Type }[] = [];
      const values: Value[] = [];
      const seen = new Map<string, A.Identifier>();
      let failed = false;
      for (const field of entry.fields) {
        const first = seen.get(field.name.text);
        if (first !== undefined) {
          this.report(unit, checkerDiagnostic("E0306", { field: `\`${field.name.text}\`` }, field.name, { related: [{ message: "first given here", range: first }] }));
          failed = true;
          continue;
        }
        seen.set(field.name.text, field.name);
        const type = field.type !== undefined ? this.types.resolve(unit, field.type) : this.values.inferType(unit, field.value);
        if (type === undefined) {
          failed = true;
          continue;
        }
        const value = field.value?.kind === "TicksLiteral" && type.kind === "primitive" && type.name === "u64" ? parseInteger(field.value.count.text) : this.values.evaluate(unit, field.value, type);
        if (value === undefined) {
          failed = true;
          continue;
        }
        fields.push({ name: field.name.text, type });
        values.push(value);
      }
      if (failed) return { ...empty, origin };
      return { type: { kind: "record", name: inlineName, fields }, value: { fields: values }, inline: true, origin };
    }
    const value = entry.value;
    if (value === undefined || this.context.broken(unit, value)) return { ...empty, origin };
    if (value.kind !== "RecordLiteral") {
      this.report(unit, checkerDiagnostic("E0302", { expected: "a record value (`Type { … }`) or an inline block (`content { … }`)", found: describeExpr(value) }, value));
      return { ...empty, origin };
    }
    const type = this.values.recordTypeOf(unit, value.type);
    if (type === undefined) return { ...empty, origin };
    const record = this.values.evaluate(unit, value, type);
    if (record === undefined) return { ...empty, type, origin };
    return { type, value: record as import("@coal/runtime/identity").RecordValue, inline: false, origin };
  }

  private readonly brokenSurfaces = new Set<A.Declaration>();
  private surface(unit: SourceUnit, body: A.Block | undefined, where: string, decl?: A.Declaration): SurfaceItemModel[] {
    const items: SurfaceItemModel[] = [];
    const before = this.context.diagnostics.length;
    try {
      return this.surfaceItems(unit, body, where, items);
    } finally {
      if (decl !== undefined && (this.context.diagnostics.length > before || (body !== undefined && body.entries.some((e) => (e.kind === "StreamMember" || e.kind === "CollectionMember") && this.context.broken(unit, e))))) this.brokenSurfaces.add(decl);
    }
  }

  private surfaceItems(unit: SourceUnit, body: A.Block | undefined, where: string, items: SurfaceItemModel[]): SurfaceItemModel[] {
    const names = new Map<string, A.Identifier>();
    for (const entry of body?.entries ?? []) {
      if ((entry.kind !== "StreamMember" && entry.kind !== "CollectionMember") || entry.name === undefined) continue;
      const first = names.get(entry.name.text);
      if (first !== undefined) {
        this.report(unit, checkerDiagnostic("E0402", { entry: `\`${entry.name.text}\``, where }, entry.name, { related: [{ message: "first given here", range: first }] }));
        continue;
      }
      names.set(entry.name.text, entry.name);
      const origin = this.context.origin(unit, entry);
      if (entry.kind === "StreamMember") {
        const type = this.types.resolve(unit, entry.type);
        if (type !== undefined) items.push({ kind: "stream", name: entry.name.text, type, origin });
        continue;
      }
      const ref = entry.type;
      if (ref === undefined || ref.name === undefined || this.context.broken(unit, ref)) continue;
      const kind = ref.name.text;
      if (!collectionKinds.has(kind)) {
        this.report(unit, checkerDiagnostic("E0302", { expected: "a collection type (`map<K, V>`, `vec<T>`, `set<T>`, `cell<T>`, `once<T>` or `priority_queue<T>`)", found: `\`${this.context.text(unit, ref)}\`` }, ref));
        continue;
      }
      const arity = kind === "map" ? 2 : 1;
      const args = ref.args ?? [];
      if (args.length !== arity) {
        this.report(unit, checkerDiagnostic("E0300", { type: `\`${kind}\``, expected: arity === 1 ? "one type argument" : "two type arguments", actual: String(args.length) }, ref));
        continue;
      }
      const parameters = args.map((arg) => this.types.resolve(unit, arg));
      if (parameters.every((p) => p !== undefined)) items.push({ kind: "collection", name: entry.name.text, collection: kind as SurfaceItemModel & { kind: "collection" } extends { collection: infer K } ? K : never, parameters: parameters as import("@coal/runtime/identity").Type[], origin });
    }
    return items;
  }

  // -------------------------------------------------------------------------------------------
  // Admission

  admission(unit: SourceUnit, expr: A.Expr | undefined): AdmissionModel | undefined {
    if (expr === undefined || this.context.broken(unit, expr)) return undefined;
    switch (expr.kind) {
      case "ParenExpr":
        return this.admission(unit, expr.expr);
      case "BinaryExpr": {
        const operands = expr.operands.map((o) => this.admission(unit, o));
        if (operands.some((o) => o === undefined)) return undefined;
        return { kind: expr.op === "&" ? "all" : "any", operands: operands as AdmissionModel[], origin: this.context.origin(unit, expr) };
      }
      case "PathExpr":
      case "CallExpr": {
        const path = expr.kind === "PathExpr" ? expr : expr.callee;
        if (path.segments.length !== 1) break;
        const sym = this.context.scopes.lookup(unit, path.segments[0]!, "validator");
        if (sym === undefined) return undefined;
        if (sym.kind === "validator") {
          if (expr.kind === "CallExpr") {
            this.report(unit, checkerDiagnostic("E0302", { expected: "a validator", found: describeExpr(expr) }, expr, { help: `\`${sym.name}\` takes no arguments: write \`${sym.name}\`` }));
            return undefined;
          }
          return this.validatorOf(sym, expr, unit);
        }
        if (sym.kind === "builtin-validator") {
          const call = this.validatorCall(unit, sym, expr);
          return call === undefined ? undefined : { kind: "call", call, text: this.context.text(unit, expr) };
        }
        this.report(unit, checkerDiagnostic("E0316", { what: `\`${sym.name}\` (${kindDescription[sym.kind]})` }, expr));
        return undefined;
      }
      default:
        break;
    }
    this.report(unit, checkerDiagnostic("E0316", { what: describeExpr(expr).replace(/^./, (c) => c.toUpperCase()) }, expr));
    return undefined;
  }

  private readonly validatorStack: Sym[] = [];
  private validatorOf(sym: Sym, use?: A.Range, useUnit?: SourceUnit): AdmissionModel | undefined {
    const state = this.validators.get(sym.decl);
    if (state === "checking") {
      const path = this.validatorStack.slice(this.validatorStack.indexOf(sym));
      if (use !== undefined) this.report(sym.unit, checkerDiagnostic("E0415", { name: `\`${sym.name}\``, cycle: [...path, sym].map((s) => `\`${s.name}\``).join(" → ") }, sym.nameNode, { related: [{ message: "used here", range: use, ...(useUnit !== undefined && useUnit !== sym.unit ? { file: useUnit.path } : {}) }] }));
      for (const s of path) this.validators.set(s.decl, undefined);
      return undefined;
    }
    if (this.validators.has(sym.decl)) return state as AdmissionModel | undefined;
    this.validators.set(sym.decl, "checking");
    this.validatorStack.push(sym);
    const decl = sym.decl as A.ValidatorDecl;
    const model = this.admission(sym.unit, decl.value);
    this.validatorStack.pop();
    if (this.validators.get(sym.decl) === "checking") this.validators.set(sym.decl, model);
    return this.validators.get(sym.decl) as AdmissionModel | undefined;
  }

  /** A call of a standard validator, its arguments checked against its declared parameters. */
  private validatorCall(unit: SourceUnit, sym: Sym, expr: A.PathExpr | A.CallExpr): ValidatorCall | undefined {
    const decl = sym.decl as A.ValidatorDecl;
    const params = decl.params ?? [];
    const call: A.CallExpr = expr.kind === "CallExpr" ? expr : { kind: "CallExpr", callee: expr, args: [], start: expr.start, end: expr.end };
    const bound = this.values.bindArguments(unit, call, sym.name, params.map((p) => p.name.text));
    if (bound === undefined) return undefined;
    const args = new Map<string, A.Expr | undefined>();
    const suggested = new Set<string>();
    let failed = false;
    for (const { name, value, node } of bound) {
      const param = params.find((p) => p.name.text === name.text);
      if (param === undefined) {
        const unused = params.map((p) => p.name.text).filter((p) => !bound.some((b) => b.name.text === p));
        const suggestion = this.context.scopes.didYouMean(name.text, unused, name);
        // The rename fix supplies that parameter: do not also report it missing.
        const target = suggestion.fixes?.[0]?.edits[0]?.newText;
        if (target !== undefined) suggested.add(target);
        this.report(unit, checkerDiagnostic("E0310", { callee: `\`${sym.name}\``, name: `\`${name.text}\`` }, name, suggestion));
        failed = true;
        continue;
      }
      if (args.has(name.text)) {
        this.report(unit, checkerDiagnostic("E0306", { field: `\`${name.text}\`` }, name.end > name.start ? name : node));
        failed = true;
        continue;
      }
      args.set(name.text, value);
    }
    const missing = params.filter((p) => !args.has(p.name.text) && !suggested.has(p.name.text) && p.type?.name?.text !== "option");
    if (missing.length > 0) {
      const at = call.end - 1;
      const declared = this.context.scopes.declarations(unit);
      const placeholders = missing.map((p) => paramPlaceholder(p, declared));
      this.report(
        unit,
        checkerDiagnostic("E0311", { callee: `\`${sym.name}\``, what: named("argument", missing.map((p) => p.name.text)) }, expr, {
          fixes: expr.kind === "CallExpr" && placeholders.every((p) => p !== undefined) ? [{ title: `Add ${missing.map((p) => `\`${p.name.text}\``).join(", ")}`, edits: [{ range: { start: at, end: at }, newText: (call.args.length > 0 ? ", " : "") + missing.map((p, i) => `${p.name.text}: ${placeholders[i]}`).join(", ") }] }] : [],
        }),
      );
      failed = true;
    }
    if (failed) return undefined;
    const origin = this.context.origin(unit, expr);
    const value = (name: string) => args.get(name);
    const citizen = (name: string) => this.citizenRef(unit, value(name), ["organism", "confluence", "lattice"], "a citizen");
    switch (sym.name) {
      case "ReputationFloor": {
        const org = citizen("org");
        const floor = this.decimalArg(unit, value("floor"));
        const windowTicks = this.values.ticks(unit, value("window"), "`window`");
        if (org === undefined || floor === undefined || windowTicks === undefined) return undefined;
        return { validator: "ReputationFloor", org, floor, windowTicks, origin };
      }
      case "MarketSettlement": {
        const org = citizen("org");
        return org === undefined ? undefined : { validator: "MarketSettlement", org, origin };
      }
      case "Freshness": {
        const org = citizen("org");
        const age = this.values.evaluate(unit, value("age"), primitive("duration"));
        return org === undefined || typeof age !== "bigint" ? undefined : { validator: "Freshness", org, ageMs: age, origin };
      }
      case "Issuer": {
        const root = this.values.evaluate(unit, value("root"), primitive("digest"));
        return root instanceof Uint8Array ? { validator: "Issuer", root, origin } : undefined;
      }
      case "Jwt":
        return this.jwtCall(unit, args, origin);
      case "Tdx": {
        const tdx: Mutable<ValidatorCall & { validator: "Tdx" }> = { validator: "Tdx", anyOf: [], origin };
        let ok = true;
        if (args.has("baseline")) {
          const baseline = this.measurementsRef(unit, value("baseline"), false);
          if (baseline === undefined) ok = false;
          else tdx.baseline = baseline;
        }
        if (args.has("any_of")) {
          const list = value("any_of");
          if (list?.kind !== "ListExpr") {
            if (list !== undefined) this.report(unit, checkerDiagnostic("E0302", { expected: "a list of measurements pins", found: describeExpr(list) }, list));
            ok = false;
          } else {
            const pins = list.elements.map((e) => this.measurementsRef(unit, e, false));
            if (pins.some((p) => p === undefined)) ok = false;
            else tdx.anyOf = pins as MeasurementsModel[];
          }
        }
        for (const [param, key] of [["max_age", "maxAgeMs"], ["max_lifetime", "maxLifetimeMs"]] as const) {
          if (!args.has(param)) continue;
          const arg = value(param);
          const ms = this.values.evaluate(unit, arg, primitive("duration"));
          if (typeof ms !== "bigint") {
            ok = false;
          } else if (ms % 1000n !== 0n) {
            this.report(unit, checkerDiagnostic("E0315", { what: `\`${param}\``, value: `\`${this.context.text(unit, arg!)}\`` }, arg!));
            ok = false;
          } else {
            tdx[key] = ms;
          }
        }
        if (args.has("not_before")) {
          const seconds = this.values.evaluate(unit, value("not_before"), primitive("i64"));
          if (typeof seconds !== "bigint") ok = false;
          else tdx.notBefore = seconds;
        }
        return ok ? tdx : undefined;
      }
      default:
        this.report(unit, checkerDiagnostic("E0316", { what: `\`${sym.name}\` (a validator the compiler does not implement)` }, expr));
        return undefined;
    }
  }

  /** Jwt(key, issuer?, audience?, subject?, allow_non_expiring?, max_lifetime?, max_age?). */
  private jwtCall(unit: SourceUnit, args: ReadonlyMap<string, A.Expr | undefined>, origin: Origin): ValidatorCall | undefined {
    let ok = true;
    // Manifests name Ed25519 keys (32 bytes, a digest literal); ECDSA keys are for the runtime API.
    const key = this.values.evaluate(unit, args.get("key"), primitive("digest"));
    if (!(key instanceof Uint8Array)) ok = false;
    const alg: JwtAlgorithm = "EdDSA";
    const text = (name: string): string | undefined => {
      if (!args.has(name)) return undefined;
      const value = this.values.evaluate(unit, args.get(name), primitive("string"));
      if (typeof value !== "string") ok = false;
      return typeof value === "string" ? value : undefined;
    };
    const issuer = text("issuer");
    const audience = text("audience");
    const subject = text("subject");
    let allowNonExpiring = false;
    if (args.has("allow_non_expiring")) {
      const value = this.values.evaluate(unit, args.get("allow_non_expiring"), primitive("bool"));
      if (typeof value !== "boolean") ok = false;
      else allowNonExpiring = value;
    }
    const limits: { maxLifetimeMs?: bigint; maxAgeMs?: bigint } = {};
    for (const [param, field] of [["max_lifetime", "maxLifetimeMs"], ["max_age", "maxAgeMs"]] as const) {
      if (!args.has(param)) continue;
      const arg = args.get(param)!;
      const ms = this.values.evaluate(unit, arg, primitive("duration"));
      if (typeof ms !== "bigint") ok = false;
      else if (ms % 1000n !== 0n) {
        this.report(unit, checkerDiagnostic("E0315", { what: `\`${param}\``, value: `\`${this.context.text(unit, arg)}\`` }, arg));
        ok = false;
      } else limits[field] = ms;
    }
    if (!ok || !(key instanceof Uint8Array)) return undefined;
    return {
      validator: "Jwt",
      alg,
      key,
      ...(issuer === undefined ? {} : { issuer }),
      ...(audience === undefined ? {} : { audience }),
      ...(subject === undefined ? {} : { subject }),
      allowNonExpiring,
      ...limits,
      origin,
    };
  }

  private decimalArg(unit: SourceUnit, expr: A.Expr | undefined): Decimal | undefined {
    const value = this.values.evaluate(unit, expr, primitive("decimal"));
    return value !== undefined && typeof value === "object" && "mantissa" in (value as object) ? (value as Decimal) : undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Strategies

  private strategies(unit: SourceUnit, entry: A.Entry | undefined, organism: OrganismModel, admissionEntry: A.Entry | undefined): Strategy[] {
    if (entry?.kind !== "NestedBlock") return [];
    const strategies: Strategy[] = [];
    for (const member of entry.body.entries) {
      if (this.context.broken(unit, member)) continue;
      if (member.kind !== "Directive") {
        this.report(unit, checkerDiagnostic("E0400", { entry: `\`${entryLabel(member)}\``, where: "`strategies`" }, entryNameRange(member), { help: "strategies are `reputation(…)`, `market(…)`, `peering(…)`, `constitution` and `successor(…)`" }));
        continue;
      }
      const origin = this.context.origin(unit, member);
      const args = member.args ?? [];
      const call: A.CallExpr = { kind: "CallExpr", callee: { kind: "PathExpr", segments: [member.name], start: member.name.start, end: member.name.end }, args, start: member.start, end: member.end };
      const name = member.name.text;
      const bind = (params: string[]) => {
        const bound = this.values.bindArguments(unit, call, name, params);
        if (bound === undefined) return undefined;
        const map = new Map<string, A.Expr | undefined>();
        for (const b of bound) {
          if (!params.includes(b.name.text)) {
            this.report(unit, checkerDiagnostic("E0310", { callee: `\`${name}\``, name: `\`${b.name.text}\`` }, b.name));
            return undefined;
          }
          map.set(b.name.text, b.value);
        }
        const missing = params.filter((p) => !map.has(p));
        if (missing.length > 0) {
          this.report(unit, checkerDiagnostic("E0311", { callee: `\`${name}\``, what: named("argument", missing) }, member));
          return undefined;
        }
        return map;
      };
      switch (name) {
        case "reputation": {
          const args2 = bind(["org", "floor", "window"]);
          if (args2 === undefined) break;
          const org = this.citizenRef(unit, args2.get("org"), ["organism", "confluence"], "an organism");
          const floor = this.decimalArg(unit, args2.get("floor"));
          const windowTicks = this.values.ticks(unit, args2.get("window"), "`window`");
          if (org === undefined || floor === undefined || windowTicks === undefined) break;
          const strategy: Strategy = { kind: "reputation", org, floor, windowTicks, origin };
          strategies.push(strategy);
          if (this.requirePublisher(unit, org, "ReputationCard", "reputation", member.args?.[0] ?? member)) {
            this.requireClause(unit, organism, admissionEntry, member, "ReputationFloor", (c) => c.validator === "ReputationFloor" && c.org.target === org.target && c.floor.mantissa === floor.mantissa && c.floor.scale === floor.scale && c.windowTicks === windowTicks, `ReputationFloor(${this.context.text(unit, args2.get("org")!)}, floor: ${this.context.text(unit, args2.get("floor")!)}, window: ${this.context.text(unit, args2.get("window")!)})`);
          }
          break;
        }
        case "market": {
          const args2 = bind(["org"]);
          if (args2 === undefined) break;
          const org = this.citizenRef(unit, args2.get("org"), ["organism", "confluence"], "an organism");
          if (org === undefined) break;
          strategies.push({ kind: "market", org, origin });
          if (this.requirePublisher(unit, org, "Allocation", "market", member.args?.[0] ?? member)) {
            this.requireClause(unit, organism, admissionEntry, member, "MarketSettlement", (c) => c.validator === "MarketSettlement" && c.org.target === org.target, `MarketSettlement(${this.context.text(unit, args2.get("org")!)})`);
          }
          break;
        }
        case "peering": {
          const args2 = bind(["peer", "freshness"]);
          if (args2 === undefined) break;
          const org = this.citizenRef(unit, args2.get("peer"), ["organism", "confluence", "lattice"], "a citizen");
          const freshness = this.values.evaluate(unit, args2.get("freshness"), primitive("duration"));
          if (org === undefined || typeof freshness !== "bigint") break;
          strategies.push({ kind: "peering", org, freshnessMs: freshness, origin });
          this.requireClause(unit, organism, admissionEntry, member, "Freshness", (c) => c.validator === "Freshness" && c.org.target === org.target && c.ageMs === freshness, `Freshness(${this.context.text(unit, args2.get("peer")!)}, age: ${this.context.text(unit, args2.get("freshness")!)})`);
          break;
        }
        case "constitution":
          if (args.length > 0) this.report(unit, checkerDiagnostic("E0312", { callee: "`constitution`", expected: "no arguments", actual: countOf(args.length, "argument") }, args[0]!));
          else strategies.push({ kind: "constitution", origin });
          break;
        case "successor": {
          const args2 = bind(["policy"]);
          if (args2 === undefined) break;
          const policyType = this.stdType("SuccessorPolicy");
          if (policyType === undefined) break;
          const policy = this.values.evaluate(unit, args2.get("policy"), policyType);
          if (policy !== undefined) strategies.push({ kind: "successor", policy, origin });
          break;
        }
        default:
          this.report(unit, checkerDiagnostic("E0400", { entry: `\`${name}\``, where: "`strategies`" }, member.name, { ...this.context.scopes.didYouMean(name, ["reputation", "market", "peering", "constitution", "successor"], member.name) }));
      }
    }
    return strategies;
  }

  /** Whether `ref` publishes a stream or collection carrying the std type `typeName`. */
  private requirePublisher(unit: SourceUnit, ref: CitizenRefModel, typeName: string, strategy: string, at: A.Range): boolean {
    const target = ref.target;
    if (target.kind === "lattice") return true;
    const sym = this.symOfCitizen.get(target)!;
    this.citizenBody(sym);
    // A surface that did not resolve has its own diagnostic; do not guess what it publishes.
    if (this.brokenSurfaces.has(sym.decl)) return true;
    const publishes = target.surface.some((item) => (item.kind === "stream" ? [item.type] : item.parameters).some((t) => (t.kind === "record" || t.kind === "enum") && t.name === typeName && this.types.declOf.get(t)?.unit.isStd));
    if (!publishes) {
      const lookalike = target.surface.some((item) => (item.kind === "stream" ? [item.type] : item.parameters).some((t) => (t.kind === "record" || t.kind === "enum") && t.name === typeName));
      this.report(
        unit,
        checkerDiagnostic("E0406", { strategy: `\`${strategy}\``, type: `\`${typeName}\``, name: `\`${target.name}\`` }, at, {
          related: [{ message: `\`${target.name}\` is declared here`, range: sym.nameNode, file: sym.unit.path }],
          ...(lookalike ? { notes: [`\`${target.name}\` publishes ${article(`\`${typeName}\``)} of its own declaration, not the standard library's (import it from "std/types")`] } : {}),
        }),
      );
    }
    return publishes;
  }

  private requireClause(unit: SourceUnit, organism: OrganismModel, admissionEntry: A.Entry | undefined, member: A.Directive, validator: string, matches: (call: ValidatorCall) => boolean, clause: string): void {
    const conjuncts: ValidatorCall[] = [];
    const walk = (a: AdmissionModel | undefined): void => {
      if (a === undefined) return;
      if (a.kind === "call") conjuncts.push(a.call);
      else if (a.kind === "all") a.operands.forEach(walk);
    };
    walk(organism.admission);
    if (conjuncts.some(matches)) return;
    const similar = conjuncts.find((c) => c.validator === validator);
    if (similar !== undefined) {
      // The clause is there with other arguments: adding a second one would contradict it.
      this.report(unit, checkerDiagnostic("E0407", { strategy: `\`${member.name.text}\``, validator: `\`${validator}\`` }, member, { related: [{ message: `this \`${validator}\` clause has other arguments than the strategy`, range: similar.origin.range }], help: `make them agree: \`${clause}\`` }));
      return;
    }
    if (admissionEntry !== undefined && organism.admission === undefined) return; // the admission has its own errors
    const admission = admissionEntry?.kind === "Property" ? admissionEntry.value : undefined;
    const at = admission === undefined ? this.enclosingEntryStart(unit, member) : admission.end;
    const wrap = admission !== undefined && admission.kind === "BinaryExpr" && admission.op === "|";
    const fix: Fix =
      admission !== undefined
        ? {
            title: `Add \`${clause}\` to the admission`,
            edits: wrap ? [{ range: { start: admission.start, end: admission.start }, newText: "(" }, { range: { start: at, end: at }, newText: `) & ${clause}` }] : [{ range: { start: at, end: at }, newText: ` & ${clause}` }],
          }
        : { title: `Add \`admission: ${clause}\``, edits: [{ range: { start: at, end: at }, newText: `admission: ${clause}\n  ` }] };
    this.report(unit, checkerDiagnostic("E0407", { strategy: `\`${member.name.text}\``, validator: `\`${validator}\`` }, member, { fixes: [fix], ...(admission !== undefined ? { related: [{ message: "the admission", range: admission }] } : {}) }));
  }

  private lineStart(unit: SourceUnit, offset: number): number {
    return unit.text.lastIndexOf("\n", offset - 1) + 1;
  }

  /** Where the `strategies` entry holding `member` starts (to insert an admission before it). */
  private enclosingEntryStart(unit: SourceUnit, member: A.Directive): number {
    const before = unit.text.lastIndexOf("strategies", member.start);
    return before < 0 ? this.lineStart(unit, member.start) : before;
  }

  private stdType(name: string): RecordType | import("@coal/runtime/identity").EnumType | undefined {
    for (const unit of this.program.units.values()) {
      if (!unit.isStd) continue;
      const sym = this.context.scopes.declarations(unit).find((s) => s.name === name);
      if (sym !== undefined) return this.types.namedType(sym);
    }
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Coalitions

  private coalition(sym: Sym): CoalitionModel | undefined {
    const unit = sym.unit;
    const decl = sym.decl as A.CoalitionDecl;
    const where = `coalition \`${sym.name}\``;
    const entries = this.entries(unit, decl.body, where, { properties: ["name", "lattices", "organisms", "confluences"], blocks: [...moduleNames, "tickets", "retirement"] });
    const hasName = this.requireEntry(unit, entries, "name", where, decl, `"${sym.name.replace(/_/g, "-")}"`);
    const name = hasName ? this.stringProperty(unit, entries, "name") : undefined;
    const lattices = this.citizenList(unit, entries.get("lattices"), ["lattice"], "lattice");
    const organisms = this.citizenList(unit, entries.get("organisms"), ["organism"], "organism");
    const confluences = this.citizenList(unit, entries.get("confluences"), ["confluence"], "confluence");
    for (const list of [lattices, organisms, confluences]) {
      const seen = new Map<CitizenModel, CitizenRefModel>();
      for (const ref of list) {
        const first = seen.get(ref.target);
        if (first !== undefined) this.report(unit, checkerDiagnostic("E0404", { name: `\`${ref.target.name}\``, coalition: `\`${sym.name}\`` }, ref.origin.range, { related: [{ message: "first listed here", range: first.origin.range }] }));
        else seen.set(ref.target, ref);
      }
    }
    const members = [...lattices, ...organisms, ...confluences];
    const modules: Partial<Record<ModuleName, ModuleModel>> = {};
    for (const module of moduleNames) {
      const entry = entries.get(module);
      if (entry?.kind !== "NestedBlock") continue;
      const model = this.module(unit, module, entry, members);
      if (model !== undefined) modules[module] = model;
    }
    for (const ref of organisms) {
      const target = ref.target as OrganismModel;
      if (target.heartbeat === undefined) continue;
      const missing = [modules.chronicle === undefined ? "a Chronicle" : undefined, modules.almanac === undefined ? "an Almanac" : undefined].filter((m) => m !== undefined);
      if (missing.length > 0) this.report(unit, checkerDiagnostic("E0408", { name: `\`${target.name}\``, coalition: `\`${sym.name}\``, missing: missing.join(" and ") }, ref.origin.range));
    }
    let tickets: CoalitionModel["tickets"];
    const ticketsEntry = entries.get("tickets");
    if (ticketsEntry?.kind === "NestedBlock") {
      const inner = this.entries(unit, ticketsEntry.body, "the `tickets` block", { properties: ["name", "admission"] });
      const ticketName = this.requireEntry(unit, inner, "name", "the `tickets` block", ticketsEntry, `"${(name?.value ?? sym.name)}.tickets"`) ? this.stringProperty(unit, inner, "name") : undefined;
      const admissionEntry = inner.get("admission");
      const admission = admissionEntry?.kind === "Property" ? this.admission(unit, admissionEntry.value) : undefined;
      if (ticketName !== undefined) tickets = { name: ticketName.value, ...(admission === undefined ? {} : { admission }), origin: this.context.origin(unit, ticketsEntry) };
    }
    const retirementType = this.stdType("RetirementPolicy") as RecordType | undefined;
    if (retirementType === undefined) return undefined;
    let retirement: CoalitionModel["retirement"] = { type: retirementType, value: { fields: [86_400_000n] }, origin: this.context.origin(unit, decl.name ?? decl) };
    const retirementEntry = entries.get("retirement");
    if (retirementEntry?.kind === "NestedBlock") {
      const value = this.values.fields(unit, retirementEntry.body, "retirement", retirementType.fields, retirementEntry.body.entries.filter((e): e is A.Property => e.kind === "Property").map((p) => ({ name: p.name, ...(p.value === undefined ? {} : { value: p.value }), node: p })), retirementEntry.name);
      this.rejectNonProperties(unit, retirementEntry.body, "the `retirement` block");
      if (value !== undefined) retirement = { type: retirementType, value, origin: this.context.origin(unit, retirementEntry) };
    }
    if (name === undefined) return undefined;
    const origin = (e: A.Entry | undefined) => (e === undefined ? undefined : this.context.origin(unit, e));
    const origins: Mutable<CoalitionModel["origins"]> = { name: this.context.origin(unit, name.origin) };
    const lo = origin(entries.get("lattices"));
    if (lo !== undefined) origins.lattices = lo;
    const oo = origin(entries.get("organisms"));
    if (oo !== undefined) origins.organisms = oo;
    const co = origin(entries.get("confluences"));
    if (co !== undefined) origins.confluences = co;
    return { kind: "coalition", name: sym.name, coalitionName: name.value, lattices, organisms, confluences, modules, ...(tickets === undefined ? {} : { tickets }), retirement, origin: this.context.origin(unit, decl), origins };
  }

  private rejectNonProperties(unit: SourceUnit, block: A.Block, where: string): void {
    for (const entry of block.entries) if (entry.kind !== "Property" && !this.context.broken(unit, entry)) this.report(unit, checkerDiagnostic("E0400", { entry: `\`${entryLabel(entry)}\``, where }, entryNameRange(entry)));
  }

  private module(unit: SourceUnit, module: ModuleName, entry: A.NestedBlock, members: readonly CitizenRefModel[]): ModuleModel | undefined {
    const contentType = this.stdType(`${pascalCase(module)}Content`) as RecordType | undefined;
    if (contentType === undefined) return undefined;
    const where = `the \`${module}\` block`;
    const entries = this.entries(unit, entry.body, where, { properties: [...contentType.fields.map((f) => f.name), "admission", "tdx"] });
    const given = [...entries.values()].filter((e): e is A.Property => e.kind === "Property" && contentType.fields.some((f) => f.name === e.name.text));
    const properties = given.map((p) => ({ name: p.name, ...(p.value === undefined ? {} : { value: p.value }), node: p }));
    // The Atlas catalogues every citizen, in coalition order, unless told otherwise.
    let content: import("@coal/runtime/identity").RecordValue | undefined;
    const defaultMembers = module === "atlas" && !entries.has("members");
    if (defaultMembers) {
      content = { fields: [[]] };
    } else {
      content = this.values.fields(unit, entry.body, `the \`${module}\` block`.replace(/`/g, ""), contentType.fields, properties, entry.name);
    }
    if (content === undefined) return undefined;
    const admissionEntry = entries.get("admission");
    const admission = admissionEntry?.kind === "Property" ? this.admission(unit, admissionEntry.value) : undefined;
    const tdxEntry = entries.get("tdx");
    const tdx = tdxEntry?.kind === "Property" ? this.measurementsRef(unit, tdxEntry.value, true) : undefined;
    const origin = this.context.origin(unit, entry);
    const surface = moduleSurfaces[module].flatMap((item): SurfaceItemModel[] => {
      const type = this.stdType(item.type);
      if (type === undefined) return [];
      return item.kind === "stream" ? [{ kind: "stream", name: item.name, type, origin }] : [{ kind: "collection", name: item.name, collection: item.collection, parameters: item.collection === "map" ? [primitive("digest"), type] : [type], origin }];
    });
    return { name: module, surface, content: { type: contentType, value: content, inline: false, origin }, ...(defaultMembers ? { defaultMembers: members } : {}), ...(admission === undefined ? {} : { admission }), ...(tdx === undefined ? {} : { tdx }), origin: this.context.origin(unit, entry) };
  }

  // -------------------------------------------------------------------------------------------
  // Cycles

  private checkPinCycles(): void {
    const edges = (c: CitizenModel): CitizenRefModel[] => {
      if (c.kind === "lattice") return [];
      const refs: CitizenRefModel[] = [...c.spans];
      const walk = (a: AdmissionModel | undefined): void => {
        if (a === undefined) return;
        if (a.kind === "call") {
          if ("org" in a.call) refs.push(a.call.org);
        } else a.operands.forEach(walk);
      };
      walk(c.admission);
      // Only a pinned reference folds the target's hash; an unpinned one folds its stable id.
      return refs.filter((r) => r.pinned);
    };
    const state = new Map<CitizenModel, "visiting" | "done">();
    const stack: CitizenModel[] = [];
    const visit = (c: CitizenModel): void => {
      state.set(c, "visiting");
      stack.push(c);
      for (const ref of edges(c)) {
        const s = state.get(ref.target);
        if (s === "visiting") {
          const cycle = [...stack.slice(stack.indexOf(ref.target)), ref.target].map((x) => `\`${x.name}\``).join(" → ");
          const unit = this.program.units.get(ref.origin.file)!;
          this.report(unit, checkerDiagnostic("E0414", { cycle }, ref.origin.range));
        } else if (s === undefined) visit(ref.target);
      }
      stack.pop();
      state.set(c, "done");
    };
    for (const c of this.citizens.values()) if (!state.has(c as CitizenModel)) visit(c as CitizenModel);
  }

  private checkSuccessorCycles(): void {
    const next = new Map<CitizenModel, { target: CitizenModel; origin: import("../model.js").Origin }>();
    for (const c of this.citizens.values()) {
      if (c.kind !== "organism") continue;
      const organism = c as OrganismModel;
      const policy = organism.content?.type.name === "AgentContent" ? (organism.content.value.fields[4] as { variant: number; fields: readonly Value[] } | undefined) : undefined;
      const strategy = organism.strategies.find((s): s is Strategy & { kind: "successor" } => s.kind === "successor")?.policy as { variant: number; fields: readonly Value[] } | undefined;
      const chosen = strategy ?? policy;
      if (chosen?.variant !== 1) continue;
      const ref = chosen.fields[0] as { fields: readonly Value[] } | undefined;
      const stableId = ref?.fields[0];
      if (!(stableId instanceof Uint8Array)) continue;
      const target = [...this.citizens.values()].find((o) => o.kind === "organism" && instanceId(o.instanceName, this.universe).digest.every((b, i) => b === stableId[i]));
      if (target !== undefined) next.set(organism, { target: target as CitizenModel, origin: (organism.strategies.find((s) => s.kind === "successor") ?? organism.content).origin });
    }
    const reported = new Set<CitizenModel>();
    for (const start of next.keys()) {
      const seen: CitizenModel[] = [];
      let current: CitizenModel | undefined = start;
      while (current !== undefined && !seen.includes(current)) {
        seen.push(current);
        current = next.get(current)?.target;
      }
      if (current === undefined || reported.has(current)) continue;
      const cycle = seen.slice(seen.indexOf(current));
      cycle.forEach((c) => reported.add(c));
      const origin = next.get(current)!.origin;
      this.report(this.program.units.get(origin.file)!, checkerDiagnostic("E0409", { cycle: [...cycle, current].map((c) => `\`${c.name}\``).join(" → ") }, origin.range));
    }
  }
}

function pascalCase(name: string): string {
  return name
    .split("_")
    .filter((part) => part.length > 0)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join("");
}

function instanceProblem(name: string): string | undefined {
  if (name.length === 0) return "it is empty";
  if (name.trim() !== name) return "it has whitespace at its ends";
  if (/[\u0000-\u001f\u007f]/.test(name)) return "it has control characters";
  return undefined;
}

/** A value for a missing argument that checks: for citizens and pins, a name declared in the file. */
function paramPlaceholder(param: A.FieldDecl, declared: readonly Sym[]): string | undefined {
  const type = param.type?.name?.text;
  switch (type) {
    case "citizen":
      return declared.find((sym) => sym.kind === "organism" || sym.kind === "confluence")?.name;
    case "pins":
      return declared.find((sym) => sym.kind === "measurements")?.name;
    case "tick_count":
      return "30 ticks";
    case "decimal":
      return "0.5";
    case "duration":
      return "1h";
    case "digest":
      return "0x" + "0".repeat(64);
    default:
      return placeholder(primitive("u32"));
  }
}

/** What makes an entry a duplicate of another; streams and collections are checked per name by `surface`. */
function entryKey(entry: A.Entry): string | undefined {
  return entry.kind === "StreamMember" || entry.kind === "CollectionMember" ? undefined : entryLabel(entry);
}

function entryLabel(entry: A.Entry): string {
  switch (entry.kind) {
    case "Property":
    case "NestedBlock":
    case "Directive":
      return entry.name.text;
    case "StreamMember":
      return "stream";
    case "CollectionMember":
      return "collection";
    case "ContentMember":
      return "content";
    case "WatchdogMember":
      return "watchdog";
    case "HeartbeatMember":
      return "heartbeat";
  }
}

function entryNameRange(entry: A.Entry): A.Range {
  switch (entry.kind) {
    case "Property":
    case "NestedBlock":
    case "Directive":
      return entry.name;
    default:
      return { start: entry.start, end: Math.min(entry.end, entry.start + entryLabel(entry).length) };
  }
}
