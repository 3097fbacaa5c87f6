// The checked model: what a workspace means, with every name resolved and every value typed. It
// is immutable and free of syntax; the fingerprinter, the emitters and the language server read
// it. Each part keeps an `origin` (file and range) so derivations can say where a byte came from.
import type { Range } from "@coal/language";
import type { Bytes, CollectionKind, JwtAlgorithm, MeasurementsCriteria, ModuleName, RecordType, RecordValue, Type, Value, Decimal } from "@coal/runtime/identity";

export interface Origin {
  readonly file: string;
  readonly range: Range;
}

export interface MeasurementsModel {
  readonly kind: "measurements";
  readonly name: string;
  readonly pins: MeasurementsCriteria;
  readonly origin: Origin;
}

export interface LatticeModel {
  readonly kind: "lattice";
  readonly name: string;
  /** Declared by stable id (`stable_id: 0x…`) or by instance name (`instance: "…"`). */
  readonly stableId: { readonly kind: "digest"; readonly digest: Bytes } | { readonly kind: "instance"; readonly instanceName: string };
  readonly contentHash?: Bytes;
  readonly origin: Origin;
}

/** A reference to a citizen, pinned or not. */
export interface CitizenRefModel {
  readonly target: CitizenModel;
  readonly pinned: boolean;
  readonly origin: Origin;
}

export interface ContentModel {
  readonly type: RecordType;
  readonly value: RecordValue;
  /** Whether the type was declared by an inline `content { … }` block. */
  readonly inline: boolean;
  readonly origin: Origin;
}

export type SurfaceItemModel =
  | { readonly kind: "stream"; readonly name: string; readonly type: Type; readonly origin: Origin }
  | { readonly kind: "collection"; readonly name: string; readonly collection: CollectionKind; readonly parameters: readonly Type[]; readonly origin: Origin };

/** A call of a standard validator, arguments evaluated. */
export type ValidatorCall =
  | { readonly validator: "ReputationFloor"; readonly org: CitizenRefModel; readonly floor: Decimal; readonly windowTicks: bigint; readonly origin: Origin }
  | { readonly validator: "MarketSettlement"; readonly org: CitizenRefModel; readonly origin: Origin }
  | { readonly validator: "Freshness"; readonly org: CitizenRefModel; readonly ageMs: bigint; readonly origin: Origin }
  | { readonly validator: "Issuer"; readonly root: Bytes; readonly origin: Origin }
  | {
      readonly validator: "Jwt";
      readonly alg: JwtAlgorithm;
      readonly key: Bytes;
      readonly issuer?: string;
      readonly audience?: string;
      readonly subject?: string;
      readonly allowNonExpiring: boolean;
      readonly maxLifetimeMs?: bigint;
      readonly maxAgeMs?: bigint;
      readonly origin: Origin;
    }
  | {
      readonly validator: "Tdx";
      readonly baseline?: MeasurementsModel;
      readonly anyOf: readonly MeasurementsModel[];
      readonly maxAgeMs?: bigint;
      readonly notBefore?: bigint;
      readonly maxLifetimeMs?: bigint;
      readonly origin: Origin;
    };

export type AdmissionModel =
  | { readonly kind: "all" | "any"; readonly operands: readonly AdmissionModel[]; readonly origin: Origin }
  | { readonly kind: "call"; readonly call: ValidatorCall; readonly text: string };

export interface CommitteeModel {
  readonly members?: bigint;
  readonly tdx?: MeasurementsModel;
}

export type Strategy =
  | { readonly kind: "reputation"; readonly org: CitizenRefModel; readonly floor: Decimal; readonly windowTicks: bigint; readonly origin: Origin }
  | { readonly kind: "market"; readonly org: CitizenRefModel; readonly origin: Origin }
  | { readonly kind: "peering"; readonly org: CitizenRefModel; readonly freshnessMs: bigint; readonly origin: Origin }
  | { readonly kind: "constitution"; readonly origin: Origin }
  | { readonly kind: "successor"; readonly policy: Value; readonly origin: Origin };

export type Shape = "integrator" | "standalone" | "confluence_member" | "swarm";

interface CitizenBase {
  readonly name: string;
  readonly instanceName: string;
  readonly content: ContentModel;
  readonly surface: readonly SurfaceItemModel[];
  readonly admission?: AdmissionModel;
  readonly committee: CommitteeModel;
  readonly doc?: string;
  readonly origin: Origin;
  readonly origins: { readonly instance: Origin; readonly admission?: Origin; readonly tdx?: Origin };
}

export interface OrganismModel extends CitizenBase {
  readonly kind: "organism";
  readonly role?: string;
  readonly shape?: Shape;
  readonly spans: readonly CitizenRefModel[];
  readonly strategies: readonly Strategy[];
  readonly watchdog?: { readonly by: CitizenRefModel; readonly retireAfter?: bigint; readonly origin: Origin };
  readonly heartbeat?: { readonly periodMs: bigint; readonly origin: Origin };
}

export interface ConfluenceModel extends CitizenBase {
  readonly kind: "confluence";
  readonly shape?: Shape;
  readonly spans: readonly CitizenRefModel[];
}

export type CitizenModel = LatticeModel | OrganismModel | ConfluenceModel;

export interface ModuleModel {
  readonly name: ModuleName;
  /** The content as written. For an Atlas without `members`, see `defaultMembers`. */
  readonly content: ContentModel;
  /** An Atlas without `members` catalogues these citizens (every one of the coalition, in
   *  order); their stable ids are its `members`, filled in when fingerprinting. */
  readonly defaultMembers?: readonly CitizenRefModel[];
  readonly admission?: AdmissionModel;
  readonly tdx?: MeasurementsModel;
  /** The module's public surface (spec 06), with the standard library's types. Ids are derived
   *  from MODULE_ROOT as a citizen's are from its stable id. */
  readonly surface: readonly SurfaceItemModel[];
  readonly origin: Origin;
}

export interface CoalitionModel {
  readonly kind: "coalition";
  /** The declaration's name (`forecasters`). */
  readonly name: string;
  /** The published name (`signals.forecasters`). */
  readonly coalitionName: string;
  readonly lattices: readonly CitizenRefModel[];
  readonly organisms: readonly CitizenRefModel[];
  readonly confluences: readonly CitizenRefModel[];
  readonly modules: Readonly<Partial<Record<ModuleName, ModuleModel>>>;
  readonly tickets?: { readonly name: string; readonly admission?: AdmissionModel; readonly origin: Origin };
  readonly retirement: { readonly type: RecordType; readonly value: RecordValue; readonly origin: Origin };
  readonly origin: Origin;
  readonly origins: { readonly name: Origin; readonly lattices?: Origin; readonly organisms?: Origin; readonly confluences?: Origin };
}

export interface NamedTypeModel {
  readonly name: string;
  readonly type: RecordType | import("@coal/runtime/identity").EnumType;
  readonly file: string;
  readonly isStd: boolean;
  readonly origin: Origin;
}

export interface WorkspaceModel {
  readonly universe: Bytes;
  readonly universeOrigin?: Origin;
  /** The workspace's own records and enums (not the standard library's), by name. */
  readonly types: readonly NamedTypeModel[];
  readonly measurements: readonly MeasurementsModel[];
  readonly lattices: readonly LatticeModel[];
  readonly organisms: readonly OrganismModel[];
  readonly confluences: readonly ConfluenceModel[];
  readonly coalitions: readonly CoalitionModel[];
}
