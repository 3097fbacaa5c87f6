// The citizens' and the coalition's fingerprints, spec 02: instance ids, surfaces, organism
// content hashes, confluence and ticket-issuer fingerprints, stream and store ids, and the
// coalition's roots and id. Each returns its derivation; `.digest` is the fingerprint.
import { concat, u32le, u8, type Bytes } from "./bytes.js";
import { refBytes, refParts, type CitizenRef } from "./admission.js";
import { deriveOf, digestOf, digestPart, hashOf, part, type Derivation, type DigestInput, type Part } from "./derivation.js";
import { encode, type RecordValue } from "./encode.js";
import { defaultUniverse, text, versioned } from "./hash.js";
import { encodeString, schema, typeId, typeToString, type RecordType, type Type } from "./types.js";

/** instance_id(n) = H("instance|" ‖ text(n) ‖ "|" ‖ UNIVERSE). */
export function instanceId(name: string, universe: DigestInput = defaultUniverse, origin?: unknown): Derivation {
  return hashOf(`instance_id(${JSON.stringify(name)})`, [part('"instance|"', text("instance|")), part("name", text(name), origin), part('"|"', text("|")), digestPart("UNIVERSE", universe)]);
}

export const collectionKinds = { map: 1, vec: 2, set: 3, cell: 4, once: 5, priority_queue: 6 } as const;
export type CollectionKind = keyof typeof collectionKinds;

export type SurfaceItem =
  | { readonly kind: "stream"; readonly name: string; readonly type: Type; readonly origin?: unknown }
  | { readonly kind: "collection"; readonly name: string; readonly collection: CollectionKind; readonly parameters: readonly Type[]; readonly origin?: unknown };

function surfaceItemParts(item: SurfaceItem): Part[] {
  if (item.kind === "stream") {
    return [part(`stream ${item.name}`, concat(Uint8Array.of(1), encodeString(item.name)), item.origin), digestPart(`TYPEID(${typeToString(item.type)})`, typeId(item.type))];
  }
  const ids = item.parameters.map((parameter) => typeId(parameter));
  return [
    part(`collection ${item.name}: ${item.collection}`, concat(Uint8Array.of(2), encodeString(item.name), u8(collectionKinds[item.collection])), item.origin),
    part("parameter count", u32le(ids.length)),
    ...ids.map((d, i) => digestPart(`TYPEID(${typeToString(item.parameters[i]!)})`, d)),
  ];
}

/** Content: a value of a named record type. */
export interface Content {
  readonly type: RecordType;
  readonly value: RecordValue;
  readonly origin?: unknown;
}

export interface CitizenConfig {
  readonly instanceName: string;
  readonly spans: readonly CitizenRef[];
  readonly content: Content;
  readonly surface: readonly SurfaceItem[];
  readonly admission: DigestInput;
  /** The committee's TDX measurements pin, as criteria(pin). */
  readonly tdxPin?: DigestInput | undefined;
  readonly origins?: { readonly instance?: unknown; readonly spans?: unknown; readonly admission?: unknown; readonly tdx?: unknown };
}

function optionDigestPart(label: string, value: DigestInput | undefined, origin?: unknown): Part {
  if (value === undefined) return part(`${label}: none`, Uint8Array.of(0), origin);
  return { ...digestPart(`${label}: some`, value, origin), bytes: concat(Uint8Array.of(1), digestOf(value)) };
}

function config(tag: "organism" | "confluence", label: string, c: CitizenConfig): Derivation {
  return hashOf(label, [
    part(`"${tag}|" ‖ SV ‖ "|"`, versioned(tag)),
    part("instance name", encodeString(c.instanceName), c.origins?.instance),
    part("span count", u32le(c.spans.length), c.origins?.spans),
    ...c.spans.flatMap((span, i) => refParts(`spans[${i}]`, span)),
    digestPart(`SCHEMA(${c.content.type.name})`, schema(c.content.type)),
    part("content", encode(c.content.type, c.content.value), c.content.origin),
    part("surface item count", u32le(c.surface.length)),
    ...c.surface.flatMap(surfaceItemParts),
    digestPart("admission signature", c.admission, c.origins?.admission),
    optionDigestPart("criteria(tdx pin)", c.tdxPin, c.origins?.tdx),
  ]);
}

export function organismContentHash(name: string, c: CitizenConfig): Derivation {
  return config("organism", `content_hash(${name})`, c);
}

export function confluenceFingerprint(name: string, c: CitizenConfig): Derivation {
  return config("confluence", `fingerprint(${name})`, c);
}

export function ticketIssuerFingerprint(name: string, admission: DigestInput, origin?: unknown): Derivation {
  return hashOf(`ticket_issuer(${JSON.stringify(name)})`, [part('"ticket-issuer|" ‖ SV ‖ "|"', versioned("ticket-issuer")), part("name", encodeString(name), origin), digestPart("admission signature", admission)]);
}

