// Replicated collections (spec 05): Map, Vec, Set, Cell, Once and PriorityQueue, each a Raft
// group running a deterministic state machine over values encoded by the caller's codecs (CE1
// codecs from generated bindings, in practice). Writers are voting members; readers join as
// learners, which receive the log but never vote. Reads are local and carry the version they
// reflect — the index of the last entry applied — and every write resolves with the version at
// which it took effect, so `when().reaches(version)` on any member waits until that member has
// seen it (read-your-writes across members).
import { toHex } from "../identity/bytes.js";
import { derive, id } from "../identity/hash.js";
import type { Channel, PeerId } from "../net/memory.js";
import type { Group, GroupStatus } from "./group.js";
import { connectKeyedGroup, type GroupClient, type KeyedClientOptions } from "./client.js";
import type { Consistency } from "./group.js";
import { startKeyedGroup } from "./id.js";
import type { GroupStore } from "./store.js";
import type { ApplyContext, ByteCodec, StateMachine } from "./state-machine.js";

export type CollectionKind = "map" | "vec" | "set" | "cell" | "once" | "priority-queue";

/** What a collection needs of a peer: its id and a channel (a memory peer or a TCP node). */
export interface GroupPeer {
  readonly id: PeerId;
  channel(name: string): Channel;
}

export interface CollectionOptions {
  /** The collection's id (hex): a StoreId from the bindings, or any agreed 32-byte id. */
  readonly id: string;
  readonly peer: GroupPeer;
  /** The writers: the group's voting members. */
  readonly writers: readonly PeerId[];
  /** Readers: learners that receive every write but never vote. */
  readonly readers?: readonly PeerId[];
  readonly store?: GroupStore;
  readonly tickMs?: number;
  readonly electionTicks?: number;
  readonly snapshotEvery?: number;
  readonly requestTimeoutMs?: number;
  /** Peers outside the committee that may write and read through a member (see client.ts). */
  readonly clients?: "any" | readonly PeerId[];
}

/** A codec that also names its type (CE1 codecs do), so the state machine's signature covers it. */
type Typed<T> = ByteCodec<T> & { readonly typeId?: string };

// -- commands and state, shared by every kind --------------------------------------------------

/** A command: an op code and its byte arguments. */
interface Op {
  readonly code: number;
  readonly args: readonly Uint8Array[];
}

const opCodec: ByteCodec<Op> = {
  encode: ({ code, args }) => {
    const size = 1 + args.reduce((n, a) => n + 4 + a.length, 0);
    const out = Buffer.allocUnsafe(size);
    out[0] = code;
    let at = 1;
    for (const arg of args) {
      out.writeUInt32LE(arg.length, at);
      out.set(arg, at + 4);
      at += 4 + arg.length;
    }
    return out;
  },
  decode: (bytes) => {
    if (bytes.length < 1) throw new RangeError("an empty collection command");
    const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    const args: Uint8Array[] = [];
    let at = 1;
    while (at < bytes.length) {
      if (at + 4 > bytes.length) throw new RangeError("a truncated collection command");
      const length = view.readUInt32LE(at);
      if (at + 4 + length > bytes.length) throw new RangeError("a truncated collection command");
      args.push(bytes.subarray(at + 4, at + 4 + length));
      at += 4 + length;
    }
    return { code: bytes[0]!, args };
  },
};

/** Results are a list of byte strings too (an absent value is an empty list). */
const resultCodec: ByteCodec<readonly Uint8Array[]> = {
  encode: (items) => opCodec.encode({ code: 0, args: items }),
  decode: (bytes) => opCodec.decode(bytes).args,
};

function packList(items: readonly Uint8Array[]): Uint8Array {
  return resultCodec.encode(items);
}

