// GroupIds (spec 05): members agree on a group only if they agree on everything that decides its
// behaviour, so the id folds each of those in, in mosaik's order — the group key, a digest of the
// consensus settings, the state machine's signature, the sync signature, and the admission
// validators' signatures — each by `derive` (spec 02). Members configured differently get
// different ids and never exchange a message, instead of forming a group that disagrees.
//
// Spec 02 does not fix the byte layout of mosaik's newest derivation; this one is ours, written
// down here and in docs/runtime.md: the consensus digest is H over u64le milliseconds per tick,
// election ticks and heartbeat ticks; "no sync" and "no validators" fold 32 zero bytes.
import { toHex, u64le } from "../identity/bytes.js";
import { derive, H, id } from "../identity/hash.js";

export interface GroupIdInputs {
  /** The group's key: a StoreId from the bindings, or any agreed name or 64-hex-digit id. */
  readonly key: string;
  readonly tickMs: number;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  /** The state machine's signature, hex. */
  readonly machine: string;
  /** How lagging members catch up, when it is not the core's snapshot transfer; hex. */
  readonly sync?: string;
  /** Signatures (hex) of the validators that admit members, in order. */
  readonly validators?: readonly string[];
}

export function groupId(inputs: GroupIdInputs): string {
  const consensus = H(new Uint8Array([...u64le(BigInt(inputs.tickMs)), ...u64le(BigInt(inputs.electionTicks)), ...u64le(BigInt(inputs.heartbeatTicks))]));
  let s = derive(id(inputs.key), consensus);
  s = derive(s, hexBytes(inputs.machine));
  s = derive(s, inputs.sync === undefined ? new Uint8Array(32) : hexBytes(inputs.sync));
  if ((inputs.validators ?? []).length === 0) s = derive(s, new Uint8Array(32));
  for (const validator of inputs.validators ?? []) s = derive(s, hexBytes(validator));
  return toHex(s);
}

function hexBytes(hex: string): Uint8Array {
  if (!/^([0-9a-f]{2})*$/.test(hex)) throw new TypeError(`not lowercase hex: ${hex.slice(0, 20)}`);
  return Uint8Array.from(hex.match(/../g) ?? [], (byte) => parseInt(byte, 16));
}
