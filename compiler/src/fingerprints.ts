// The model's fingerprints, all computed through the runtime's identity module (spec 02): one
// place decides which model part folds into which preimage part, and attaches source locations
// as origins so `coalc fingerprint --explain` can say where every byte came from.
import * as I from "@coal/runtime/identity";
import type { AdmissionModel, CitizenModel, CitizenRefModel, CoalitionModel, ConfluenceModel, LatticeModel, MeasurementsModel, ModuleModel, OrganismModel, ValidatorCall, WorkspaceModel } from "./model.js";

export interface CitizenFingerprints {
  readonly stableId: I.Derivation;
  /** Organisms: content hash; confluences: fingerprint. */
  readonly contentHash: I.Derivation;
  readonly admission: I.NormalAdmission;
  readonly surface: ReadonlyMap<string, I.Derivation>;
}

export interface CoalitionFingerprints {
  readonly coalition: I.Derivation;
  readonly root: I.Derivation;
  readonly ticketsRoot: I.Derivation;
  readonly ticketIssuer?: I.Derivation;
  readonly ticketsAdmission?: I.NormalAdmission;
  readonly modules: ReadonlyMap<I.ModuleName, { readonly root: I.Derivation; readonly fingerprint: I.Derivation; readonly admission: I.NormalAdmission }>;
  readonly coalitionId: I.Derivation;
}

export class Fingerprinter {
  private readonly stableIds = new Map<CitizenModel, I.Derivation>();
  private readonly hashes = new Map<CitizenModel, I.Derivation>();
  private readonly citizens = new Map<CitizenModel, CitizenFingerprints>();
  private readonly coalitions = new Map<CoalitionModel, CoalitionFingerprints>();

  constructor(readonly model: WorkspaceModel) {}

  stableId(citizen: CitizenModel): I.Derivation {
    let derivation = this.stableIds.get(citizen);
    if (derivation === undefined) {
      if (citizen.kind === "lattice" && citizen.stableId.kind === "digest") {
        derivation = { label: `stable_id(${citizen.name})`, rule: "H", parts: [I.part("published stable id", citizen.stableId.digest, citizen.origin)], digest: citizen.stableId.digest };
      } else {
        const name = citizen.kind === "lattice" ? (citizen.stableId as { instanceName: string }).instanceName : citizen.instanceName;
        const origin = citizen.kind === "lattice" ? citizen.origin : citizen.origins.instance;
        derivation = { ...I.instanceId(name, this.universe(), origin), label: `stable_id(${citizen.name})` };
      }
      this.stableIds.set(citizen, derivation);
    }
    return derivation;
  }

  private universe(): I.DigestInput {
    return this.model.universeOrigin === undefined ? this.model.universe : { label: "UNIVERSE", rule: "H", parts: [I.part("declared universe", this.model.universe, this.model.universeOrigin)], digest: this.model.universe };
  }

  /** An organism's content hash, a confluence's fingerprint, or a lattice's pinned hash. */
  contentHash(citizen: CitizenModel): I.DigestInput | undefined {
    if (citizen.kind === "lattice") return citizen.contentHash;
    return this.citizen(citizen).contentHash;
  }

  ref(ref: CitizenRefModel): I.CitizenRef {
    const contentHash = ref.pinned ? this.contentHash(ref.target) : undefined;
    return { stableId: this.stableId(ref.target), ...(contentHash === undefined ? {} : { contentHash }) };
  }

  criteria(pins: MeasurementsModel): I.Derivation {
    return { ...I.criteria(pins.pins), label: `criteria(${pins.name})` };
  }