function unpackList(bytes: Uint8Array): readonly Uint8Array[] {
  return bytes.length === 0 ? [] : resultCodec.decode(bytes);
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("hex");

/**
 * The state machines hold encoded bytes only (so every member's state is byte-identical, whatever
 * the TypeScript values look like); typed views decode on read.
 */
abstract class Machine implements StateMachine<Op, readonly Uint8Array[], never, never> {
  readonly commands = opCodec;
  readonly results = resultCodec;
  version = 0;
  constructor(readonly signature: string) {}
  /** The op's results, then the entry's index: the version the write took effect at. */
  apply(command: Op, context: ApplyContext): readonly Uint8Array[] {
    this.version = context.index;
    return [...this.run(command), u64(context.index)];
  }
  protected abstract run(command: Op): readonly Uint8Array[];
  query(): never {
    throw new Error("collections read locally");
  }
  abstract snapshot(): Uint8Array;
  abstract restore(snapshot: Uint8Array): void;
}

class MapMachine extends Machine {
  /** Key bytes (hex) → [key, value], in insertion order. */
  readonly entries = new Map<string, readonly [Uint8Array, Uint8Array]>();
  protected run({ code, args }: Op): readonly Uint8Array[] {
    if (code === 1) {
      const [key, value] = args as [Uint8Array, Uint8Array];
      const previous = this.entries.get(hex(key));
      this.entries.set(hex(key), [key.slice(), value.slice()]);
      return previous === undefined ? [] : [previous[1]];
    }
    if (code === 2) {
      const previous = this.entries.get(hex(args[0]!));
      this.entries.delete(hex(args[0]!));
      return previous === undefined ? [] : [previous[1]];
    }
    if (code === 3) this.entries.clear();
    return [];
  }
  snapshot(): Uint8Array {
    return packList([...this.entries.values()].flatMap(([k, v]) => [k, v]));
  }
  restore(snapshot: Uint8Array): void {
    this.entries.clear();
    const items = unpackList(snapshot);
    for (let i = 0; i + 1 < items.length; i += 2) this.entries.set(hex(items[i]!), [items[i]!.slice(), items[i + 1]!.slice()]);
  }
}

class VecMachine extends Machine {
  items: Uint8Array[] = [];
  protected run({ code, args }: Op): readonly Uint8Array[] {
    switch (code) {
      case 1:
        this.items.push(args[0]!.slice());
        return [u64(this.items.length - 1)];
      case 2: {
        const index = Number(Buffer.from(args[0]!).readBigUInt64LE(0));
        if (index >= this.items.length) return [];
        const previous = this.items[index]!;
        this.items[index] = args[1]!.slice();
        return [previous];
      }
      case 3: {
        const last = this.items.pop();
        return last === undefined ? [] : [last];
      }
      case 4:
        this.items = [];
        return [];
      default:
        return [];
    }
  }
  snapshot(): Uint8Array {
    return packList(this.items);
  }
  restore(snapshot: Uint8Array): void {
    this.items = unpackList(snapshot).map((b) => b.slice());
  }
}

class SetMachine extends Machine {
  readonly members = new Map<string, Uint8Array>();
  protected run({ code, args }: Op): readonly Uint8Array[] {
    if (code === 1) {
      const had = this.members.has(hex(args[0]!));
      this.members.set(hex(args[0]!), args[0]!.slice());
      return had ? [] : [Uint8Array.of(1)];
    }
    if (code === 2) return this.members.delete(hex(args[0]!)) ? [Uint8Array.of(1)] : [];
    if (code === 3) this.members.clear();
    return [];
  }
  snapshot(): Uint8Array {
    return packList([...this.members.values()]);
  }
  restore(snapshot: Uint8Array): void {
    this.members.clear();
    for (const item of unpackList(snapshot)) this.members.set(hex(item), item.slice());
  }
}

class CellMachine extends Machine {
  value: Uint8Array | undefined;
  constructor(
    signature: string,
    private readonly once: boolean,
  ) {
    super(signature);
  }
  protected run({ code, args }: Op): readonly Uint8Array[] {
    const previous = this.value;
    if (code === 1) {
      // A Once keeps its first value: later sets change nothing and say so.
      if (this.once && previous !== undefined) return [];
      this.value = args[0]!.slice();
      return this.once ? [Uint8Array.of(1)] : previous === undefined ? [] : [previous];
    }
    if (code === 2 && !this.once) this.value = undefined;
    return previous === undefined ? [] : [previous];
  }
  snapshot(): Uint8Array {
    return packList(this.value === undefined ? [] : [this.value]);
  }
  restore(snapshot: Uint8Array): void {
    this.value = unpackList(snapshot)[0]?.slice();
  }
}

class QueueMachine extends Machine {
  /** Kept sorted by (priority, arrival): pop takes the lowest priority first, FIFO among equals. */
  items: { priority: bigint; arrival: number; value: Uint8Array }[] = [];
  arrivals = 0;
  protected run({ code, args }: Op): readonly Uint8Array[] {
    if (code === 1) {
      const priority = Buffer.from(args[0]!).readBigInt64LE(0);
      const item = { priority, arrival: this.arrivals++, value: args[1]!.slice() };
      let at = this.items.length;
      while (at > 0 && this.items[at - 1]!.priority > priority) at--;
      this.items.splice(at, 0, item);
      return [];
    }
    if (code === 2) {
      const first = this.items.shift();
      return first === undefined ? [] : [i64(first.priority), first.value];
    }
    if (code === 3) this.items = [];
    return [];
  }
  snapshot(): Uint8Array {
    return packList([u64(this.arrivals), ...this.items.flatMap((i) => [i64(i.priority), u64(i.arrival), i.value])]);
  }
  restore(snapshot: Uint8Array): void {
    const items = unpackList(snapshot);
    this.arrivals = items.length === 0 ? 0 : Number(Buffer.from(items[0]!).readBigUInt64LE(0));
    this.items = [];
    for (let i = 1; i + 2 < items.length; i += 3) {
      this.items.push({ priority: Buffer.from(items[i]!).readBigInt64LE(0), arrival: Number(Buffer.from(items[i + 1]!).readBigUInt64LE(0)), value: items[i + 2]!.slice() });
    }
  }
}

function u64(n: number): Uint8Array {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(BigInt(n));
  return out;
}

function i64(n: bigint): Uint8Array {
  const out = Buffer.alloc(8);
  out.writeBigInt64LE(n);
  return out;
}

// -- the typed handles --------------------------------------------------------------------------

/** The signature of a collection's machine: kind and element types, folded into the GroupId. */
export function collectionSignature(kind: CollectionKind, ...codecs: readonly Typed<unknown>[]): string {
  let s = id(`coal.collection.${kind}.v1`);
  for (const codec of codecs) s = derive(s, codec.typeId ?? "untyped");
  return toHex(s);
}

function startGroup<M extends Machine>(options: CollectionOptions, machine: M): Promise<Group<Op, readonly Uint8Array[], never, never>> {
  const { id, writers, readers, ...rest } = options;
  return startKeyedGroup({ ...rest, key: id, members: writers, ...(readers === undefined ? {} : { learners: readers }) }, machine);
}

/** What every collection handle has. */
export interface Versioned {
  /** The index of the last write this member has applied: the version its reads reflect. */
  readonly version: number;
  when(): { reaches(version: number): Promise<void>; leader(): Promise<PeerId> };
  /** The collection's group, as this member sees it. */
  status(): GroupStatus;
  close(): Promise<void>;
}

abstract class Handle<M extends Machine> implements Versioned {
  constructor(
    protected readonly group: Group<Op, readonly Uint8Array[], never, never>,
    protected readonly machine: M,
  ) {}
  get version(): number {
    return this.group.applied;
  }
  when(): { reaches(version: number): Promise<void>; leader(): Promise<PeerId> } {
    return { reaches: (version) => this.group.when().reaches(version), leader: () => this.group.when().leader() };
  }
  status(): GroupStatus {
    return this.group.status();
  }
  close(): Promise<void> {
    return this.group.close();
  }
  /** Runs a write; resolves with its result and the version at which it took effect. */
  protected async write(code: number, ...args: Uint8Array[]): Promise<{ result: readonly Uint8Array[]; version: number }> {
    const result = await this.group.execute({ code, args });
    return { result: result.slice(0, -1), version: Number(Buffer.from(result[result.length - 1]!).readBigUInt64LE(0)) };
  }
}

/** A handle on a collection of one element type. */
abstract class ValueHandle<M extends Machine, T> extends Handle<M> {
  constructor(
    group: Group<Op, readonly Uint8Array[], never, never>,
    machine: M,
    protected readonly codec: Typed<T>,
  ) {
    super(group, machine);
  }
}

export class ReplicatedMap<K, V> extends Handle<MapMachine> {
  constructor(
    group: Group<Op, readonly Uint8Array[], never, never>,
    machine: MapMachine,
    private readonly keys: Typed<K>,
    private readonly values: Typed<V>,
  ) {
    super(group, machine);
  }
  get(key: K): V | undefined {
    const entry = this.machine.entries.get(hex(this.keys.encode(key)));
    return entry === undefined ? undefined : this.values.decode(entry[1]);
  }
  has(key: K): boolean {
    return this.machine.entries.has(hex(this.keys.encode(key)));
  }
  get size(): number {
    return this.machine.entries.size;
  }
  *entries(): IterableIterator<[K, V]> {
    for (const [k, v] of this.machine.entries.values()) yield [this.keys.decode(k), this.values.decode(v)];
  }
  /** Sets `key`; resolves with the version the write took effect at. */
  async set(key: K, value: V): Promise<number> {
    return (await this.write(1, this.keys.encode(key), this.values.encode(value))).version;
  }
  async delete(key: K): Promise<number> {
    return (await this.write(2, this.keys.encode(key))).version;
  }
  async clear(): Promise<number> {
    return (await this.write(3)).version;
  }
}

export class ReplicatedVec<T> extends ValueHandle<VecMachine, T> {
  at(index: number): T | undefined {
    const item = this.machine.items[index];
    return item === undefined ? undefined : this.codec.decode(item);
  }
  get length(): number {
    return this.machine.items.length;
  }
  *[Symbol.iterator](): IterableIterator<T> {
    for (const item of this.machine.items) yield this.codec.decode(item);
  }
  /** Appends `value`; resolves with its index and the version. */
  async push(value: T): Promise<{ index: number; version: number }> {
    const { result, version } = await this.write(1, this.codec.encode(value));
    return { index: Number(Buffer.from(result[0]!).readBigUInt64LE(0)), version };
  }
  async set(index: number, value: T): Promise<number> {
    return (await this.write(2, u64(index), this.codec.encode(value))).version;
  }
  async pop(): Promise<T | undefined> {
    const { result } = await this.write(3);
    return result[0] === undefined ? undefined : this.codec.decode(result[0]);
  }
  async clear(): Promise<number> {
    return (await this.write(4)).version;
  }
}

export class ReplicatedSet<T> extends ValueHandle<SetMachine, T> {
  has(value: T): boolean {
    return this.machine.members.has(hex(this.codec.encode(value)));
  }
  get size(): number {
    return this.machine.members.size;
  }
  *[Symbol.iterator](): IterableIterator<T> {
    for (const item of this.machine.members.values()) yield this.codec.decode(item);
  }
  /** Adds `value`; `added` is false when it was already there. */
  async add(value: T): Promise<{ added: boolean; version: number }> {
    const { result, version } = await this.write(1, this.codec.encode(value));
    return { added: result.length > 0, version };
  }
  async delete(value: T): Promise<{ deleted: boolean; version: number }> {
    const { result, version } = await this.write(2, this.codec.encode(value));
    return { deleted: result.length > 0, version };
  }
  async clear(): Promise<number> {
    return (await this.write(3)).version;
  }
}

export class ReplicatedCell<T> extends ValueHandle<CellMachine, T> {
  get(): T | undefined {
    return this.machine.value === undefined ? undefined : this.codec.decode(this.machine.value);
  }
  async set(value: T): Promise<number> {
    return (await this.write(1, this.codec.encode(value))).version;
  }
  async clear(): Promise<number> {
    return (await this.write(2)).version;
  }
}

/** A cell written once: the first `set` committed wins on every member. */
export class ReplicatedOnce<T> extends ValueHandle<CellMachine, T> {
  get(): T | undefined {
    return this.machine.value === undefined ? undefined : this.codec.decode(this.machine.value);
  }
  /** Sets the value unless one is set; `won` says whether this write was the one. */
  async set(value: T): Promise<{ won: boolean; version: number }> {
    const { result, version } = await this.write(1, this.codec.encode(value));
    return { won: result.length > 0, version };
  }
}

export class ReplicatedPriorityQueue<T> extends ValueHandle<QueueMachine, T> {
  get size(): number {
    return this.machine.items.length;
  }
  /** The next item `pop` would take (lowest priority, first in among equals). */
  peek(): { priority: bigint; value: T } | undefined {
    const first = this.machine.items[0];
    return first === undefined ? undefined : { priority: first.priority, value: this.codec.decode(first.value) };
  }
  async push(priority: bigint, value: T): Promise<number> {
    return (await this.write(1, i64(priority), this.codec.encode(value))).version;
  }
  async pop(): Promise<{ priority: bigint; value: T } | undefined> {
    const { result } = await this.write(2);
    return result.length === 0 ? undefined : { priority: Buffer.from(result[0]!).readBigInt64LE(0), value: this.codec.decode(result[1]!) };
  }
  async clear(): Promise<number> {
    return (await this.write(3)).version;
  }
}

/** Opens a member of a replicated collection (a writer when `peer` is among `writers`, else a reader). */
export const Collections = {
  async map<K, V>(options: CollectionOptions & { readonly keys: Typed<K>; readonly values: Typed<V> }): Promise<ReplicatedMap<K, V>> {
    const machine = new MapMachine(collectionSignature("map", options.keys, options.values));
    return new ReplicatedMap(await startGroup(options, machine), machine, options.keys, options.values);
  },
  async vec<T>(options: CollectionOptions & { readonly values: Typed<T> }): Promise<ReplicatedVec<T>> {
    const machine = new VecMachine(collectionSignature("vec", options.values));
    return new ReplicatedVec(await startGroup(options, machine), machine, options.values);
  },
  async set<T>(options: CollectionOptions & { readonly values: Typed<T> }): Promise<ReplicatedSet<T>> {
    const machine = new SetMachine(collectionSignature("set", options.values));
    return new ReplicatedSet(await startGroup(options, machine), machine, options.values);
  },
  async cell<T>(options: CollectionOptions & { readonly values: Typed<T> }): Promise<ReplicatedCell<T>> {
    const machine = new CellMachine(collectionSignature("cell", options.values), false);
    return new ReplicatedCell(await startGroup(options, machine), machine, options.values);
  },
  async once<T>(options: CollectionOptions & { readonly values: Typed<T> }): Promise<ReplicatedOnce<T>> {
    const machine = new CellMachine(collectionSignature("once", options.values), true);
    return new ReplicatedOnce(await startGroup(options, machine), machine, options.values);
  },
  async priorityQueue<T>(options: CollectionOptions & { readonly values: Typed<T> }): Promise<ReplicatedPriorityQueue<T>> {
    const machine = new QueueMachine(collectionSignature("priority-queue", options.values));
    return new ReplicatedPriorityQueue(await startGroup(options, machine), machine, options.values);
  },
};

/** How a peer outside a collection's writers reaches it: through any writer (see client.ts). */
export type CollectionClientOptions = Omit<KeyedClientOptions, "key" | "members"> & {
  readonly id: string;
  /** The writers (the committee), asked in turn. */
  readonly writers: readonly PeerId[];
};

/**
 * A map reached through its writers: writes go through one of them (at most once however often
 * resent), and `read` fetches the whole map at a version — linearizable unless asked otherwise.
 */
export class MapClient<K, V> {
  private readonly client: GroupClient<Op, readonly Uint8Array[]>;
  constructor(
    options: CollectionClientOptions,
    private readonly keys: Typed<K>,
    private readonly values: Typed<V>,
  ) {
    this.client = connectKeyedGroup({ ...options, key: options.id, members: options.writers }, new MapMachine(collectionSignature("map", keys, values)));
  }
  /** Sets `key`; resolves with the version the write took effect at. */
  async set(key: K, value: V): Promise<number> {
    return versionOf(await this.client.execute({ code: 1, args: [this.keys.encode(key), this.values.encode(value)] }));
  }
  async delete(key: K): Promise<number> {
    return versionOf(await this.client.execute({ code: 2, args: [this.keys.encode(key)] }));
  }
  /** Every entry, and the version the copy reflects. */
  async read(consistency: Consistency = "linearizable"): Promise<{ readonly version: number; get(key: K): V | undefined; entries(): [K, V][] }> {
    const { version, state } = await this.client.read(consistency);
    const machine = new MapMachine("");
    machine.restore(state);
    return {
      version,
      get: (key) => {
        const entry = machine.entries.get(hex(this.keys.encode(key)));
        return entry === undefined ? undefined : this.values.decode(entry[1]);
      },
      entries: () => [...machine.entries.values()].map(([k, v]) => [this.keys.decode(k), this.values.decode(v)]),
    };
  }
  close(): void {
    this.client.close();
  }
}

function versionOf(result: readonly Uint8Array[]): number {
  return Number(Buffer.from(result[result.length - 1]!).readBigUInt64LE(0));
}

/** A collection's options once the bindings know its id: who writes, who reads, and tuning. */
export type MemberOptions = Omit<CollectionOptions, "id" | "peer">;

/** What generated bindings expose for a collection on a surface: its id, and `open` on a peer. */
export interface CollectionHandle<C> {
  readonly id: string;
  open(peer: GroupPeer, options: MemberOptions): Promise<C>;
}

/** Collection handles by kind (the language's names), for generated bindings. */
export const collection = {
  map: <K, V>(id: string, keys: Typed<K>, values: Typed<V>): CollectionHandle<ReplicatedMap<K, V>> => ({ id, open: (peer, options) => Collections.map({ ...options, id, peer, keys, values }) }),
  vec: <T>(id: string, values: Typed<T>): CollectionHandle<ReplicatedVec<T>> => ({ id, open: (peer, options) => Collections.vec({ ...options, id, peer, values }) }),
  set: <T>(id: string, values: Typed<T>): CollectionHandle<ReplicatedSet<T>> => ({ id, open: (peer, options) => Collections.set({ ...options, id, peer, values }) }),
  cell: <T>(id: string, values: Typed<T>): CollectionHandle<ReplicatedCell<T>> => ({ id, open: (peer, options) => Collections.cell({ ...options, id, peer, values }) }),
  once: <T>(id: string, values: Typed<T>): CollectionHandle<ReplicatedOnce<T>> => ({ id, open: (peer, options) => Collections.once({ ...options, id, peer, values }) }),
  priority_queue: <T>(id: string, values: Typed<T>): CollectionHandle<ReplicatedPriorityQueue<T>> => ({ id, open: (peer, options) => Collections.priorityQueue({ ...options, id, peer, values }) }),
};
