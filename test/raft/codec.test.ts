// The Raft wire and storage codec: every message survives a round trip, and the decoder — which
// reads bytes from the network — refuses anything else with a typed reason, never throwing
// anything but a `RaftDecodeError` (fast-check fuzzes it with random and mutated input).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  RaftDecodeError,
  decodeConfChange,
  decodeEntry,
  decodeHardState,
  decodeMessage,
  decodeSnapshot,
  encodeConfChange,
  encodeEntry,
  encodeHardState,
  encodeMessage,
  encodeSnapshot,
  type ConfChange,
  type Entry,
  type Message,
  type Snapshot,
} from "@coal/runtime/raft";

const id = fc.string({ minLength: 1, maxLength: 12 });
const u53 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const small = fc.integer({ min: 0, max: 1000 });
const bytes = fc.uint8Array({ maxLength: 16 });
const entryType = fc.constantFrom("normal" as const, "conf-change" as const);
const entry: fc.Arbitrary<Entry> = fc.record({ term: u53, index: u53, type: entryType, data: bytes });
const confState = fc.uniqueArray(id, { maxLength: 6 }).chain((ids) => fc.integer({ min: 0, max: ids.length }).map((split) => ({ voters: ids.slice(0, split), learners: ids.slice(split) })));
const snapshot: fc.Arbitrary<Snapshot> = fc.record({
  metadata: fc.record({ index: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), term: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), confState }),
  data: bytes,
});
const base = fc.record({ from: id, to: id, term: u53 });

/** Contiguous entries after (logTerm, index), terms never decreasing and at most the message's. */
const append = fc.record({ from: id, to: id, term: small, logTerm: small, index: small, commit: u53, count: fc.integer({ min: 0, max: 4 }), data: fc.array(bytes, { minLength: 4, maxLength: 4 }) }).map(
  ({ from, to, term, logTerm, index, commit, count, data }): Message => {
    const top = Math.max(term, logTerm);
    return { type: "MsgApp", from, to, term: top, logTerm, index, commit, entries: Array.from({ length: count }, (_, i) => ({ term: top, index: index + 1 + i, type: "normal", data: data[i]! })) };
  },
);

const message: fc.Arbitrary<Message> = fc.oneof(
  append,
  fc.tuple(base, fc.record({ index: u53, reject: fc.boolean(), rejectHint: u53, logTerm: u53 })).map(([b, r]): Message => ({ type: "MsgAppResp", ...b, ...r })),
  fc.tuple(base, fc.constantFrom("MsgVote" as const, "MsgPreVote" as const), u53, u53, fc.boolean()).map(([b, type, logTerm, index, transfer]): Message => ({ type, ...b, logTerm, index, transfer })),
  fc.tuple(base, fc.constantFrom("MsgVoteResp" as const, "MsgPreVoteResp" as const), fc.boolean()).map(([b, type, reject]): Message => ({ type, ...b, reject })),
  fc.tuple(base, snapshot).map(([b, s]): Message => ({ type: "MsgSnap", ...b, snapshot: s })),
  fc.tuple(base, u53, bytes).map(([b, commit, context]): Message => ({ type: "MsgHeartbeat", ...b, commit, context })),
  fc.tuple(base, bytes).map(([b, context]): Message => ({ type: "MsgHeartbeatResp", ...b, context })),
  fc.tuple(base, fc.array(entry, { maxLength: 3 })).map(([b, entries]): Message => ({ type: "MsgProp", ...b, entries })),
  fc.tuple(base, bytes).map(([b, context]): Message => ({ type: "MsgReadIndex", ...b, context })),
  fc.tuple(base, u53, bytes).map(([b, index, context]): Message => ({ type: "MsgReadIndexResp", ...b, index, context })),
  fc.tuple(base, id).map(([b, transferee]): Message => ({ type: "MsgTransferLeader", ...b, transferee })),
  base.map((b): Message => ({ type: "MsgTimeoutNow", ...b })),
);

/** Runs `decode`; anything thrown must be a RaftDecodeError. */
function decodesOrRefuses(decode: () => unknown): void {
  try {
    decode();
  } catch (error) {
    if (!(error instanceof RaftDecodeError)) throw error;
    expect(error.reason).toMatch(/^[a-z0-9-]+$/);
  }
}

function refusal(decode: () => unknown): string {
  try {
    decode();
  } catch (error) {
    if (error instanceof RaftDecodeError) return error.reason;
    throw error;
  }
  throw new Error("decoded without complaint");
}

