// The wire format between a group's clients and its members: requests on the channel
// `client:<group id>`, responses on `client-reply:<group id>` (two names, so a peer may be both a
// member serving clients and a client of the same group).
// A client is any peer outside the committee (an agent appending to the Chronicle, a provider
// registering with Compute); it never sees Raft messages, only these.
//
//   request   u8 kind (1 execute, 2 read) ‖ u64le request id ‖ body
//     execute body: session (8) ‖ u64le sequence ‖ command bytes
//     read body:    u8 consistency (0 weak, 1 linearizable)
//   response  u8 0x80 ‖ u64le request id ‖ u8 status ‖ payload
//     ok:        execute → the machine's encoded result; read → u64le version ‖ machine snapshot
//     refused:   UTF-8 message (the machine threw applying the command: same on every member)
//     not-allowed, busy (try another member), result-unavailable (applied, result forgotten),
//     malformed: UTF-8 message
//
// A client tags each command with its own session and sequence, exactly as a member tags its own,
// so every member skips a retry of a command already in the log: a client may resend to another
// member after a timeout and the command still takes effect at most once.

export const enum ClientStatus {
  Ok = 0,
  Refused = 1,
  NotAllowed = 2,
  Busy = 3,
  ResultUnavailable = 4,
  Malformed = 5,
}

export type ClientRequest =
  | { readonly kind: "execute"; readonly id: bigint; readonly session: Uint8Array; readonly sequence: number; readonly command: Uint8Array }
  | { readonly kind: "read"; readonly id: bigint; readonly linearizable: boolean };

export interface ClientResponse {
  readonly id: bigint;
  readonly status: ClientStatus;
  readonly payload: Uint8Array;
}

export function encodeExecute(id: bigint, session: Uint8Array, sequence: number, command: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(25 + command.length);
  out[0] = 1;
  out.writeBigUInt64LE(id, 1);
  out.set(session, 9);
  out.writeBigUInt64LE(BigInt(sequence), 17);
  out.set(command, 25);
  return out;
}

export function encodeRead(id: bigint, linearizable: boolean): Uint8Array {
  const out = Buffer.allocUnsafe(10);
  out[0] = 2;
  out.writeBigUInt64LE(id, 1);
  out[9] = linearizable ? 1 : 0;
  return out;
}

/** Undefined for bytes that are no request (never throws: requests come from any peer). */
export function decodeRequest(bytes: Uint8Array): ClientRequest | undefined {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (view.length >= 25 && view[0] === 1) {
    const sequence = view.readBigUInt64LE(17);
    if (sequence === 0n || sequence > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    return { kind: "execute", id: view.readBigUInt64LE(1), session: bytes.subarray(9, 17), sequence: Number(sequence), command: bytes.subarray(25) };
  }
  if (view.length === 10 && view[0] === 2 && view[9]! <= 1) return { kind: "read", id: view.readBigUInt64LE(1), linearizable: view[9] === 1 };
  return undefined;
}

export function encodeResponse(id: bigint, status: ClientStatus, payload: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(10 + payload.length);
  out[0] = 0x80;
  out.writeBigUInt64LE(id, 1);
  out[9] = status;
  out.set(payload, 10);
  return out;
}

export function decodeResponse(bytes: Uint8Array): ClientResponse | undefined {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (view.length < 10 || view[0] !== 0x80 || view[9]! > ClientStatus.Malformed) return undefined;
  return { id: view.readBigUInt64LE(1), status: view[9] as ClientStatus, payload: bytes.subarray(10) };
}

/** The channel a group's members take clients' requests on. */
export function clientChannelName(groupId: string): string {
  return `client:${groupId}`;
}

/** The channel clients take members' responses on. */
export function replyChannelName(groupId: string): string {
  return `client-reply:${groupId}`;
}