/** StreamId = H(stable_id ‖ "stream|" ‖ enc(string name) ‖ TYPEID(T)). */
export function streamId(stableId: DigestInput, name: string, type: Type): Derivation {
  return hashOf(`StreamId(${name})`, [digestPart("stable_id", stableId), part('"stream|"', text("stream|")), part("name", encodeString(name)), digestPart(`TYPEID(${typeToString(type)})`, typeId(type))]);
}

/** StoreId = H(stable_id ‖ "collection|" ‖ enc(string name) ‖ u8(kind) ‖ enc(list of TYPEID(p))). */
export function storeId(stableId: DigestInput, name: string, kind: CollectionKind, parameters: readonly Type[]): Derivation {
  return hashOf(`StoreId(${name})`, [
    digestPart("stable_id", stableId),
    part('"collection|"', text("collection|")),
    part("name", encodeString(name)),
    part(`kind: ${kind}`, u8(collectionKinds[kind])),
    part("parameter count", u32le(parameters.length)),
    ...parameters.map((p) => digestPart(`TYPEID(${typeToString(p)})`, typeId(p))),
  ]);
}

/** The id of a surface item: a StreamId or a StoreId. */
export function surfaceId(stableId: DigestInput, item: SurfaceItem): Derivation {
  return item.kind === "stream" ? streamId(stableId, item.name, item.type) : storeId(stableId, item.name, item.collection, item.parameters);
}

/** COALITION = H("coalition|" ‖ SV ‖ "|" ‖ text(name)). */
export function coalitionName(name: string, origin?: unknown): Derivation {
  return hashOf("COALITION", [part('"coalition|" ‖ SV ‖ "|"', versioned("coalition")), part("name", text(name), origin)]);
}

export interface CoalitionMembers {
  readonly lattices: readonly CitizenRef[];
  readonly organisms: readonly CitizenRef[];
  readonly confluences: readonly DigestInput[];
  readonly ticketIssuer?: DigestInput | undefined;
  readonly origins?: { readonly lattices?: unknown; readonly organisms?: unknown; readonly confluences?: unknown; readonly tickets?: unknown };
}

export function coalitionRoot(coalition: DigestInput, members: CoalitionMembers): Derivation {
  const refs = (label: string, list: readonly CitizenRef[], origin: unknown) => [part(`${label} count`, u32le(list.length), origin), ...list.flatMap((ref, i) => refParts(`${label}[${i}]`, ref))];
  return hashOf("COALITION_ROOT", [
    digestPart("COALITION", coalition),
    ...refs("lattices", members.lattices, members.origins?.lattices),
    ...refs("organisms", members.organisms, members.origins?.organisms),
    part("confluence count", u32le(members.confluences.length), members.origins?.confluences),
    ...members.confluences.map((c, i) => digestPart(`confluences[${i}]`, c)),
    optionDigestPart("ticket issuer", members.ticketIssuer, members.origins?.tickets),
  ]);
}

export const moduleNames = ["atlas", "almanac", "chronicle", "compute"] as const;
export type ModuleName = (typeof moduleNames)[number];

/** MODULE_ROOT(m) = derive(derive(COALITION_ROOT, "module"), m). */
export function moduleRoot(root: DigestInput, module: ModuleName): Derivation {
  return deriveOf(`MODULE_ROOT(${module})`, deriveOf('derive(COALITION_ROOT, "module")', root, "module"), module, "module name");
}

/** TICKETS_ROOT = derive(COALITION_ROOT, "tickets"). */
export function ticketsRoot(root: DigestInput): Derivation {
  return deriveOf("TICKETS_ROOT", root, "tickets");
}

export interface ModuleConfig {
  readonly content: Content;
  readonly admission: DigestInput;
  readonly tdxPin?: DigestInput | undefined;
  readonly origin?: unknown;
}

export function moduleFingerprint(root: DigestInput, module: ModuleName, m: ModuleConfig): Derivation {
  return hashOf(`module fingerprint(${module})`, [
    part('"module|" ‖ SV ‖ "|"', versioned("module"), m.origin),
    digestPart(`MODULE_ROOT(${module})`, moduleRoot(root, module)),
    digestPart(`SCHEMA(${m.content.type.name})`, schema(m.content.type)),
    part("content", encode(m.content.type, m.content.value), m.content.origin),
    digestPart("admission signature", m.admission),
    optionDigestPart("criteria(tdx pin)", m.tdxPin),
  ]);
}

export function coalitionId(root: DigestInput, modules: Readonly<Partial<Record<ModuleName, DigestInput>>>, retirement: { readonly type: RecordType; readonly value: RecordValue; readonly origin?: unknown }): Derivation {
  return hashOf("coalition_id", [
    part('"coalition-id|" ‖ SV ‖ "|"', versioned("coalition-id")),
    digestPart("COALITION_ROOT", root),
    ...moduleNames.map((m) => optionDigestPart(`module ${m}`, modules[m])),
    part("RetirementPolicy", encode(retirement.type, retirement.value), retirement.origin),
  ]);
}

/** For tests and tools: ref(r) as bytes. */
export { refBytes };
export type { Bytes };
