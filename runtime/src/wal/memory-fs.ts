// An in-memory disk behind a page cache, for tests and the deterministic simulator: every file
// keeps what a reader sees now and what the disk holds, and `crash()` throws the difference away
// — all of it, or (given a random source) any subset of the unsynced sectors and a prefix of the
// unsynced name changes, which is how a power cut tears writes. Nothing here uses timers or real
// I/O, so the same calls always interleave the same way.
import { dirname, normalize } from "node:path";
import { noSuchFile, type OpenMode, type WalFile, type WalFs } from "./fs.js";

export type MemoryFsOperation = "mkdir" | "readdir" | "open" | "size" | "read" | "write" | "truncate" | "datasync" | "sync" | "close" | "rename" | "unlink" | "syncDirectory";

export interface MemoryFsOptions {
  /** The unit a torn write keeps or loses: disks write sectors atomically. Default 512. */
  readonly sectorBytes?: number;
  /** Called before every operation with the path it touches; throw from it to inject an I/O error. */
  readonly onOperation?: (operation: MemoryFsOperation, path: string) => void;
}

export interface CrashOptions {
  /**
   * Absent: the crash loses every unsynced write and name change. Given (values in [0, 1), a
   * seeded generator in a simulator), each unsynced sector survives with probability ½ — holes
   * included — and a random prefix of the unsynced name changes survives.
   */
  readonly random?: () => number;
}

export interface MemoryFsStats {
  writes: number;
  bytesWritten: number;
  datasyncs: number;
  syncs: number;
  directorySyncs: number;
  renames: number;
  unlinks: number;
}

/** One file's bytes: what reads see now, and what survives a crash. Bytes past either size are zero. */
class Inode {
  bytes: Uint8Array = new Uint8Array(0);
  size = 0;
  durable: Uint8Array = new Uint8Array(0);
  durableSize = 0;
  /** Sectors that may differ from the durable image. */
  readonly dirty = new Set<number>();

  constructor(private readonly sectorBytes: number) {}

  write(data: Uint8Array, position: number): void {
    if (data.length === 0) return;
    this.bytes = grown(this.bytes, position + data.length);
    this.bytes.set(data, position);
    this.size = Math.max(this.size, position + data.length);
    this.markDirty(position, position + data.length);
  }

  truncate(length: number): void {
    if (length < this.size) {
      this.bytes.fill(0, length, this.size);
      this.markDirty(length, this.size);
    } else this.bytes = grown(this.bytes, length);
    this.size = length;
  }

  sync(): void {
    this.durable = grown(this.durable, this.bytes.length);
    for (const sector of this.dirty) this.copySector(sector, this.bytes, this.durable);
    this.dirty.clear();
    this.durableSize = this.size;
  }

  crash(random: (() => number) | undefined): void {
    this.durable = grown(this.durable, this.bytes.length);
    this.bytes = grown(this.bytes, this.durable.length);
    for (const sector of this.dirty) {
      if (random !== undefined && random() < 0.5) this.copySector(sector, this.bytes, this.durable);
      else this.copySector(sector, this.durable, this.bytes);
    }
    this.dirty.clear();
    const size = random !== undefined && this.size !== this.durableSize && random() < 0.5 ? this.size : this.durableSize;
    this.bytes.fill(0, size);
    this.durable.fill(0, size);
    this.size = this.durableSize = size;
  }

  private markDirty(from: number, to: number): void {
    for (let sector = Math.floor(from / this.sectorBytes); sector * this.sectorBytes < to; sector++) this.dirty.add(sector);
  }

  private copySector(sector: number, from: Uint8Array, to: Uint8Array): void {
    const start = sector * this.sectorBytes;
    to.set(from.subarray(start, Math.min(start + this.sectorBytes, from.length)), start);
  }
}

function grown(bytes: Uint8Array, length: number): Uint8Array {
  if (bytes.length >= length) return bytes;
  const larger = new Uint8Array(Math.max(length, bytes.length * 2, 4096));
  larger.set(bytes);
  return larger;
}

