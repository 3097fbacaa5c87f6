// `coal.lock.json`: what a build published, in the form change classification compares against —
// every type's shape, every citizen's ids and surface, every coalition's ids. Emit returns data;
// the caller writes it.
import * as I from "@coal/runtime/identity";
import type { CitizenRefModel, ConfluenceModel, WorkspaceModel } from "../model.js";
import { coalitionIdsHex, Fingerprinter } from "../fingerprints.js";
import { compilerVersion } from "../version.js";

export const lockVersion = 1;

export interface LockField {
  readonly name: string;
  readonly type: string;
  readonly optional: boolean;
}
export interface LockType {
  readonly kind: "record" | "enum";
  readonly schema: string;
  /** Records: the fields. Enums: absent. */
  readonly fields?: readonly LockField[];
  /** Enums: the variants and their fields. */
  readonly variants?: readonly { readonly name: string; readonly fields: readonly LockField[] }[];
}
export interface LockSurfaceItem {
  readonly name: string;
  readonly kind: "stream" | "collection";
  readonly type: string;
  readonly typeId: string;
  readonly id: string;
}
export interface LockCitizen {
  readonly kind: "lattice" | "organism" | "confluence";
  readonly instance: string | null;
  readonly stable_id: string;
  /** Organisms: content hash; confluences: fingerprint; lattices: the pinned hash, if any. */
  readonly content_hash: string | null;
  readonly admission_signature: string | null;
  readonly tdx_pin: string | null;
  readonly content_schema: string | null;
  readonly content_bytes: string | null;
  readonly surface: readonly LockSurfaceItem[];
  readonly spans: readonly LockRef[];
}
export interface LockRef {
  readonly name: string;
  readonly stable_id: string;
  readonly pinned: string | null;
}
export interface LockCoalition {
  readonly name: string;
  readonly COALITION: string;
  readonly COALITION_ROOT: string;
  readonly TICKETS_ROOT: string;
  readonly coalition_id: string;
  readonly ticket_issuer: string | null;
  readonly lattices: readonly LockRef[];
  readonly organisms: readonly LockRef[];
  readonly confluences: readonly LockRef[];
  readonly modules: Readonly<Record<string, { readonly root: string; readonly fingerprint: string }>>;
  readonly retirement: string;
}
export interface LockFile {
  readonly lock_version: number;
  readonly compiler: string;
  readonly universe: string;
  readonly types: Readonly<Record<string, LockType>>;
  readonly citizens: Readonly<Record<string, LockCitizen>>;
  readonly coalitions: Readonly<Record<string, LockCoalition>>;
}

function sortedEntries<T>(entries: Iterable<[string, T]>): Record<string, T> {
  return Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function lockFields(fields: readonly I.Field[]): LockField[] {
  return fields.map((f) => ({ name: f.name, type: I.typeToString(f.type), optional: f.type.kind === "option" }));
}

export function lockFile(model: WorkspaceModel, fingerprinter = new Fingerprinter(model)): LockFile {
  const hex = I.toHex;
  const ref = (r: CitizenRefModel): LockRef => {
    const c = fingerprinter.ref(r);
    return { name: r.target.name, stable_id: hex(I.digestOf(c.stableId)), pinned: c.contentHash === undefined ? null : hex(I.digestOf(c.contentHash)) };
  };
  const types = sortedEntries<LockType>(
    model.types.map((t) => [
      t.name,
      t.type.kind === "record"
        ? { kind: "record", schema: hex(I.schema(t.type).digest), fields: lockFields(t.type.fields) }
        : { kind: "enum", schema: hex(I.schema(t.type).digest), variants: t.type.variants.map((v) => ({ name: v.name, fields: lockFields(v.fields) })) },
    ]),
  );
  const citizens: [string, LockCitizen][] = [];
  for (const l of model.lattices) {
    const { stableId, contentHash } = fingerprinter.lattice(l);
    citizens.push([l.name, { kind: "lattice", instance: l.stableId.kind === "instance" ? l.stableId.instanceName : null, stable_id: hex(stableId.digest), content_hash: contentHash === undefined ? null : hex(contentHash), admission_signature: null, tdx_pin: null, content_schema: null, content_bytes: null, surface: [], spans: [] }]);
  }
  for (const c of [...model.organisms, ...model.confluences]) {
    const f = fingerprinter.citizen(c);
    citizens.push([
      c.name,
      {
        kind: c.kind,
        instance: c.instanceName,
        stable_id: hex(f.stableId.digest),
        content_hash: hex(f.contentHash.digest),
        admission_signature: hex(f.admission.signature.digest),
        tdx_pin: c.committee.tdx === undefined ? null : hex(fingerprinter.criteria(c.committee.tdx).digest),
        content_schema: hex(I.schema(c.content.type).digest),
        content_bytes: hex(I.encode(c.content.type, c.content.value)),
        surface: c.surface.map((item) => {
          const type = item.kind === "stream" ? I.typeToString(item.type) : `${item.collection}<${item.parameters.map(I.typeToString).join(", ")}>`;
          const typeId = item.kind === "stream" ? hex(I.typeId(item.type).digest) : item.parameters.map((p) => hex(I.typeId(p).digest)).join(",");
          return { name: item.name, kind: item.kind, type, typeId, id: hex(f.surface.get(item.name)!.digest) };
        }),
        spans: c.spans.map(ref),
      },
    ]);
  }
  const coalitions = sortedEntries<LockCoalition>(
    model.coalitions.map((c) => {
      const f = fingerprinter.coalition(c);
      return [
        c.name,
        {
          name: c.coalitionName,
          ...coalitionIdsHex(f),
          lattices: c.lattices.map(ref),
          organisms: c.organisms.map(ref),
          // Confluences are always folded by fingerprint: record it as what is pinned.
          confluences: c.confluences.map((r) => ({ ...ref(r), pinned: hex(fingerprinter.citizen(r.target as ConfluenceModel).contentHash.digest) })),
          retirement: hex(I.encode(c.retirement.type, c.retirement.value)),
        },
      ];
    }),
  );
  return { lock_version: lockVersion, compiler: `coalc ${compilerVersion}`, universe: hex(model.universe), types, citizens: sortedEntries(citizens), coalitions };
}

/**
 * Reads content bytes field by field with the current program's content types (see
 * `ContentFields`): only meaningful when the type is unchanged, which the caller checks.
 */
export function contentFieldReader(model: WorkspaceModel): (citizen: string, bytesHex: string) => ReadonlyMap<string, string> | undefined {
  const types = new Map([...model.organisms, ...model.confluences].map((c) => [c.name, c.content.type] as const));
  return (citizen, bytesHex) => {
    const type = types.get(citizen);
    if (type === undefined) return undefined;
    try {
      const value = I.codec<Record<string, unknown>>(type).decode(Buffer.from(bytesHex, "hex"));
      return new Map(type.fields.map((field) => [field.name, I.toHex(I.encode(field.type, value[field.name] as never))] as const));
    } catch {
      return undefined;
    }
  };
}
