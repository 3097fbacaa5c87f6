// Admission (ACL) signatures, spec 02. Expressions are normalised before they are signed, so
// equivalent expressions sign equally: `A & B` = `B & A` = `A & (B & A)`.
import { compareBytes, concat, equalBytes, i64le, IdentityError, repeatByte, u32le, u64le, type Bytes } from "./bytes.js";
import { deriveOf, digestOf, digestPart, idOf, part, type Derivation, type DigestInput, type Part } from "./derivation.js";
import { canonicalDecimal, encode, type Decimal } from "./encode.js";
import { id } from "./hash.js";
import { primitive } from "./types.js";

/** A reference to a citizen: its stable id, and its content hash when pinned. */
export interface CitizenRef {
  readonly stableId: DigestInput;
  readonly contentHash?: DigestInput | undefined;
}

/** ref(r) = r.stable_id ‖ enc(option<digest> r.content_hash). */
export function refBytes(ref: CitizenRef): Bytes {
  const hash = ref.contentHash === undefined ? Uint8Array.of(0) : concat(Uint8Array.of(1), digestOf(ref.contentHash));
  return concat(digestOf(ref.stableId), hash);
}

export function refParts(label: string, ref: CitizenRef, origin?: unknown): Part[] {
  return [
    digestPart(`${label}.stable_id`, ref.stableId, origin),
    ref.contentHash === undefined ? part(`${label}.content_hash: none`, Uint8Array.of(0)) : { ...digestPart(`${label}.content_hash: some`, ref.contentHash), bytes: concat(Uint8Array.of(1), digestOf(ref.contentHash)) },
  ];
}

const constants = new Map<string, Derivation>();
function constant(name: string): Derivation {
  let derivation = constants.get(name);
  if (derivation === undefined) {
    derivation = idOf(`id("${name}")`, name, id(name));
    constants.set(name, derivation);
  }
  return derivation;
}

/** The signature of "no admission rule". */
export function openSignature(): Derivation {
  return constant("coalition.acl.open.v1");
}

export function reputationFloor(org: CitizenRef, floor: Decimal, windowTicks: bigint, origin?: unknown): Derivation {
  const canonical = canonicalDecimal(floor.mantissa, floor.scale);
  return leaf("ReputationFloor", "coalition.acl.reputation-floor.v1", [...refParts("org", org, origin), part("floor", encode(primitive("decimal"), canonical)), part("window (ticks)", encode(primitive("u32"), windowTicks))]);
}

export function marketSettlement(org: CitizenRef, origin?: unknown): Derivation {
  return leaf("MarketSettlement", "coalition.acl.market-settlement.v1", refParts("org", org, origin));
}

export function freshness(org: CitizenRef, ageMs: bigint, origin?: unknown): Derivation {
  return leaf("Freshness", "coalition.acl.freshness.v1", [...refParts("org", org, origin), part("age (ms)", u64le(ageMs))]);
}

export function issuer(root: DigestInput): Derivation {
  return leaf("Issuer", "coalition.acl.issuer.v1", [digestPart("root", root)]);
}

function leaf(name: string, domain: string, parts: Part[]): Derivation {
  const payload = hashlessConcat(parts);
  const derivation = deriveOf(name, constant(domain), payload, "args");
  // Keep the labelled arguments visible in the tree instead of one opaque blob.
  return { ...derivation, parts: [derivation.parts[0]!, ...parts] };
}

function hashlessConcat(parts: readonly Part[]): Bytes {
  return concat(...parts.map((p) => p.bytes));
}

/** TDX measurement pins; an omitted register is unpinned. */
export interface MeasurementsCriteria {
  readonly mrtd?: Bytes | undefined;
  readonly rtmr0?: Bytes | undefined;
  readonly rtmr1?: Bytes | undefined;
  readonly rtmr2?: Bytes | undefined;
  readonly rtmr3?: Bytes | undefined;
}

const registers = [
  ["mrtd", 0x09],
  ["rtmr0", 0x01],
  ["rtmr1", 0x02],
  ["rtmr2", 0x03],
  ["rtmr3", 0x04],
] as const;

