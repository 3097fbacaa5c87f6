// The standard types the services speak (spec 06, std/types), as the identity module's type
// values, with their CE1 codecs. They fold into fingerprints, so they must equal stdlib/std/types
// exactly: test/services/std-types.test.ts compares every SCHEMA with the compiler's reading of
// the standard library.
import { codec, type Codec } from "../identity/codec.js";
import { list, option, primitive, type EnumType, type RecordType } from "../identity/types.js";

const digest = primitive("digest");
const u64 = primitive("u64");
const u32 = primitive("u32");
const string = primitive("string");
const record = (name: string, fields: Record<string, RecordType["fields"][number]["type"]>): RecordType => ({ kind: "record", name, fields: Object.entries(fields).map(([field, type]) => ({ name: field, type })) });
const enumeration = (name: string, variants: Record<string, Record<string, RecordType["fields"][number]["type"]>>): EnumType => ({
  kind: "enum",
  name,
  variants: Object.entries(variants).map(([variant, fields]) => ({ name: variant, fields: Object.entries(fields).map(([field, type]) => ({ name: field, type })) })),
});

export const EvidencePointerType = record("EvidencePointer", { source: digest, surface: digest, seq: u64, commit: digest });
export const ComponentRefType = record("ComponentRef", { stable_id: digest, content_hash: option(digest) });
export const TimestampHintType = record("TimestampHint", { member: digest, unix_ms: u64 });
export const AlmanacTickType = record("AlmanacTick", { seq: u64, hints: list(TimestampHintType) });
export const AlmanacRangeType = record("AlmanacRange", { first: u64, last: u64 });
export const RetirementReasonType = enumeration("RetirementReason", { Abandoned: {}, Superseded: {}, OperatorExit: {}, Obsolete: {}, InputStarvation: {}, Other: { detail: string } });
export const RetirementMarkerType = record("RetirementMarker", { retiring: ComponentRefType, replacement: option(ComponentRefType), reason: RetirementReasonType, at: u64, evidence: list(EvidencePointerType) });
export const MemberStatusType = enumeration("MemberStatus", { Active: {}, Retiring: {}, Retired: {} });
export const MemberCardType = record("MemberCard", {
  citizen: digest,
  role: string,
  endpoint_hints: list(string),
  ticket_issuance_root: option(digest),
  tdx_pins: list(primitive("measurement")),
  successor_hint: option(digest),
  status: MemberStatusType,
});
export const ChronicleKindType = enumeration("ChronicleKind", { Publication: {}, Rotation: {}, Retirement: {}, Other: {} });
export const ChronicleEntryType = record("ChronicleEntry", { seq: u64, prev: digest, kind: ChronicleKindType, tag: string, body: primitive("bytes"), evidence: list(EvidencePointerType) });
export const AgentHeartbeatBodyType = record("AgentHeartbeatBody", { agent: digest, scope_digest: digest, window: AlmanacRangeType, latest_commit: EvidencePointerType });
export const TdxRequirementType = enumeration("TdxRequirement", { None: {}, Preferred: {}, Required: {} });
export const ComputeManifestType = record("ComputeManifest", {
  name: string,
  version: string,
  commit_hash: digest,
  min_cpu_millicores: u32,
  min_ram_mib: u32,
  min_storage_gib: u32,
  tdx: TdxRequirementType,
});
export const ComputeRequestType = record("ComputeRequest", { request_id: digest, image_hash: digest, manifest: ComputeManifestType, deadline: u64, requester: digest });
export const ComputeGrantType = record("ComputeGrant", { request_id: digest, provider: digest, image_hash: digest, valid_to: u64, expected_mrtd: option(primitive("measurement")) });
export const ProviderCardType = record("ProviderCard", { provider: digest, cpu_millicores: u32, ram_mib: u32, storage_gib: u32, tdx_capable: primitive("bool"), mrtd: option(primitive("measurement")) });

