// The replicated application: a string key-value store with client sessions. A command carries its
// client and sequence number; a command whose sequence number the session has already reached is
// skipped, so a client may propose the same command as often as it likes (after a timeout, at
// another node) and it takes effect at most once (Raft thesis §6.3).
//
// The machine also folds every applied entry into a chain hash: two nodes that applied the same
// prefix of the log have the same chain at its end, so "applied sequences are prefixes of one
// sequence" is a comparison of two strings, even for a node that started from a snapshot.
import { decodeConfChange, describeConfChange, type Entry } from "@coal/runtime/raft";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface WriteCommand {
  readonly client: number;
  readonly seq: number;
  readonly f: "put" | "append";
  readonly key: string;
  readonly value: string;
}

export function encodeCommand(command: WriteCommand): Uint8Array {
  return encoder.encode(JSON.stringify([command.client, command.seq, command.f, command.key, command.value]));
}

export function decodeCommand(data: Uint8Array): WriteCommand {
  const [client, seq, f, key, value] = JSON.parse(decoder.decode(data)) as [number, number, "put" | "append", string, string];
  return { client, seq, f, key, value };
}

/** An entry as one comparable string: term, kind and content. */
export function entryKey(entry: Entry): string {
  if (entry.type === "conf-change") return `${entry.term}:c:${describeConfChange(decodeConfChange(entry.data))}`;
  return `${entry.term}:n:${decoder.decode(entry.data)}`;
}

/** Two FNV-1a lanes over `previous` and `key`: the chain after one more entry. */
export function extendChain(previous: string, key: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x050c5d1f;
  const text = previous + "|" + key;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 0x01000193);
    h2 = Math.imul(h2 ^ code, 0x01000193);
  }
  return (h1 >>> 0).toString(16).padStart(8, "0") + (h2 >>> 0).toString(16).padStart(8, "0");
}

export const emptyChain = "0";

export class KvStateMachine {
  private readonly values = new Map<string, string>();
  /** The highest sequence number applied (or skipped past) per client. */
  private readonly sessions = new Map<number, number>();
  /** The chain hash of every entry applied so far (see `extendChain`). */
  chain = emptyChain;
  /** The last index applied. */
  index = 0;

  get(key: string): string {
    return this.values.get(key) ?? "";
  }

  /** The session's high-water mark: every sequence number up to it is settled. */
  lastSeq(client: number): number {
    return this.sessions.get(client) ?? 0;
  }

  /** Applies a committed entry. Returns the write it carried, and whether it took effect. */
  apply(entry: Entry, key: string): { readonly command: WriteCommand; readonly effective: boolean } | undefined {
    this.index = entry.index;
    this.chain = extendChain(this.chain, key);
    if (entry.type !== "normal" || entry.data.length === 0) return undefined;
    const command = decodeCommand(entry.data);
    if (command.seq <= this.lastSeq(command.client)) return { command, effective: false };
    this.sessions.set(command.client, command.seq);
    this.values.set(command.key, command.f === "put" ? command.value : this.get(command.key) + command.value);
    return { command, effective: true };
  }

  /** The whole state, canonical: equal strings for equal states. */
  serialize(): string {
    const values = [...this.values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const sessions = [...this.sessions].sort(([a], [b]) => a - b);
    return JSON.stringify({ index: this.index, chain: this.chain, values, sessions });
  }

  snapshotData(): Uint8Array {
    return encoder.encode(this.serialize());
  }

  static fromSnapshotData(data: Uint8Array): KvStateMachine {
    const machine = new KvStateMachine();
    if (data.length === 0) return machine;
    const state = JSON.parse(decoder.decode(data)) as { index: number; chain: string; values: [string, string][]; sessions: [number, number][] };
    machine.index = state.index;
    machine.chain = state.chain;
    for (const [key, value] of state.values) machine.values.set(key, value);
    for (const [client, seq] of state.sessions) machine.sessions.set(client, seq);
    return machine;
  }
}