/** criteria(c): id("mosaik.tee.tdx.measurements-criteria.v1") derived in turn with each register. */
export function criteria(c: MeasurementsCriteria, label = "criteria"): Derivation {
  let current: Derivation = constant("mosaik.tee.tdx.measurements-criteria.v1");
  for (const [register, filler] of registers) {
    const pin = c[register];
    if (pin !== undefined && pin.length !== 48) throw new IdentityError(`${register} must be 48 bytes, not ${pin.length}`);
    const derived = deriveOf(label, current, pin ?? repeatByte(filler, 48));
    current = { ...derived, parts: [derived.parts[0]!, part(pin === undefined ? `${register} (unpinned)` : register, derived.parts[1]!.bytes)] };
  }
  return current;
}

export interface TdxOptions {
  readonly baseline?: MeasurementsCriteria;
  readonly anyOf?: readonly MeasurementsCriteria[];
  readonly maxAgeMs?: bigint | undefined;
  /** Unix seconds. */
  readonly notBefore?: bigint | undefined;
  readonly maxLifetimeMs?: bigint | undefined;
}

function wholeSeconds(ms: bigint, what: string): bigint {
  if (ms % 1000n !== 0n) throw new IdentityError(`${what} must be a whole number of seconds`);
  return ms / 1000n;
}

/** Exactly mosaik's `Tdx::signature()`. */
export function tdx(options: TdxOptions = {}): Derivation {
  let s = deriveOf("Tdx", constant("mosaik.tee.tdx.ticket.v1"), criteria(options.baseline ?? {}, "criteria(baseline)"), "baseline");
  (options.anyOf ?? []).forEach((c, index) => {
    s = deriveOf("Tdx", s, criteria(c, `criteria(any_of[${index}])`), `any_of[${index}]`);
  });
  const optional = (label: string, value: Bytes | undefined) => {
    s = deriveOf("Tdx", s, value ?? new Uint8Array(8), value === undefined ? `${label}: none` : label);
  };
  optional("max_age (s)", options.maxAgeMs === undefined ? undefined : u64le(wholeSeconds(options.maxAgeMs, "max_age")));
  optional("not_before (unix s)", options.notBefore === undefined ? undefined : i64le(options.notBefore));
  optional("max_lifetime (s)", options.maxLifetimeMs === undefined ? undefined : u64le(wholeSeconds(options.maxLifetimeMs, "max_lifetime")));
  return s;
}

/** The JWS algorithms a `Jwt` validator verifies, with their key lengths (SEC1-compressed points for ECDSA). */
export const jwtAlgorithms = { EdDSA: { keyBytes: 32, tag: "EdDsa" }, ES256: { keyBytes: 33, tag: "es256" }, ES384: { keyBytes: 49, tag: "es384" }, ES512: { keyBytes: 67, tag: "es512" } } as const;
export type JwtAlgorithm = keyof typeof jwtAlgorithms;