export interface EvidencePointer {
  readonly source: Uint8Array;
  readonly surface: Uint8Array;
  readonly seq: bigint;
  readonly commit: Uint8Array;
}
export interface ComponentRef {
  readonly stable_id: Uint8Array;
  readonly content_hash?: Uint8Array;
}
export interface TimestampHint {
  readonly member: Uint8Array;
  readonly unix_ms: bigint;
}
export interface AlmanacTick {
  readonly seq: bigint;
  readonly hints: readonly TimestampHint[];
}
export interface AlmanacRange {
  readonly first: bigint;
  readonly last: bigint;
}
export type RetirementReason = { readonly kind: "Abandoned" | "Superseded" | "OperatorExit" | "Obsolete" | "InputStarvation" } | { readonly kind: "Other"; readonly detail: string };
export interface RetirementMarker {
  readonly retiring: ComponentRef;
  readonly replacement?: ComponentRef;
  readonly reason: RetirementReason;
  readonly at: bigint;
  readonly evidence: readonly EvidencePointer[];
}
export type MemberStatus = { readonly kind: "Active" | "Retiring" | "Retired" };
export interface MemberCard {
  readonly citizen: Uint8Array;
  readonly role: string;
  readonly endpoint_hints: readonly string[];
  readonly ticket_issuance_root?: Uint8Array;
  readonly tdx_pins: readonly Uint8Array[];
  readonly successor_hint?: Uint8Array;
  readonly status: MemberStatus;
}
export type ChronicleKind = { readonly kind: "Publication" | "Rotation" | "Retirement" | "Other" };
export interface ChronicleEntry {
  readonly seq: bigint;
  readonly prev: Uint8Array;
  readonly kind: ChronicleKind;
  readonly tag: string;
  readonly body: Uint8Array;
  readonly evidence: readonly EvidencePointer[];
}
export interface AgentHeartbeatBody {
  readonly agent: Uint8Array;
  readonly scope_digest: Uint8Array;
  readonly window: AlmanacRange;
  readonly latest_commit: EvidencePointer;
}
export type TdxRequirement = { readonly kind: "None" | "Preferred" | "Required" };
export interface ComputeManifest {
  readonly name: string;
  readonly version: string;
  readonly commit_hash: Uint8Array;
  readonly min_cpu_millicores: number;
  readonly min_ram_mib: number;
  readonly min_storage_gib: number;
  readonly tdx: TdxRequirement;
}
export interface ComputeRequest {
  readonly request_id: Uint8Array;
  readonly image_hash: Uint8Array;
  readonly manifest: ComputeManifest;
  readonly deadline: bigint;
  readonly requester: Uint8Array;
}
export interface ComputeGrant {
  readonly request_id: Uint8Array;
  readonly provider: Uint8Array;
  readonly image_hash: Uint8Array;
  readonly valid_to: bigint;
  readonly expected_mrtd?: Uint8Array;
}
export interface ProviderCard {
  readonly provider: Uint8Array;
  readonly cpu_millicores: number;
  readonly ram_mib: number;
  readonly storage_gib: number;
  readonly tdx_capable: boolean;
  readonly mrtd?: Uint8Array;
}

export const codecs = {
  EvidencePointer: codec<EvidencePointer>(EvidencePointerType),
  AlmanacTick: codec<AlmanacTick>(AlmanacTickType),
  RetirementMarker: codec<RetirementMarker>(RetirementMarkerType),
  MemberCard: codec<MemberCard>(MemberCardType),
  ChronicleEntry: codec<ChronicleEntry>(ChronicleEntryType),
  AgentHeartbeatBody: codec<AgentHeartbeatBody>(AgentHeartbeatBodyType),
  ComputeManifest: codec<ComputeManifest>(ComputeManifestType),
  ComputeRequest: codec<ComputeRequest>(ComputeRequestType),
  ComputeGrant: codec<ComputeGrant>(ComputeGrantType),
  ProviderCard: codec<ProviderCard>(ProviderCardType),
} satisfies Record<string, Codec<unknown>>;

/** Every std type the services use, for the consistency test against stdlib/. */
export const serviceTypes: readonly (RecordType | EnumType)[] = [
  EvidencePointerType,
  ComponentRefType,
  TimestampHintType,
  AlmanacTickType,
  AlmanacRangeType,
  RetirementReasonType,
  RetirementMarkerType,
  MemberStatusType,
  MemberCardType,
  ChronicleKindType,
  ChronicleEntryType,
  AgentHeartbeatBodyType,
  TdxRequirementType,
  ComputeManifestType,
  ComputeRequestType,
  ComputeGrantType,
  ProviderCardType,
];
