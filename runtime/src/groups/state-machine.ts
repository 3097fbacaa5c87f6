// What a group replicates: a deterministic state machine (mosaik's interface). Every member
// applies the same committed commands in the same order, so every member holds the same state;
// `signature` names the machine's semantics and folds into the GroupId, so members running
// different machines never form one group.

export interface StateMachine<Command, Result, Query, Answer> {
  /** Identifies the machine's semantics (hex digest); part of the GroupId. */
  readonly signature: string;
  readonly commands: ByteCodec<Command>;
  readonly results: ByteCodec<Result>;
  /** Applies one committed command, exactly once per entry, deterministically. */
  apply(command: Command, context: ApplyContext): Result;
  /** Reads the state; never changes it. */
  query(query: Query): Answer;
  /** The whole state, for snapshots and for members that fell behind compaction. */
  snapshot(): Uint8Array;
  /** Replaces the state with a snapshot's. */
  restore(snapshot: Uint8Array): void;
}

export interface ApplyContext {
  /** The log index of the entry being applied: strictly increasing, the same on every member. */
  readonly index: number;
}

/** Bytes to values and back; `decode` throws on malformed bytes (commands come from peers). */
export interface ByteCodec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

/** The codec of raw bytes. */
export const bytesCodec: ByteCodec<Uint8Array> = { encode: (value) => value, decode: (bytes) => bytes };

/** Values as UTF-8 JSON (bigints as strings): for state machines whose commands are plain data. */
export function jsonCodec<T>(): ByteCodec<T> {
  return {
    encode: (value) => new TextEncoder().encode(JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? { $bigint: v.toString() } : v))),
    decode: (bytes) =>
      JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes), (_, v: unknown) =>
        typeof v === "object" && v !== null && "$bigint" in v && typeof (v as { $bigint: unknown }).$bigint === "string" ? BigInt((v as { $bigint: string }).$bigint) : v,
      ) as T,
  };
}
