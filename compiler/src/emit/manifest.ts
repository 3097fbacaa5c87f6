// `<coalition>.manifest.json`: everything an operator publishes and a third party needs to check
// it — ids, preimage parts as labelled hex, surfaces with their types' schemas, admission in
// normalised form with signatures, and where each came from. Key order is fixed by construction;
// lists keep declaration order; maps are sorted. Emit returns data; the caller writes it.
import * as I from "@coal/runtime/identity";
import { Fingerprinter } from "../fingerprints.js";
import type { CitizenModel, CitizenRefModel, CoalitionModel, ConfluenceModel, OrganismModel, WorkspaceModel } from "../model.js";
import { compilerVersion } from "../version.js";

export const manifestVersion = 1;
export const manifestSchemaFile = "coal-manifest.schema.json";

/** Renders an origin as `path:line:column` relative to the workspace root. */
export type OriginRenderer = (origin: unknown) => string | undefined;

interface PartJson {
  readonly label: string;
  readonly hex: string;
  readonly source?: string;
}

export interface EmittedFile {
  readonly path: string;
  readonly text: string;
}

export class ManifestBuilder {
  private readonly types = new Map<string, I.NamedType>();

  constructor(
    private readonly model: WorkspaceModel,
    private readonly fingerprinter: Fingerprinter,
    private readonly source: OriginRenderer,
  ) {}

  private parts(derivation: I.Derivation): PartJson[] {
    return derivation.parts.map((p) => {
      const where = p.origin === undefined ? undefined : this.source(p.origin);
      return { label: p.label, hex: I.toHex(p.bytes), ...(where === undefined ? {} : { source: where }) };
    });
  }

  private preimage(derivation: I.Derivation) {
    return { rule: derivation.rule, digest: I.toHex(derivation.digest), parts: this.parts(derivation) };
  }

  /** Remembers a type and every named type inside it, for the manifest's `types` section. */
  private noteType(type: I.Type): string {
    for (const named of I.namedTypesIn([type])) this.types.set(named.name, named);
    return I.typeToString(type);
  }

  private admission(normal: I.NormalAdmission): unknown {
    const tree = (n: I.NormalAdmission): unknown =>
      n.kind === "leaf"
        ? { kind: "validator", expression: n.text ?? "", signature: I.toHex(n.signature.digest) }
        : n.kind === "open"
          ? { kind: "open", signature: I.toHex(n.signature.digest) }
          : { kind: n.kind, signature: I.toHex(n.signature.digest), operands: n.operands.map(tree) };
    return { normalised: admissionText(normal), signature: I.toHex(normal.signature.digest), tree: tree(normal) };
  }

  private ref(ref: CitizenRefModel) {
    const r = this.fingerprinter.ref(ref);
    return { name: ref.target.name, kind: ref.target.kind, stable_id: I.toHex(I.digestOf(r.stableId)), content_hash: r.contentHash === undefined ? null : I.toHex(I.digestOf(r.contentHash)), pinned: ref.pinned };
  }

  citizen(c: CitizenModel): unknown {
    if (c.kind === "lattice") {
      const { stableId, contentHash } = this.fingerprinter.lattice(c);
      return { kind: "lattice", name: c.name, instance: c.stableId.kind === "instance" ? c.stableId.instanceName : null, stable_id: I.toHex(stableId.digest), content_hash: contentHash === undefined ? null : I.toHex(contentHash), source: this.source(c.origin) ?? null };
    }
    const f = this.fingerprinter.citizen(c);
    const content = c.content;
    this.noteType(content.type);
    return {
      kind: c.kind,
      name: c.name,
      instance: c.instanceName,
      ...(c.kind === "organism" && c.role !== undefined ? { role: c.role } : {}),
      ...(c.shape !== undefined ? { shape: c.shape } : {}),
      stable_id: I.toHex(f.stableId.digest),
      [c.kind === "organism" ? "content_hash" : "fingerprint"]: I.toHex(f.contentHash.digest),
      content: { type: content.type.name, schema: I.toHex(I.schema(content.type).digest), bytes: I.toHex(I.encode(content.type, content.value)), inline: content.inline },
      spans: c.spans.map((s) => this.ref(s)),
      streams: c.surface.filter((s) => s.kind === "stream").map((s) => ({ name: s.name, id: I.toHex(f.surface.get(s.name)!.digest), type: this.noteType(s.type), type_id: I.toHex(I.typeId(s.type).digest), source: this.source(s.origin) ?? null })),
      collections: c.surface
        .filter((s) => s.kind === "collection")
        .map((s) => ({ name: s.name, kind: s.collection, id: I.toHex(f.surface.get(s.name)!.digest), parameters: s.parameters.map((p) => ({ type: this.noteType(p), type_id: I.toHex(I.typeId(p).digest) })), source: this.source(s.origin) ?? null })),
      admission: this.admission(f.admission),
      committee: { ...(c.committee.members !== undefined ? { members: Number(c.committee.members) } : {}), tdx: c.committee.tdx === undefined ? null : { measurements: c.committee.tdx.name, criteria: I.toHex(this.fingerprinter.criteria(c.committee.tdx).digest) } },
      preimage: this.preimage(f.contentHash),
      source: this.source(c.origin) ?? null,
    };
  }