/** A name change not yet durable: it becomes so when a folder it touches is synced. */
type NameChange = { readonly kind: "link"; readonly path: string; readonly inode: Inode } | { readonly kind: "unlink"; readonly path: string } | { readonly kind: "rename"; readonly from: string; readonly to: string; readonly inode: Inode };

function applyNameChange(names: Map<string, Inode>, change: NameChange): void {
  if (change.kind === "link") names.set(change.path, change.inode);
  else if (change.kind === "unlink") names.delete(change.path);
  else {
    names.delete(change.from);
    names.set(change.to, change.inode);
  }
}

function touches(change: NameChange, directory: string): boolean {
  return change.kind === "rename" ? dirname(change.from) === directory || dirname(change.to) === directory : dirname(change.path) === directory;
}

/** The disk itself, shared by the file systems of one process after another. */
class Disk {
  /** Folders are durable as soon as they exist: the store creates them once, before anything else. */
  readonly directories = new Set<string>(["/", "."]);
  names = new Map<string, Inode>();
  durableNames = new Map<string, Inode>();
  pending: NameChange[] = [];
  /** Bumped by every crash: the file system and handles of an older generation belong to a dead process. */
  generation = 0;

  constructor(readonly sectorBytes: number) {}

  addDirectory(path: string): void {
    for (let folder = path; !this.directories.has(folder); folder = dirname(folder)) this.directories.add(folder);
  }
}

export class MemoryFs implements WalFs {
  readonly stats: MemoryFsStats = { writes: 0, bytesWritten: 0, datasyncs: 0, syncs: 0, directorySyncs: 0, renames: 0, unlinks: 0 };
  private disk: Disk;
  private generation: number;

  constructor(private readonly options: MemoryFsOptions = {}) {
    this.disk = new Disk(options.sectorBytes ?? 512);
    this.generation = this.disk.generation;
  }

  /**
   * Cuts the power: loses what was not made durable (see `CrashOptions`) and returns the file
   * system the restarted process sees. This one, and every handle opened on it, refuses every
   * operation from now on — as the dead process's would — so nothing it still had in flight
   * reaches the disk.
   */
  crash(options: CrashOptions = {}): MemoryFs {
    const { disk } = this;
    const { random } = options;
    if (random !== undefined && disk.pending.length > 0) {
      const kept = Math.floor(random() * (disk.pending.length + 1));
      for (const change of disk.pending.slice(0, kept)) applyNameChange(disk.durableNames, change);
    }
    disk.pending = [];
    disk.names = new Map(disk.durableNames);
    for (const inode of new Set(disk.names.values())) inode.crash(random);
    disk.generation++;
    const restarted = new MemoryFs(this.options);
    restarted.disk = disk;
    restarted.generation = disk.generation;
    return restarted;
  }

  // Inspection and damage, for tests: these act on the disk directly, as from outside any process.

  /** The file's bytes as a reader sees them now. */
  readFile(path: string): Uint8Array {
    const inode = this.disk.names.get(normalize(path));
    if (inode === undefined) throw noSuchFile("open", path);
    return inode.bytes.slice(0, inode.size);
  }

  /** Replaces the file's bytes on the disk itself (durably), creating it if needed: how tests corrupt files. */
  writeFile(path: string, data: Uint8Array): void {
    path = normalize(path);
    this.disk.addDirectory(dirname(path));
    let inode = this.disk.names.get(path);
    if (inode === undefined) {
      inode = new Inode(this.disk.sectorBytes);
      this.disk.names.set(path, inode);
    }
    this.disk.durableNames.set(path, inode);
    inode.truncate(0);
    inode.write(data, 0);
    inode.sync();
  }

  /** Removes the file from the disk itself (durably). */
  removeFile(path: string): void {
    path = normalize(path);
    this.disk.names.delete(path);
    this.disk.durableNames.delete(path);
  }

  exists(path: string): boolean {
    path = normalize(path);
    return this.disk.names.has(path) || this.disk.directories.has(path);
  }

  // WalFs

  async mkdir(path: string): Promise<boolean> {
    path = normalize(path);
    this.enter("mkdir", path, this.generation);
    if (this.disk.directories.has(path)) return false;
    this.disk.addDirectory(path);
    return true;
  }

