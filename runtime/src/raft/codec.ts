// Bytes for everything the core exchanges or persists: messages (from the network, so decoding
// trusts nothing), configuration changes (entry data), entries, hard states and snapshots (for a
// write-ahead log). One strict binary format, version 1:
//
//   integers   u64 little-endian, below 2^53 (indices and terms are JS numbers)
//   node ids   u8 length ‖ UTF-8 (1..255 bytes; length 0 only for "no vote")
//   bytes      u32 length ‖ raw
//   bool       u8 0 or 1
//   entry      u64 term ‖ u64 index ‖ u8 type (0 normal, 1 conf-change) ‖ bytes data
//   conf state u32 count ‖ ids (voters) ‖ u32 count ‖ ids (learners)
//   snapshot   u64 index ‖ u64 term ‖ conf state ‖ bytes data
//   message    u8 version ‖ u8 type ‖ id from ‖ id to ‖ u64 term ‖ the type's fields in the
//              order of `types.ts`
//
// Decoding accepts exactly what encoding produces — no trailing bytes, no unknown tags — plus the
// structural rules the core relies on (an append's entries are contiguous after its index, terms
// never decrease; configurations have no duplicates). Every rejection is a `RaftDecodeError` with
// a stable reason and the byte offset; nothing else is ever thrown.
import { assert } from "./assert.js";
import { entryHeaderBytes } from "./storage.js";
import type { ConfChange, ConfChangeType, ConfState, Entry, EntryType, HardState, Message, MessageType, NodeId, Snapshot } from "./types.js";

export const codecVersion = 1;

export type RaftDecodeReason =
  | "truncated"
  | "trailing-bytes"
  | "bad-version"
  | "bad-message-type"
  | "bad-entry-type"
  | "bad-conf-change-type"
  | "bad-bool"
  | "bad-utf8"
  | "bad-node-id"
  | "unsafe-integer"
  | "bad-entries"
  | "bad-snapshot"
  | "bad-conf-state";

export class RaftDecodeError extends Error {
  override readonly name = "RaftDecodeError";
  constructor(
    readonly reason: RaftDecodeReason,
    readonly offset: number,
    detail: string,
  ) {
    super(`${reason} at byte ${offset}: ${detail}`);
  }
}

const messageTypes: readonly MessageType[] = [
  "MsgApp",
  "MsgAppResp",
  "MsgVote",
  "MsgPreVote",
  "MsgVoteResp",
  "MsgPreVoteResp",
  "MsgSnap",
  "MsgHeartbeat",
  "MsgHeartbeatResp",
  "MsgProp",
  "MsgReadIndex",
  "MsgReadIndexResp",
  "MsgTransferLeader",
  "MsgTimeoutNow",
];
const entryTypes: readonly EntryType[] = ["normal", "conf-change"];
const confChangeTypes: readonly ConfChangeType[] = ["add-voter", "add-learner", "remove-node"];

const maxIdBytes = 255;
/** The smallest encoded entry (empty data): a bound on the count a hostile length may claim. */
const minEntryBytes = entryHeaderBytes;
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

// ─── writing ─────────────────────────────────────────────────────────────────────────────────

