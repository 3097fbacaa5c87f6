// The Chronicle (spec 06): an append-only, hash-chained log on a Raft group. Writers append
// (kind, tag, body, evidence); the state machine — not the writer — assigns `seq` and `prev`, the
// hash of the previous entry's CE1 bytes (the zero digest first), so concurrent appends can never
// fork the chain. Readers join as learners and hold the whole log; `verifyChronicle` checks any
// copy of it and names the first entry that does not follow.
import { equalBytes, toHex } from "../identity/bytes.js";
import { derive, H, id } from "../identity/hash.js";
import type { Group } from "../groups/group.js";
import { connectKeyedGroup, type GroupClient, type KeyedClientOptions } from "../groups/client.js";
import { startKeyedGroup } from "../groups/id.js";
import type { ByteCodec, StateMachine } from "../groups/state-machine.js";
import type { GroupStore } from "../groups/store.js";
import type { GroupPeer } from "../groups/collections.js";
import { codecs, type ChronicleEntry, type ChronicleKind, type EvidencePointer } from "./std-types.js";

export interface ChronicleOptions {
  /** The `log` collection's id (the bindings' `ids.modules.chronicle.log`). */
  readonly key: string;
  readonly peer: GroupPeer;
  readonly writers: readonly string[];
  readonly readers?: readonly string[];
  readonly store?: GroupStore;
  readonly tickMs?: number;
  readonly electionTicks?: number;
  /** Peers outside the committee that may append and read through a member (`Chronicle.client`). */
  readonly clients?: "any" | readonly string[];
}

/** How a peer outside the committee reaches the Chronicle (`key`: the `log` collection's id). */
export type ChronicleClientOptions = KeyedClientOptions;

export interface Append {
  readonly kind: ChronicleKind["kind"];
  readonly tag: string;
  readonly body: Uint8Array;
  readonly evidence?: readonly EvidencePointer[];
}

const zero: Uint8Array = new Uint8Array(32);

/** An append travels as the entry it will become, with seq 0 and a zero prev (filled in on apply). */
const appendCodec: ByteCodec<Append> = {
  encode: (a) => codecs.ChronicleEntry.encode({ seq: 0n, prev: zero, kind: { kind: a.kind }, tag: a.tag, body: a.body, evidence: a.evidence ?? [] }),
  decode: (bytes) => {
    const entry = codecs.ChronicleEntry.decode(bytes);
    return { kind: entry.kind.kind, tag: entry.tag, body: entry.body, evidence: entry.evidence };
  },
};

/** The hash that links an entry to the one before it: H(CE1 bytes of the previous entry). */
export function entryHash(entry: ChronicleEntry): Uint8Array {
  return H(codecs.ChronicleEntry.encode(entry));
}

class ChronicleMachine implements StateMachine<Append, Uint8Array, null, readonly ChronicleEntry[]> {
  readonly signature = toHex(derive(id("coal.service.chronicle.v1"), codecs.ChronicleEntry.typeId));
  readonly commands = appendCodec;
  readonly results: ByteCodec<Uint8Array> = { encode: (b) => b, decode: (b) => b };
  /** The log, as CE1 bytes (what is hashed), and decoded. */
  readonly entries: ChronicleEntry[] = [];
  private lastHash: Uint8Array = zero;

  apply(append: Append): Uint8Array {
    const entry: ChronicleEntry = { seq: BigInt(this.entries.length + 1), prev: this.lastHash, kind: { kind: append.kind }, tag: append.tag, body: append.body, evidence: append.evidence ?? [] };
    const bytes = codecs.ChronicleEntry.encode(entry);
    this.entries.push(entry);
    this.lastHash = H(bytes);
    return bytes;
  }
  query(): readonly ChronicleEntry[] {
    return this.entries;
  }
  snapshot(): Uint8Array {
    const parts = this.entries.map((e) => codecs.ChronicleEntry.encode(e));
    const out = Buffer.allocUnsafe(parts.reduce((n, p) => n + 4 + p.length, 0));
    let at = 0;
    for (const part of parts) {
      out.writeUInt32LE(part.length, at);
      out.set(part, at + 4);
      at += 4 + part.length;
    }
    return out;
  }
  restore(snapshot: Uint8Array): void {
    this.entries.length = 0;
    this.lastHash = zero;
    const view = Buffer.from(snapshot.buffer, snapshot.byteOffset, snapshot.length);
    for (let at = 0; at < view.length; ) {
      const length = view.readUInt32LE(at);
      const bytes = snapshot.subarray(at + 4, at + 4 + length);
      this.entries.push(codecs.ChronicleEntry.decode(bytes));
      this.lastHash = H(bytes);
      at += 4 + length;
    }
  }
}

