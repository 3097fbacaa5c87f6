// `WalFs` on node:fs: the only file in the store that touches the real disk.
import { constants } from "node:fs";
import { mkdir, open, readdir, rename, unlink, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import type { OpenMode, WalFile, WalFs } from "./fs.js";

const flags: Record<OpenMode, string> = { read: "r", write: "r+", create: "w+" };

class NodeFile implements WalFile {
  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    /** The same file opened O_DSYNC (writable files only): each write durable when it returns. */
    private readonly durable?: FileHandle,
  ) {}

  async writeDurably(data: Uint8Array, position: number): Promise<void> {
    if (this.durable === undefined) {
      await this.write(data, position);
      return this.datasync();
    }
    let written = 0;
    while (written < data.length) {
      const { bytesWritten } = await this.durable.write(data, written, data.length - written, position + written);
      written += bytesWritten;
    }
  }

  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    const buffer = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await this.handle.read(buffer, filled, length - filled, position + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === length ? buffer : buffer.subarray(0, filled);
  }

  async write(data: Uint8Array, position: number): Promise<void> {
    let written = 0;
    while (written < data.length) {
      const { bytesWritten } = await this.handle.write(data, written, data.length - written, position + written);
      written += bytesWritten;
    }
  }

  truncate(length: number): Promise<void> {
    return this.handle.truncate(length);
  }

  datasync(): Promise<void> {
    return this.handle.datasync();
  }

  sync(): Promise<void> {
    return this.handle.sync();
  }

  async close(): Promise<void> {
    await this.durable?.close();
    return this.handle.close();
  }
}

/** The real file system. Directory syncs open the folder and fsync it, as POSIX asks. */
export const nodeFs: WalFs = {
  async mkdir(path) {
    const first = await mkdir(path, { recursive: true });
    if (first === undefined) return false;
    // Each created folder's name lives in its parent: make those names durable, deepest first.
    for (let created = path; ; created = dirname(created)) {
      await nodeFs.syncDirectory(dirname(created));
      if (created === first || dirname(created) === created) break;
    }
    return true;
  },
  readdir: (path) => readdir(path),
  async open(path, mode) {
    const handle = await open(path, flags[mode]);
    if (mode === "read" || constants.O_DSYNC === undefined) return new NodeFile(path, handle);
    // Opened now, by path, before any rename: a spare segment is renamed into place later.
    try {
      return new NodeFile(path, handle, await open(path, constants.O_RDWR | constants.O_DSYNC));
    } catch (error) {
      await handle.close();
      throw error;
    }
  },
  rename: (from, to) => rename(from, to),
  unlink: (path) => unlink(path),
  async syncDirectory(path) {
    const handle = await open(path, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};
