// `WalFs` on node:fs: the only file in the store that touches the real disk.
import { mkdir, open, readdir, rename, unlink, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import type { OpenMode, WalFile, WalFs } from "./fs.js";

const flags: Record<OpenMode, string> = { read: "r", write: "r+", create: "w+" };

class NodeFile implements WalFile {
  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

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

  close(): Promise<void> {
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
    return new NodeFile(path, await open(path, flags[mode]));
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
