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
import type { Channel } from "../net/memory.js";
import { clientChannelName, replyChannelName } from "./client-wire.js";
import { Group } from "./group.js";
import type { StateMachine } from "./state-machine.js";
import type { GroupStore } from "./store.js";

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

export interface KeyedGroupOptions {
  /** The group key (see `GroupIdInputs.key`). */
  readonly key: string;
  readonly peer: { readonly id: string; channel(name: string): Channel };
  /** Voters of a new group. */
  readonly members: readonly string[];
  readonly learners?: readonly string[];
  readonly store?: GroupStore;
  readonly tickMs?: number;
  readonly electionTicks?: number;
  readonly snapshotEvery?: number;
  readonly requestTimeoutMs?: number;
  /** Peers outside the committee this member serves (see client.ts): any peer, or the listed ones. */
  readonly clients?: "any" | readonly string[];
}

/**
 * Starts this peer's member of the group `key` names for `machine`: the GroupId derived from the
 * key, the timing and the machine's signature, its traffic on the channel `group:<id>`. Every
 * service and collection starts its group through here, so all of them agree on the rule.
 */
export function startKeyedGroup<C, R, Q, A>(options: KeyedGroupOptions, machine: StateMachine<C, R, Q, A>): Promise<Group<C, R, Q, A>> {
  const tickMs = options.tickMs ?? 50;
  const electionTicks = options.electionTicks ?? 10;
  const id = groupId({ key: options.key, tickMs, electionTicks, heartbeatTicks: 1, machine: machine.signature });
  return Group.start({
    id,
    self: options.peer.id,
    members: options.members,
    ...(options.learners === undefined ? {} : { learners: options.learners }),
    channel: options.peer.channel(`group:${id}`),
    machine,
    tickMs,
    electionTicks,
    ...(options.store === undefined ? {} : { store: options.store }),
    ...(options.snapshotEvery === undefined ? {} : { snapshotEvery: options.snapshotEvery }),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    ...(options.clients === undefined ? {} : { clients: options.clients, clientChannel: options.peer.channel(clientChannelName(id)), replyChannel: options.peer.channel(replyChannelName(id)) }),
  });
}