  coalition(c: CoalitionModel): unknown {
    const f = this.fingerprinter.coalition(c);
    const modules: Record<string, unknown> = {};
    for (const [name, m] of f.modules) {
      const module = c.modules[name]!;
      const content = this.fingerprinter.moduleContent(module);
      this.noteType(content.type);
      modules[name] = {
        root: I.toHex(m.root.digest),
        fingerprint: I.toHex(m.fingerprint.digest),
        content: { type: content.type.name, schema: I.toHex(I.schema(content.type).digest), bytes: I.toHex(I.encode(content.type, content.value)) },
        admission: this.admission(m.admission),
        preimage: this.preimage(m.fingerprint),
        source: this.source(module.origin) ?? null,
      };
    }
    return {
      declaration: c.name,
      name: c.coalitionName,
      ids: { COALITION: I.toHex(f.coalition.digest), COALITION_ROOT: I.toHex(f.root.digest), TICKETS_ROOT: I.toHex(f.ticketsRoot.digest), coalition_id: I.toHex(f.coalitionId.digest), ticket_issuer: f.ticketIssuer === undefined ? null : I.toHex(f.ticketIssuer.digest) },
      lattices: c.lattices.map((r) => this.ref(r)),
      organisms: c.organisms.map((r) => this.ref(r)),
      confluences: c.confluences.map((r) => this.ref(r)),
      modules,
      tickets: c.tickets === undefined ? null : { name: c.tickets.name, fingerprint: I.toHex(f.ticketIssuer!.digest), admission: this.admission(f.ticketsAdmission!), preimage: this.preimage(f.ticketIssuer!) },
      retirement: { notice_ms: String(c.retirement.value.fields[0]), bytes: I.toHex(I.encode(c.retirement.type, c.retirement.value)) },
      preimages: { COALITION: this.preimage(f.coalition), COALITION_ROOT: this.preimage(f.root), coalition_id: this.preimage(f.coalitionId) },
      source: this.source(c.origin) ?? null,
    };
  }

  /** The manifest of one coalition (with the citizens it reaches), or of a workspace without one. */
  manifest(coalition: CoalitionModel | undefined): Record<string, unknown> {
    const citizens = coalition === undefined ? [...this.model.lattices, ...this.model.organisms, ...this.model.confluences] : reachable(coalition);
    const coalitionJson = coalition === undefined ? null : this.coalition(coalition);
    const citizenJson = citizens.map((c) => this.citizen(c));
    const types = [...this.types.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return {
      $schema: `./${manifestSchemaFile}`,
      manifest_version: manifestVersion,
      compiler: `coalc ${compilerVersion}`,
      schema_version: I.SV,
      universe: I.toHex(this.model.universe),
      coalition: coalitionJson,
      citizens: citizenJson,
      types: Object.fromEntries(
        types.map((t) => [
          t.name,
          t.kind === "record"
            ? { kind: "record", schema: I.toHex(I.schema(t).digest), fields: t.fields.map((f) => ({ name: f.name, type: I.typeToString(f.type) })) }
            : { kind: "enum", schema: I.toHex(I.schema(t).digest), variants: t.variants.map((v) => ({ name: v.name, fields: v.fields.map((f) => ({ name: f.name, type: I.typeToString(f.type) })) })) },
        ]),
      ),
    };
  }
}

/** Citizens a coalition lists, then everything they span or admit by, in first-seen order. */
export function reachable(coalition: CoalitionModel): CitizenModel[] {
  const seen: CitizenModel[] = [];
  const visit = (c: CitizenModel) => {
    if (seen.includes(c)) return;
    seen.push(c);
    if (c.kind === "lattice") return;
    c.spans.forEach((s) => visit(s.target));
    const walk = (a: OrganismModel["admission"]): void => {
      if (a === undefined) return;
      if (a.kind === "call") {
        if ("org" in a.call) visit(a.call.org.target);
      } else a.operands.forEach(walk);
    };
    walk(c.admission);
  };
  [...coalition.lattices, ...coalition.organisms, ...coalition.confluences].forEach((r) => visit(r.target));
  return seen;
}

/** `A & B & (C | D)` with operands in signature order: the normal form, as text. */
export function admissionText(normal: I.NormalAdmission): string {
  const text = (n: I.NormalAdmission, parent: "all" | "any" | undefined): string => {
    if (n.kind === "open") return "open";
    if (n.kind === "leaf") return (n.text ?? I.toHex(n.signature.digest)).replace(/\s+/g, " ");
    const inner = n.operands.map((o) => text(o, n.kind)).join(n.kind === "all" ? " & " : " | ");
    return parent !== undefined && parent !== n.kind ? `(${inner})` : inner;
  };
  return text(normal, undefined);
}

export function stableJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}

export type { ConfluenceModel };
