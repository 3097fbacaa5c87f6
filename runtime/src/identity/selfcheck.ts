// The load-time self-check of generated bindings (a paired assertion across the compile/run
// boundary): bindings carry the inputs of every fingerprint and the values the compiler computed;
// at import, the runtime re-derives each one and refuses to run if any disagrees.
import { fromHex, toHex, type Bytes } from "./bytes.js";
import { decode } from "./decode.js";
import { coalitionId, coalitionName, coalitionRoot, confluenceFingerprint, instanceId, moduleFingerprint, moduleRoot, organismContentHash, surfaceId, ticketIssuerFingerprint, ticketsRoot, type CollectionKind, type ModuleName, type SurfaceItem } from "./fingerprints.js";
import { schema, type NamedType, type RecordType, type Type } from "./types.js";
import type { CitizenRef } from "./admission.js";
import type { RecordValue } from "./encode.js";

export interface RefInput {
  readonly stableId: string;
  readonly contentHash: string | null;
}

export interface ContentInput {
  readonly type: RecordType;
  readonly bytes: string;
}

export type SurfaceInput =
  | { readonly kind: "stream"; readonly name: string; readonly type: Type }
  | { readonly kind: "collection"; readonly name: string; readonly collection: CollectionKind; readonly parameters: readonly Type[] };

export interface CitizenInput {
  readonly kind: "organism" | "confluence";
  readonly name: string;
  readonly instanceName: string;
  readonly spans: readonly RefInput[];
  readonly content: ContentInput;
  readonly surface: readonly SurfaceInput[];
  readonly admission: string;
  readonly tdx: string | null;
  readonly expect: { readonly stableId: string; readonly contentHash: string; readonly surface: Readonly<Record<string, string>> };
}

export interface CoalitionInput {
  readonly name: string;
  readonly lattices: readonly RefInput[];
  readonly organisms: readonly RefInput[];
  readonly confluences: readonly string[];
  readonly ticketIssuer: { readonly name: string; readonly admission: string } | null;
  readonly modules: readonly {
    readonly name: ModuleName;
    readonly content: ContentInput;
    readonly admission: string;
    readonly tdx: string | null;
    /** The module's surface (spec 06), its ids derived from MODULE_ROOT, expected as `expectSurface`. */
    readonly surface: readonly SurfaceItem[];
    readonly expectSurface: Readonly<Record<string, string>>;
  }[];
  readonly retirement: ContentInput;
  readonly expect: {
    readonly COALITION: string;
    readonly COALITION_ROOT: string;
    readonly TICKETS_ROOT: string;
    readonly coalition_id: string;
    readonly ticket_issuer: string | null;
    readonly modules: Readonly<Record<string, { readonly root: string; readonly fingerprint: string }>>;
  };
}

export interface BindingInputs {
  readonly universe: string;
  readonly types: readonly { readonly type: NamedType; readonly schema: string }[];
  readonly citizens: readonly CitizenInput[];
  readonly coalition: CoalitionInput | null;
}

export class FingerprintMismatch extends Error {
  override readonly name = "FingerprintMismatch";
  constructor(readonly mismatches: readonly string[]) {
    super(`these bindings do not match the runtime's derivation (spec 02): ${mismatches.join("; ")}. Regenerate them with the same coalc and runtime versions.`);
  }
}

const ref = (r: RefInput): CitizenRef => (r.contentHash === null ? { stableId: fromHex(r.stableId) } : { stableId: fromHex(r.stableId), contentHash: fromHex(r.contentHash) });
const content = (c: ContentInput) => ({ type: c.type, value: decode(c.type, fromHex(c.bytes)) as RecordValue });
const optional = (hex: string | null): Bytes | undefined => (hex === null ? undefined : fromHex(hex));

/** Every fingerprint the inputs determine that disagrees with the expected value, described. */
export function mismatches(inputs: BindingInputs): string[] {
  const out: string[] = [];
  const check = (what: string, got: Bytes, want: string | null) => {
    if (want !== null && toHex(got) !== want) out.push(`${what} is ${toHex(got)}, the bindings say ${want}`);
  };
  const universe = fromHex(inputs.universe);
  for (const t of inputs.types) check(`SCHEMA(${t.type.name})`, schema(t.type).digest, t.schema);
  for (const c of inputs.citizens) {
    const stableId = instanceId(c.instanceName, universe).digest;
    check(`${c.name} stable id`, stableId, c.expect.stableId);
    const config = { instanceName: c.instanceName, spans: c.spans.map(ref), content: content(c.content), surface: c.surface, admission: fromHex(c.admission), tdxPin: optional(c.tdx) };
    check(`${c.name} ${c.kind === "organism" ? "content hash" : "fingerprint"}`, (c.kind === "organism" ? organismContentHash(c.name, config) : confluenceFingerprint(c.name, config)).digest, c.expect.contentHash);
    for (const item of c.surface) check(`${c.name}.${item.name} id`, surfaceId(stableId, item).digest, c.expect.surface[item.name] ?? null);
  }
  const k = inputs.coalition;
  if (k !== null) {
    const name = coalitionName(k.name);
    const issuer = k.ticketIssuer === null ? undefined : ticketIssuerFingerprint(k.ticketIssuer.name, fromHex(k.ticketIssuer.admission));
    const root = coalitionRoot(name, { lattices: k.lattices.map(ref), organisms: k.organisms.map(ref), confluences: k.confluences.map(fromHex), ticketIssuer: issuer });
    check("COALITION", name.digest, k.expect.COALITION);
    check("COALITION_ROOT", root.digest, k.expect.COALITION_ROOT);
    check("TICKETS_ROOT", ticketsRoot(root).digest, k.expect.TICKETS_ROOT);
    check("ticket issuer", issuer?.digest ?? new Uint8Array(0), k.expect.ticket_issuer ?? (issuer === undefined ? null : ""));
    const modules: Partial<Record<ModuleName, Bytes>> = {};
    for (const m of k.modules) {
      const fingerprint = moduleFingerprint(root, m.name, { content: content(m.content), admission: fromHex(m.admission), tdxPin: optional(m.tdx) }).digest;
      modules[m.name] = fingerprint;
      check(`module ${m.name} root`, moduleRoot(root, m.name).digest, k.expect.modules[m.name]?.root ?? null);
      check(`module ${m.name} fingerprint`, fingerprint, k.expect.modules[m.name]?.fingerprint ?? null);
      for (const item of m.surface) check(`${m.name}.${item.name} id`, surfaceId(moduleRoot(root, m.name), item).digest, m.expectSurface[item.name] ?? null);
    }
    const retirement = content(k.retirement);
    check("coalition_id", coalitionId(root, modules, retirement).digest, k.expect.coalition_id);
  }
  return out;
}

/** Throws `FingerprintMismatch` unless every fingerprint re-derives to the value given. */
export function verifyBindings(inputs: BindingInputs): void {
  const found = mismatches(inputs);
  if (found.length > 0) throw new FingerprintMismatch(found);
}