  /** The signature of one validator call (spec 02). */
  leaf(call: ValidatorCall): I.Derivation {
    switch (call.validator) {
      case "ReputationFloor":
        return I.reputationFloor(this.ref(call.org), call.floor, call.windowTicks, call.origin);
      case "MarketSettlement":
        return I.marketSettlement(this.ref(call.org), call.origin);
      case "Freshness":
        return I.freshness(this.ref(call.org), call.ageMs, call.origin);
      case "Issuer":
        return I.issuer(call.root);
      case "Jwt":
        return I.jwt({
          keys: [{ alg: call.alg, key: call.key }],
          issuers: call.issuer === undefined ? [] : [call.issuer],
          audiences: call.audience === undefined ? [] : [call.audience],
          subject: call.subject,
          allowNonExpiring: call.allowNonExpiring,
          maxLifetimeMs: call.maxLifetimeMs,
          maxAgeMs: call.maxAgeMs,
        });
      case "Tdx":
        return I.tdx({
          ...(call.baseline === undefined ? {} : { baseline: call.baseline.pins }),
          anyOf: call.anyOf.map((m) => m.pins),
          maxAgeMs: call.maxAgeMs,
          notBefore: call.notBefore,
          maxLifetimeMs: call.maxLifetimeMs,
        });
    }
  }

  admission(admission: AdmissionModel | undefined): I.NormalAdmission {
    const convert = (a: AdmissionModel): I.Admission => (a.kind === "call" ? { kind: "leaf", signature: this.leaf(a.call), text: a.text, origin: a.call.origin } : { kind: a.kind, operands: a.operands.map(convert), origin: a.origin });
    return I.normaliseAdmission(admission === undefined ? undefined : convert(admission));
  }

  citizen(citizen: OrganismModel | ConfluenceModel): CitizenFingerprints {
    const cached = this.citizens.get(citizen);
    if (cached !== undefined) return cached;
    const stableId = this.stableId(citizen);
    const admission = this.admission(citizen.admission);
    const config: I.CitizenConfig = {
      instanceName: citizen.instanceName,
      spans: citizen.spans.map((span) => this.ref(span)),
      content: { type: citizen.content.type, value: citizen.content.value, origin: citizen.content.origin },
      surface: citizen.surface,
      admission: admission.signature,
      tdxPin: citizen.committee.tdx === undefined ? undefined : this.criteria(citizen.committee.tdx),
      origins: { instance: citizen.origins.instance, admission: citizen.origins.admission, tdx: citizen.origins.tdx },
    };
    const contentHash = citizen.kind === "organism" ? I.organismContentHash(citizen.name, config) : I.confluenceFingerprint(citizen.name, config);
    const surface = new Map(citizen.surface.map((item) => [item.name, I.surfaceId(stableId, item)]));
    const result: CitizenFingerprints = { stableId, contentHash, admission, surface };
    this.hashes.set(citizen, contentHash);
    this.citizens.set(citizen, result);
    return result;
  }

  coalition(coalition: CoalitionModel): CoalitionFingerprints {
    const cached = this.coalitions.get(coalition);
    if (cached !== undefined) return cached;
    const name = I.coalitionName(coalition.coalitionName, coalition.origins.name);
    const ticketsAdmission = coalition.tickets === undefined ? undefined : this.admission(coalition.tickets.admission);
    const ticketIssuer = coalition.tickets === undefined ? undefined : I.ticketIssuerFingerprint(coalition.tickets.name, ticketsAdmission!.signature, coalition.tickets.origin);
    const root = I.coalitionRoot(name, {
      lattices: coalition.lattices.map((r) => this.ref(r)),
      organisms: coalition.organisms.map((r) => this.ref(r)),
      confluences: coalition.confluences.map((r) => this.citizen(r.target as ConfluenceModel).contentHash),
      ticketIssuer,
      origins: { lattices: coalition.origins.lattices, organisms: coalition.origins.organisms, confluences: coalition.origins.confluences, tickets: coalition.tickets?.origin },
    });
    const modules = new Map<I.ModuleName, { root: I.Derivation; fingerprint: I.Derivation; admission: I.NormalAdmission }>();
    for (const name of I.moduleNames) {
      const module = coalition.modules[name];
      if (module === undefined) continue;
      const admission = this.admission(module.admission);
      const fingerprint = I.moduleFingerprint(root, name, {
        content: this.moduleContent(module),
        admission: admission.signature,
        tdxPin: module.tdx === undefined ? undefined : this.criteria(module.tdx),
        origin: module.origin,
      });
      modules.set(name, { root: I.moduleRoot(root, name), fingerprint, admission });
    }
    const coalitionId = I.coalitionId(root, Object.fromEntries([...modules].map(([n, m]) => [n, m.fingerprint])), coalition.retirement);
    const result: CoalitionFingerprints = { coalition: name, root, ticketsRoot: I.ticketsRoot(root), ...(ticketIssuer === undefined ? {} : { ticketIssuer }), ...(ticketsAdmission === undefined ? {} : { ticketsAdmission }), modules, coalitionId };
    this.coalitions.set(coalition, result);
    return result;
  }