class Writer {
  private buffer = new Uint8Array(256);
  private view = new DataView(this.buffer.buffer);
  private length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }

  u8(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  u32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, value, true);
    this.length += 4;
  }

  u64(value: number): void {
    assert(Number.isSafeInteger(value) && value >= 0, () => `cannot encode ${value}: not an integer in [0, 2^53)`);
    this.reserve(8);
    this.view.setUint32(this.length, value >>> 0, true);
    this.view.setUint32(this.length + 4, Math.floor(value / 0x1_0000_0000), true);
    this.length += 8;
  }

  bool(value: boolean): void {
    this.u8(value ? 1 : 0);
  }

  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  bytes(bytes: Uint8Array): void {
    this.u32(bytes.length);
    this.raw(bytes);
  }

  /** A node id; the empty string only where `optional` (a vote for nobody). */
  id(id: NodeId, optional = false): void {
    const encoded = utf8Encoder.encode(id);
    assert(encoded.length <= maxIdBytes, () => `node id ${JSON.stringify(id)} is over ${maxIdBytes} bytes`);
    assert(optional || encoded.length > 0, "a node id is never empty");
    this.u8(encoded.length);
    this.raw(encoded);
  }

  entry(entry: Entry): void {
    this.u64(entry.term);
    this.u64(entry.index);
    this.u8(entryTypes.indexOf(entry.type));
    this.bytes(entry.data);
  }

  entries(entries: readonly Entry[]): void {
    this.u32(entries.length);
    for (const entry of entries) this.entry(entry);
  }

  confState(confState: ConfState): void {
    this.u32(confState.voters.length);
    for (const id of confState.voters) this.id(id);
    this.u32(confState.learners.length);
    for (const id of confState.learners) this.id(id);
  }

  snapshot(snapshot: Snapshot): void {
    this.u64(snapshot.metadata.index);
    this.u64(snapshot.metadata.term);
    this.confState(snapshot.metadata.confState);
    this.bytes(snapshot.data);
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

export function encodeMessage(m: Message): Uint8Array {
  const w = new Writer();
  w.u8(codecVersion);
  w.u8(messageTypes.indexOf(m.type) + 1);
  w.id(m.from);
  w.id(m.to);
  w.u64(m.term);
  switch (m.type) {
    case "MsgApp":
      w.u64(m.logTerm);
      w.u64(m.index);
      w.u64(m.commit);
      w.entries(m.entries);
      break;
    case "MsgAppResp":
      w.u64(m.index);
      w.bool(m.reject);
      w.u64(m.rejectHint);
      w.u64(m.logTerm);
      break;
    case "MsgVote":
    case "MsgPreVote":
      w.u64(m.logTerm);
      w.u64(m.index);
      w.bool(m.transfer);
      break;
    case "MsgVoteResp":
    case "MsgPreVoteResp":
      w.bool(m.reject);
      break;
    case "MsgSnap":
      w.snapshot(m.snapshot);
      break;
    case "MsgHeartbeat":
      w.u64(m.commit);
      w.bytes(m.context);
      break;
    case "MsgHeartbeatResp":
      w.bytes(m.context);
      break;
    case "MsgProp":
      w.entries(m.entries);
      break;
    case "MsgReadIndex":
      w.bytes(m.context);
      break;
    case "MsgReadIndexResp":
      w.u64(m.index);
      w.bytes(m.context);
      break;
    case "MsgTransferLeader":
      w.id(m.transferee);
      break;
    case "MsgTimeoutNow":
      break;
  }
  return w.finish();
}

export function encodeConfChange(change: ConfChange): Uint8Array {
  const w = new Writer();
  w.u8(codecVersion);
  w.u8(confChangeTypes.indexOf(change.type) + 1);
  w.id(change.nodeId);
  w.bytes(change.context);
  return w.finish();
}

export function encodeEntry(entry: Entry): Uint8Array {
  const w = new Writer();
  w.entry(entry);
  return w.finish();
}

export function encodeHardState(hardState: HardState): Uint8Array {
  const w = new Writer();
  w.u64(hardState.term);
  w.id(hardState.vote ?? "", true);
  w.u64(hardState.commit);
  return w.finish();
}

export function encodeSnapshot(snapshot: Snapshot): Uint8Array {
  const w = new Writer();
  w.snapshot(snapshot);
  return w.finish();
}

// ─── reading ─────────────────────────────────────────────────────────────────────────────────

class Reader {
  offset = 0;
  private readonly view: DataView;

  constructor(readonly input: Uint8Array) {
    this.view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  }

  fail(reason: RaftDecodeReason, detail: string, offset = this.offset): never {
    throw new RaftDecodeError(reason, offset, detail);
  }

  get remaining(): number {
    return this.input.length - this.offset;
  }

  need(n: number, what: string): void {
    if (n > this.remaining) this.fail("truncated", `${what} needs ${n} bytes, ${this.remaining} left`);
  }

  u8(what: string): number {
    this.need(1, what);
    return this.input[this.offset++]!;
  }

  u32(what: string): number {
    this.need(4, what);
    const value = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return value;
  }

  u64(what: string): number {
    this.need(8, what);
    const low = this.view.getUint32(this.offset, true);
    const high = this.view.getUint32(this.offset + 4, true);
    if (high > 0x1f_ffff) this.fail("unsafe-integer", `${what} is 2^53 or more`);
    this.offset += 8;
    return high * 0x1_0000_0000 + low;
  }

  bool(what: string): boolean {
    const at = this.offset;
    const value = this.u8(what);
    if (value > 1) this.fail("bad-bool", `${what} is ${value}, not 0 or 1`, at);
    return value === 1;
  }

  /** A copy: decoded values never alias the caller's (network) buffer. */
  bytes(what: string): Uint8Array {
    const length = this.u32(`${what} length`);
    this.need(length, what);
    const out = this.input.slice(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  id(what: string, optional = false): NodeId {
    const at = this.offset;
    const length = this.u8(`${what} length`);
    if (length === 0) {
      if (optional) return "";
      this.fail("bad-node-id", `${what} is empty`, at);
    }
    this.need(length, what);
    let id: string;
    try {
      id = utf8Decoder.decode(this.input.subarray(this.offset, this.offset + length));
    } catch {
      this.fail("bad-utf8", `${what} is not valid UTF-8`);
    }
    this.offset += length;
    return id;
  }

  count(what: string, minBytesEach: number): number {
    const count = this.u32(`${what} count`);
    // A claimed count the remaining bytes cannot hold is rejected before allocating anything.
    if (count * minBytesEach > this.remaining) this.fail("truncated", `${count} ${what} need at least ${count * minBytesEach} bytes, ${this.remaining} left`);
    return count;
  }

  entry(): Entry {
    const term = this.u64("entry term");
    const index = this.u64("entry index");
    const at = this.offset;
    const type = entryTypes[this.u8("entry type")];
    if (type === undefined) this.fail("bad-entry-type", "unknown entry type", at);
    const data = this.bytes("entry data");
    return { term, index, type, data };
  }

  entries(): Entry[] {
    const count = this.count("entries", minEntryBytes);
    const entries: Entry[] = [];
    for (let i = 0; i < count; i++) entries.push(this.entry());
    return entries;
  }

  ids(what: string): NodeId[] {
    const count = this.count(what, 2);
    const ids: NodeId[] = [];
    for (let i = 0; i < count; i++) ids.push(this.id(what));
    return ids;
  }

  confState(): ConfState {
    const at = this.offset;
    const voters = this.ids("voters");
    const learners = this.ids("learners");
    const seen = new Set<NodeId>();
    for (const id of [...voters, ...learners]) {
      if (seen.has(id)) this.fail("bad-conf-state", `${JSON.stringify(id)} appears twice`, at);
      seen.add(id);
    }
    return { voters, learners };
  }

  snapshot(): Snapshot {
    const at = this.offset;
    const index = this.u64("snapshot index");
    const term = this.u64("snapshot term");
    if ((index === 0) !== (term === 0)) this.fail("bad-snapshot", `snapshot index ${index} with term ${term}`, at);
    const confState = this.confState();
    const data = this.bytes("snapshot data");
    return { metadata: { index, term, confState }, data };
  }

  end(): void {
    if (this.remaining > 0) this.fail("trailing-bytes", `${this.remaining} bytes after the value`);
  }
}

function decodeWith<T>(bytes: Uint8Array, read: (r: Reader) => T): T {
  const r = new Reader(bytes);
  const value = read(r);
  r.end();
  return value;
}

function version(r: Reader): void {
  const v = r.u8("version");
  if (v !== codecVersion) r.fail("bad-version", `version ${v}, expected ${codecVersion}`, 0);
}

/** Decodes a message from a peer. Throws only `RaftDecodeError`. */
export function decodeMessage(bytes: Uint8Array): Message {
  return decodeWith(bytes, (r: Reader) => {
    version(r);
    const typeAt = r.offset;
    const type = messageTypes[r.u8("message type") - 1];
    if (type === undefined) r.fail("bad-message-type", "unknown message type", typeAt);
    const from = r.id("from");
    const to = r.id("to");
    const term = r.u64("term");
    const base = { from, to, term };
    switch (type) {
      case "MsgApp": {
        const logTerm = r.u64("log term");
        const index = r.u64("index");
        const commit = r.u64("commit");
        const entriesAt = r.offset;
        const entries = r.entries();
        let previousTerm = logTerm;
        for (const [offset, entry] of entries.entries()) {
          if (entry.index !== index + 1 + offset) r.fail("bad-entries", `entry ${offset} has index ${entry.index}, expected ${index + 1 + offset}`, entriesAt);
          if (entry.term < previousTerm || entry.term > term) r.fail("bad-entries", `entry ${offset} has term ${entry.term}, outside [${previousTerm}, ${term}]`, entriesAt);
          previousTerm = entry.term;
        }
        return { type, ...base, logTerm, index, commit, entries };
      }
      case "MsgAppResp": {
        const index = r.u64("index");
        const reject = r.bool("reject");
        const rejectHint = r.u64("reject hint");
        const logTerm = r.u64("log term");
        return { type, ...base, index, reject, rejectHint, logTerm };
      }
      case "MsgVote":
      case "MsgPreVote": {
        const logTerm = r.u64("log term");
        const index = r.u64("index");
        const transfer = r.bool("transfer");
        return { type, ...base, logTerm, index, transfer };
      }
      case "MsgVoteResp":
      case "MsgPreVoteResp":
        return { type, ...base, reject: r.bool("reject") };
      case "MsgSnap": {
        const at = r.offset;
        const snapshot = r.snapshot();
        if (snapshot.metadata.index === 0) r.fail("bad-snapshot", "a leader never sends an empty snapshot", at);
        return { type, ...base, snapshot };
      }
      case "MsgHeartbeat": {
        const commit = r.u64("commit");
        return { type, ...base, commit, context: r.bytes("context") };
      }
      case "MsgHeartbeatResp":
        return { type, ...base, context: r.bytes("context") };
      case "MsgProp":
        return { type, ...base, entries: r.entries() };
      case "MsgReadIndex":
        return { type, ...base, context: r.bytes("context") };
      case "MsgReadIndexResp": {
        const index = r.u64("index");
        return { type, ...base, index, context: r.bytes("context") };
      }
      case "MsgTransferLeader":
        return { type, ...base, transferee: r.id("transferee") };
      case "MsgTimeoutNow":
        return { type, ...base };
    }
  });
}

/** Decodes a conf-change entry's data. Throws only `RaftDecodeError`. */
export function decodeConfChange(bytes: Uint8Array): ConfChange {
  return decodeWith(bytes, (r: Reader) => {
    version(r);
    const at = r.offset;
    const type = confChangeTypes[r.u8("conf change type") - 1];
    if (type === undefined) r.fail("bad-conf-change-type", "unknown conf change type", at);
    const nodeId = r.id("node id");
    const context = r.bytes("context");
    return { type, nodeId, context };
  });
}

export function decodeEntry(bytes: Uint8Array): Entry {
  return decodeWith(bytes, (r) => r.entry());
}

export function decodeHardState(bytes: Uint8Array): HardState {
  return decodeWith(bytes, (r: Reader) => {
    const term = r.u64("term");
    const vote = r.id("vote", true);
    const commit = r.u64("commit");
    return { term, vote: vote === "" ? undefined : vote, commit };
  });
}

export function decodeSnapshot(bytes: Uint8Array): Snapshot {
  return decodeWith(bytes, (r) => r.snapshot());
}