export class Chronicle {
  private constructor(
    readonly group: Group<Append, Uint8Array, null, readonly ChronicleEntry[]>,
    private readonly machine: ChronicleMachine,
  ) {}

  static async open(options: ChronicleOptions): Promise<Chronicle> {
    const machine = new ChronicleMachine();
    const { writers, readers, ...rest } = options;
    const group = await startKeyedGroup({ ...rest, members: writers, ...(readers === undefined ? {} : { learners: readers }) }, machine);
    return new Chronicle(group, machine);
  }

  /** Appends an entry; resolves with it as committed (its seq and prev filled in). */
  async append(append: Append): Promise<ChronicleEntry> {
    return codecs.ChronicleEntry.decode(await this.group.execute(append));
  }

  /** The log as this member holds it. */
  get entries(): readonly ChronicleEntry[] {
    return this.machine.entries;
  }

  get version(): number {
    return this.group.applied;
  }

  /** The hash of the last entry this member holds (the zero digest for an empty log). */
  get head(): Uint8Array {
    const last = this.machine.entries[this.machine.entries.length - 1];
    return last === undefined ? zero : entryHash(last);
  }

  close(): Promise<void> {
    return this.group.close();
  }

  /** A client: appends through a committee member and reads the whole log from one. */
  static client(options: ChronicleClientOptions): ChronicleClient {
    return new ChronicleClient(connectKeyedGroup(options, new ChronicleMachine()));
  }
}

export class ChronicleClient {
  constructor(readonly group: GroupClient<Append, Uint8Array>) {}

  /** Appends an entry (at most once, however often it is resent); resolves with it as committed. */
  async append(append: Append): Promise<ChronicleEntry> {
    return codecs.ChronicleEntry.decode(await this.group.execute(append));
  }

  /** The whole log as a member holds it (linearizable: every append acknowledged before is in it), and its head. */
  async log(): Promise<{ readonly entries: readonly ChronicleEntry[]; readonly head: Uint8Array; readonly version: number }> {
    const { version, state } = await this.group.read();
    const machine = new ChronicleMachine();
    machine.restore(state);
    const last = machine.entries[machine.entries.length - 1];
    return { entries: machine.entries, head: last === undefined ? zero : entryHash(last), version };
  }

  close(): void {
    this.group.close();
  }
}

export type ChronicleVerdict = { readonly ok: true; readonly head: Uint8Array } | { readonly ok: false; readonly seq: bigint; readonly index: number; readonly reason: "bad-seq" | "bad-prev" | "bad-head" };

/**
 * Checks a copy of the log: seq counts up from 1, each `prev` is the hash of the entry before,
 * and, given the trusted `head` (the hash of the last entry, as the committee holds it), the last
 * entry is the committed one. The verdict names the tampered entry itself: altering an entry's
 * content breaks the link *after* it, altering its `prev` breaks the link *into* it; which one it
 * was shows in whether the entry still agrees with its successor's link (or with the head).
 */
export function verifyChronicle(entries: readonly ChronicleEntry[], head?: Uint8Array): ChronicleVerdict {
  let prev = zero;
  /** Whether the link out of entry i (to its successor, or to the head) holds. */
  const linkOutHolds = (i: number): boolean | undefined => {
    const next = entries[i + 1];
    if (next !== undefined) return equalBytes(next.prev, entryHash(entries[i]!));
    return head === undefined ? undefined : equalBytes(head, entryHash(entries[i]!));
  };
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.seq !== BigInt(i + 1)) return { ok: false, seq: entry.seq, index: i, reason: "bad-seq" };
    if (!equalBytes(entry.prev, prev)) {
      // Entry i still agrees with what follows it: it is intact, so the entry before it changed.
      const at = i > 0 && linkOutHolds(i) === true ? i - 1 : i;
      return { ok: false, seq: entries[at]!.seq, index: at, reason: "bad-prev" };
    }
    prev = entryHash(entry);
  }
  if (head !== undefined && entries.length > 0 && !equalBytes(head, prev)) return { ok: false, seq: entries[entries.length - 1]!.seq, index: entries.length - 1, reason: "bad-head" };
  return { ok: true, head: prev };
}