  /** A module's content, with an Atlas's default members resolved to their stable ids. */
  moduleContent(module: ModuleModel): ModuleModel["content"] {
    if (module.defaultMembers === undefined) return module.content;
    return { ...module.content, value: { fields: [module.defaultMembers.map((ref) => this.stableId(ref.target).digest)] } };
  }

  lattice(lattice: LatticeModel): { stableId: I.Derivation; contentHash: I.Bytes | undefined } {
    return { stableId: this.stableId(lattice), contentHash: lattice.contentHash };
  }
}

/** A coalition's ids as hex, under the golden file's key names. */
export function coalitionIdsHex(f: CoalitionFingerprints) {
  const hex = I.toHex;
  return {
    COALITION: hex(f.coalition.digest),
    COALITION_ROOT: hex(f.root.digest),
    TICKETS_ROOT: hex(f.ticketsRoot.digest),
    coalition_id: hex(f.coalitionId.digest),
    ticket_issuer: f.ticketIssuer === undefined ? null : hex(f.ticketIssuer.digest),
    modules: Object.fromEntries([...f.modules].map(([name, m]) => [name, { root: hex(m.root.digest), fingerprint: hex(m.fingerprint.digest) }])),
  };
}

/** The JSON of `coalc fingerprint --format json`: the shape of the golden scenario's vectors. */
export function fingerprintReport(model: WorkspaceModel, fingerprinter = new Fingerprinter(model)): Record<string, unknown> {
  const hex = I.toHex;
  const citizen = (c: OrganismModel | ConfluenceModel, hashKey: "content_hash" | "fingerprint") => {
    const f = fingerprinter.citizen(c);
    return {
      stable_id: hex(f.stableId.digest),
      [hashKey]: hex(f.contentHash.digest),
      content_schema: hex(I.schema(c.content.type).digest),
      content_bytes: hex(I.encode(c.content.type, c.content.value)),
      admission_signature: hex(f.admission.signature.digest),
      surface: Object.fromEntries([...f.surface].map(([name, d]) => [name, hex(d.digest)])),
    };
  };
  const byName = <T extends { name: string }>(items: readonly T[], f: (item: T) => unknown) => Object.fromEntries([...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((item) => [item.name, f(item)]));
  return {
    universe: hex(model.universe),
    schemas: byName(model.types, (t) => hex(I.schema(t.type).digest)),
    lattices: byName(model.lattices, (l) => {
      const { stableId, contentHash } = fingerprinter.lattice(l);
      return { stable_id: hex(stableId.digest), content_hash: contentHash === undefined ? null : hex(contentHash) };
    }),
    organisms: byName(model.organisms, (o) => citizen(o, "content_hash")),
    confluences: byName(model.confluences, (c) => citizen(c, "fingerprint")),
    coalition: byName(model.coalitions, (c) => ({ name: c.coalitionName, ...coalitionIdsHex(fingerprinter.coalition(c)) })),
  };
}