  async readdir(path: string): Promise<string[]> {
    path = normalize(path);
    this.enter("readdir", path, this.generation);
    if (!this.disk.directories.has(path)) throw noSuchFile("scandir", path);
    const prefix = path.endsWith("/") ? path : `${path}/`;
    const children = new Set<string>();
    for (const name of [...this.disk.names.keys(), ...this.disk.directories]) {
      if (name !== path && dirname(name) === path) children.add(name.slice(prefix.length));
    }
    return [...children];
  }

  async open(path: string, mode: OpenMode): Promise<WalFile> {
    path = normalize(path);
    this.enter("open", path, this.generation);
    let inode = this.disk.names.get(path);
    if (inode === undefined) {
      if (mode !== "create" || !this.disk.directories.has(dirname(path))) throw noSuchFile("open", path);
      inode = new Inode(this.disk.sectorBytes);
      this.disk.names.set(path, inode);
      this.disk.pending.push({ kind: "link", path, inode });
    } else if (mode === "create") inode.truncate(0);
    return new MemoryFile(this, path, inode, this.generation);
  }

  async rename(from: string, to: string): Promise<void> {
    from = normalize(from);
    to = normalize(to);
    this.enter("rename", from, this.generation);
    const inode = this.disk.names.get(from);
    if (inode === undefined) throw noSuchFile("rename", from);
    if (!this.disk.directories.has(dirname(to))) throw noSuchFile("rename", to);
    this.disk.names.delete(from);
    this.disk.names.set(to, inode);
    this.disk.pending.push({ kind: "rename", from, to, inode });
    this.stats.renames++;
  }

  async unlink(path: string): Promise<void> {
    path = normalize(path);
    this.enter("unlink", path, this.generation);
    if (!this.disk.names.delete(path)) throw noSuchFile("unlink", path);
    this.disk.pending.push({ kind: "unlink", path });
    this.stats.unlinks++;
  }

  async syncDirectory(path: string): Promise<void> {
    path = normalize(path);
    this.enter("syncDirectory", path, this.generation);
    if (!this.disk.directories.has(path)) throw noSuchFile("open", path);
    this.stats.directorySyncs++;
    const remaining: NameChange[] = [];
    for (const change of this.disk.pending) {
      if (touches(change, path)) applyNameChange(this.disk.durableNames, change);
      else remaining.push(change);
    }
    this.disk.pending = remaining;
  }

  /** @internal Every operation's gate: refusal after a crash, then the operation hook. */
  enter(operation: MemoryFsOperation, path: string, generation: number): void {
    if (generation !== this.disk.generation) throw new Error(`${operation} '${path}': the process crashed`);
    this.options.onOperation?.(operation, path);
  }
}

class MemoryFile implements WalFile {
  private closed = false;

  constructor(
    private readonly fs: MemoryFs,
    readonly path: string,
    private readonly inode: Inode,
    private readonly generation: number,
  ) {}

  async size(): Promise<number> {
    this.enter("size");
    return this.inode.size;
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    this.enter("read");
    return this.inode.bytes.slice(position, Math.max(position, Math.min(position + length, this.inode.size)));
  }

  async write(data: Uint8Array, position: number): Promise<void> {
    this.enter("write");
    this.inode.write(data, position);
    this.fs.stats.writes++;
    this.fs.stats.bytesWritten += data.length;
  }

  async truncate(length: number): Promise<void> {
    this.enter("truncate");
    this.inode.truncate(length);
  }

  async datasync(): Promise<void> {
    this.enter("datasync");
    this.inode.sync();
    this.fs.stats.datasyncs++;
  }

  async sync(): Promise<void> {
    this.enter("sync");
    this.inode.sync();
    this.fs.stats.syncs++;
  }

  async close(): Promise<void> {
    this.enter("close");
    this.closed = true;
  }

  private enter(operation: MemoryFsOperation): void {
    if (this.closed) throw new Error(`${operation} '${this.path}': the handle is closed`);
    this.fs.enter(operation, this.path, this.generation);
  }
}
