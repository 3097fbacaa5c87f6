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
    // A replacer or reviver function makes JSON several times slower, and commands cross this
    // codec on every member for every entry, so they run only when the value holds a bigint
    // (plain JSON.stringify throws a TypeError on one) or the text may name "$bigint" (perhaps
    // escaped). Either way the bytes and values are those the replacer and reviver give.
    encode: (value) => {
      let text: string;
      try {
        text = JSON.stringify(value);
      } catch (error) {
        if (!(error instanceof TypeError)) throw error;
        text = JSON.stringify(value, bigintReplacer);
      }
      return utf8.encode(text);
    },
    decode: (bytes) => {
      const text = strictUtf8.decode(bytes);
      return (text.includes("bigint") || text.includes("\\u") ? JSON.parse(text, bigintReviver) : JSON.parse(text)) as T;
    },
  };
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const bigintReplacer = (_: string, v: unknown) => (typeof v === "bigint" ? { $bigint: v.toString() } : v);
const bigintReviver = (_: string, v: unknown) => (typeof v === "object" && v !== null && "$bigint" in v && typeof (v as { $bigint: unknown }).$bigint === "string" ? BigInt((v as { $bigint: string }).$bigint) : v);