describe("raft codec", () => {
  it("round-trips every message type", () => {
    fc.assert(
      fc.property(message, (m) => {
        const encoded = encodeMessage(m);
        const decoded = decodeMessage(encoded);
        expect(decoded).toEqual(m);
        expect(encodeMessage(decoded)).toEqual(encoded);
      }),
      { numRuns: 2000 },
    );
  });

  it("round-trips conf changes, entries, hard states and snapshots", () => {
    fc.assert(
      fc.property(fc.record({ type: fc.constantFrom("add-voter" as const, "add-learner" as const, "remove-node" as const), nodeId: id, context: bytes }), (change: ConfChange) => {
        expect(decodeConfChange(encodeConfChange(change))).toEqual(change);
      }),
    );
    fc.assert(
      fc.property(entry, (e) => {
        expect(decodeEntry(encodeEntry(e))).toEqual(e);
      }),
    );
    fc.assert(
      fc.property(u53, fc.option(id, { nil: undefined }), u53, (term, vote, commit) => {
        expect(decodeHardState(encodeHardState({ term, vote, commit }))).toEqual({ term, vote, commit });
      }),
    );
    fc.assert(
      fc.property(snapshot, (s) => {
        expect(decodeSnapshot(encodeSnapshot(s))).toEqual(s);
      }),
    );
  });

  it("never throws anything but RaftDecodeError on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (input) => {
        decodesOrRefuses(() => decodeMessage(input));
        decodesOrRefuses(() => decodeConfChange(input));
        decodesOrRefuses(() => decodeEntry(input));
        decodesOrRefuses(() => decodeHardState(input));
        decodesOrRefuses(() => decodeSnapshot(input));
      }),
      { numRuns: 5000 },
    );
  });

  it("never throws anything but RaftDecodeError on mutated, truncated or extended messages", () => {
    const mutation = fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }), cut: fc.nat(), extra: fc.uint8Array({ maxLength: 4 }), kind: fc.integer({ min: 0, max: 2 }) });
    fc.assert(
      fc.property(message, fc.array(mutation, { minLength: 1, maxLength: 4 }), (m, mutations) => {
        let input = encodeMessage(m);
        for (const { at, value, cut, extra, kind } of mutations) {
          if (kind === 0 && input.length > 0) {
            input = input.slice();
            input[at % input.length] = value;
          } else if (kind === 1) {
            input = input.slice(0, cut % (input.length + 1));
          } else {
            input = Uint8Array.from([...input, ...extra]);
          }
        }
        decodesOrRefuses(() => decodeMessage(input));
      }),
      { numRuns: 5000 },
    );
  });

  it("refuses malformed input with a reason", () => {
    const heartbeat = encodeMessage({ type: "MsgHeartbeat", from: "1", to: "2", term: 3, commit: 4, context: new Uint8Array(0) });
    expect(refusal(() => decodeMessage(new Uint8Array(0)))).toBe("truncated");
    expect(refusal(() => decodeMessage(Uint8Array.from([...heartbeat, 0])))).toBe("trailing-bytes");
    expect(refusal(() => decodeMessage(heartbeat.slice(0, heartbeat.length - 1)))).toBe("truncated");
    expect(refusal(() => decodeMessage(Uint8Array.from([2, ...heartbeat.slice(1)])))).toBe("bad-version");
    expect(refusal(() => decodeMessage(Uint8Array.from([1, 99, ...heartbeat.slice(2)])))).toBe("bad-message-type");
    // from = "" (length 0)
    expect(refusal(() => decodeMessage(Uint8Array.from([1, 8, 0])))).toBe("bad-node-id");
    // from = one byte 0xff: not UTF-8
    expect(refusal(() => decodeMessage(Uint8Array.from([1, 8, 1, 0xff])))).toBe("bad-utf8");
    // term = 2^53
    const unsafe = heartbeat.slice();
    unsafe.set([0, 0, 0, 0, 0, 0, 0x20, 0], 7);
    expect(refusal(() => decodeMessage(unsafe))).toBe("unsafe-integer");
    const vote = encodeMessage({ type: "MsgVoteResp", from: "1", to: "2", term: 1, reject: false });
    expect(refusal(() => decodeMessage(Uint8Array.from([...vote.slice(0, -1), 2])))).toBe("bad-bool");
    // an append whose entries skip an index, or go back in term
    const gap = encodeMessage({ type: "MsgApp", from: "1", to: "2", term: 2, logTerm: 1, index: 5, commit: 5, entries: [{ term: 2, index: 7, type: "normal", data: new Uint8Array(0) }] });
    expect(refusal(() => decodeMessage(gap))).toBe("bad-entries");
    const backwards = encodeMessage({ type: "MsgApp", from: "1", to: "2", term: 2, logTerm: 2, index: 5, commit: 5, entries: [{ term: 1, index: 6, type: "normal", data: new Uint8Array(0) }] });
    expect(refusal(() => decodeMessage(backwards))).toBe("bad-entries");
    const future = encodeMessage({ type: "MsgApp", from: "1", to: "2", term: 2, logTerm: 1, index: 5, commit: 5, entries: [{ term: 3, index: 6, type: "normal", data: new Uint8Array(0) }] });
    expect(refusal(() => decodeMessage(future))).toBe("bad-entries");
    const emptySnapshot = encodeMessage({ type: "MsgSnap", from: "1", to: "2", term: 2, snapshot: { metadata: { index: 0, term: 0, confState: { voters: [], learners: [] } }, data: new Uint8Array(0) } });
    expect(refusal(() => decodeMessage(emptySnapshot))).toBe("bad-snapshot");
    const twice = encodeSnapshot({ metadata: { index: 1, term: 1, confState: { voters: ["a"], learners: ["a"] } }, data: new Uint8Array(0) });
    expect(refusal(() => decodeSnapshot(twice))).toBe("bad-conf-state");
    // a count of entries the remaining bytes cannot hold is refused before allocating
    const huge = encodeMessage({ type: "MsgProp", from: "1", to: "2", term: 0, entries: [] });
    huge.set([0xff, 0xff, 0xff, 0xff], huge.length - 4);
    expect(refusal(() => decodeMessage(huge))).toBe("truncated");
    expect(refusal(() => decodeConfChange(Uint8Array.from([1, 4, 1, 0x31, 0, 0, 0, 0])))).toBe("bad-conf-change-type");
    expect(refusal(() => decodeEntry(Uint8Array.from([...new Uint8Array(16), 7, 0, 0, 0, 0])))).toBe("bad-entry-type");
  });

  it("decoded bytes do not alias the input buffer", () => {
    const input = encodeMessage({ type: "MsgHeartbeat", from: "1", to: "2", term: 1, commit: 0, context: Uint8Array.of(1, 2, 3) });
    const decoded = decodeMessage(input);
    input.fill(0);
    expect(decoded.type === "MsgHeartbeat" && [...decoded.context]).toEqual([1, 2, 3]);
  });
});