export interface JwtOptions {
  /** Verifying keys (rotation: any may sign), in order. */
  readonly keys: readonly { readonly alg: JwtAlgorithm; readonly key: Bytes }[];
  readonly issuers?: readonly string[];
  readonly audiences?: readonly string[];
  /** The required `sub`; by default the peer id in lower-case hex. */
  readonly subject?: string | undefined;
  readonly allowNonExpiring?: boolean;
  readonly maxLifetimeMs?: bigint | undefined;
  readonly maxAgeMs?: bigint | undefined;
  /** Required private claims: name → JSON value. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

/**
 * Exactly mosaik's `Jwt::signature()`: the class id derived with each key's algorithm name and
 * fingerprint (`id(tag)` derived with the key bytes), then the non-expiring flag, the issuers and
 * audiences joined by ",", the subject, max_lifetime and max_age (u64le whole seconds, 0 when
 * unset) and each custom claim, by name, as name and compact JSON value.
 */
export function jwt(options: JwtOptions): Derivation {
  let s: Derivation = constant("mosaik.tickets.jwt.v1");
  options.keys.forEach(({ alg, key }, index) => {
    const { keyBytes, tag } = jwtAlgorithms[alg];
    if (key.length !== keyBytes) throw new IdentityError(`an ${alg} key is ${keyBytes} bytes, not ${key.length}`);
    s = deriveOf("Jwt", s, alg, `keys[${index}].alg`);
    s = deriveOf("Jwt", s, deriveOf(`fingerprint(keys[${index}])`, idOf(`id("${tag}")`, tag, id(tag)), key, "key"), `keys[${index}].fingerprint`);
  });
  s = deriveOf("Jwt", s, Uint8Array.of(options.allowNonExpiring === true ? 1 : 0), "allow_non_expiring");
  s = deriveOf("Jwt", s, (options.issuers ?? []).join(","), "issuers");
  s = deriveOf("Jwt", s, (options.audiences ?? []).join(","), "audiences");
  s = deriveOf("Jwt", s, options.subject ?? "", "subject");
  s = deriveOf("Jwt", s, u64le(options.maxLifetimeMs === undefined ? 0n : wholeSeconds(options.maxLifetimeMs, "max_lifetime")), "max_lifetime (s)");
  s = deriveOf("Jwt", s, u64le(options.maxAgeMs === undefined ? 0n : wholeSeconds(options.maxAgeMs, "max_age")), "max_age (s)");
  for (const name of Object.keys(options.claims ?? {}).sort(byUtf8)) {
    s = deriveOf("Jwt", s, name, `claim ${name}`);
    s = deriveOf("Jwt", s, JSON.stringify(options.claims![name]), `claim ${name} value`);
  }
  return s;
}

/** BTreeMap<String, _> order: by UTF-8 bytes (not UTF-16 code units, which differ above U+FFFF). */
function byUtf8(a: string, b: string): number {
  return compareBytes(new TextEncoder().encode(a), new TextEncoder().encode(b));
}

/** An admission expression: `&` (all), `|` (any), or a leaf whose signature is known. */
export type Admission =
  | { readonly kind: "all" | "any"; readonly operands: readonly Admission[]; readonly origin?: unknown }
  | { readonly kind: "leaf"; readonly signature: Derivation; readonly text?: string; readonly origin?: unknown };

/** An expression after normalisation: flattened, operands sorted by signature, duplicates dropped. */
export type NormalAdmission =
  | { readonly kind: "open"; readonly signature: Derivation }
  | { readonly kind: "all" | "any"; readonly operands: readonly NormalAdmission[]; readonly signature: Derivation }
  | { readonly kind: "leaf"; readonly signature: Derivation; readonly text?: string; readonly origin?: unknown };

export function normaliseAdmission(expression: Admission | undefined): NormalAdmission {
  if (expression === undefined) return { kind: "open", signature: openSignature() };
  if (expression.kind === "leaf") return expression;
  // Operands are normalised first and then flattened, so a group that reduces to the parent's
  // kind merges into it: `A & (B & C | C & B)` = `A & B & C`.
  const flat: NormalAdmission[] = [];
  for (const operand of expression.operands) {
    const normal = normaliseAdmission(operand);
    if (normal.kind === expression.kind) flat.push(...normal.operands);
    else if (!(normal.kind === "open" && expression.kind === "all")) flat.push(normal);
  }
  const operands = flat.sort((a, b) => compareBytes(a.signature.digest, b.signature.digest));
  const unique = operands.filter((operand, index) => index === 0 || !equalBytes(operand.signature.digest, operands[index - 1]!.signature.digest));
  if (unique.length === 0) {
    if (expression.kind === "any") throw new IdentityError("any() of nothing admits no one");
    return { kind: "open", signature: openSignature() };
  }
  if (unique.length === 1) return unique[0]!;
  const name = expression.kind;
  const signature = deriveOf(name === "all" ? "all(…)" : "any(…)", constant(`coalition.acl.${name}.v1`), concat(u32le(unique.length), ...unique.map((o) => o.signature.digest)), "operands");
  const withParts: Derivation = { ...signature, parts: [signature.parts[0]!, part("count", u32le(unique.length)), ...unique.map((o, i) => digestPart(`operand ${i}`, o.signature))] };
  return { kind: name, operands: unique, signature: withParts };
}

export function admissionSignature(expression: Admission | undefined): Derivation {
  return normaliseAdmission(expression).signature;
}

