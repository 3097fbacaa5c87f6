// The few file operations the durable store needs, as an interface, so the same code runs on
// node:fs (`nodeFs`) and on an in-memory disk that can crash and lose what was not synced
// (`MemoryFs`) — in tests and in the deterministic simulator.
//
// The contract is POSIX's, stated where it matters for durability:
// * a write is durable only after `datasync` or `sync` on a handle of that file;
// * creating, renaming or unlinking a name is durable only after `syncDirectory` of its folder;
// * a crash may lose any write or name change that was not made durable, and may keep some of
//   them, down to single sectors of a write.

/** `read`: an existing file, read only. `write`: an existing file, read and write. `create`: create or empty, read and write. */
export type OpenMode = "read" | "write" | "create";

export interface WalFile {
  readonly path: string;
  /** The file's size in bytes. */
  size(): Promise<number>;
  /** `length` bytes from `position`, fewer only where the file ends. */
  read(position: number, length: number): Promise<Uint8Array>;
  /** All of `data` at `position`; the file grows if needed. */
  write(data: Uint8Array, position: number): Promise<void>;
  truncate(length: number): Promise<void>;
  /** Makes written data durable, and the size if it changed (fdatasync). */
  datasync(): Promise<void>;
  /**
   * Optional: all of `data` at `position`, durable once it resolves — what `write` then
   * `datasync` give, in one step where the file system can (an O_DSYNC write: one trip to the
   * thread pool instead of two on the path of every commit).
   */
  writeDurably?(data: Uint8Array, position: number): Promise<void>;
  /** Makes data and all metadata durable (fsync). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface WalFs {
  /** Creates the folder and its missing parents; true if anything was created. */
  mkdir(path: string): Promise<boolean>;
  /** The names in a folder (not paths), in no particular order. */
  readdir(path: string): Promise<string[]>;
  open(path: string, mode: OpenMode): Promise<WalFile>;
  /** Replaces `to` atomically if it exists. */
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Makes the folder's entries (creations, renames, unlinks in it) durable. */
  syncDirectory(path: string): Promise<void>;
}

/** An error like node's for a missing file, so callers test `code` the same way on either file system. */
export function noSuchFile(operation: string, path: string): Error {
  return Object.assign(new Error(`ENOENT: no such file or directory, ${operation} '${path}'`), { code: "ENOENT" });
}

export function isNoSuchFile(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "ENOENT";
}
