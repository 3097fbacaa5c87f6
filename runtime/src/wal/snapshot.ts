// The snapshot file: only the latest is kept, replaced atomically — written to a temporary file,
// fsynced, renamed over `snapshot`, and the folder fsynced — so a reader finds the old snapshot or
// the new one, whole. A snapshot file that fails its checks is therefore corruption, never a torn
// write, and fails loudly.
//
// Layout (little-endian; u64 values limited to 2^53 - 1):
//
//   offset      size  field
//        0         8  magic "coalsnap"
//        8         4  format version (1)
//       12         4  config length c
//       16         8  index
//       24         8  term
//       32         8  data length d
//       40         c  config
//   40 + c         d  data
//   40 + c + d     4  CRC-32 (zlib.crc32) of bytes [0, 40 + c + d)
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { WalCorruptionError } from "./errors.js";
import { isNoSuchFile, type WalFs } from "./fs.js";

export interface SnapshotMeta {
  /** The index of the last entry the snapshot covers. */
  readonly index: number;
  /** The term of that entry. */
  readonly term: number;
  /** The cluster configuration at `index`, opaque to the store. */
  readonly config: Uint8Array;
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  readonly data: Uint8Array;
}

const magic = new TextEncoder().encode("coalsnap");
const version = 1;
const headerBytes = 40;
export const snapshotFileName = "snapshot";
export const snapshotTemporaryName = "snapshot.tmp";

/** Replaces the folder's snapshot atomically; resolves once the new one is durable. */
export async function writeSnapshot(fs: WalFs, directory: string, snapshot: Snapshot): Promise<void> {
  const { meta, data } = snapshot;
  const header = new Uint8Array(headerBytes);
  const view = new DataView(header.buffer);
  header.set(magic);
  view.setUint32(8, version, true);
  view.setUint32(12, meta.config.length, true);
  view.setBigUint64(16, BigInt(meta.index), true);
  view.setBigUint64(24, BigInt(meta.term), true);
  view.setBigUint64(32, BigInt(data.length), true);
  const checksum = new Uint8Array(4);
  new DataView(checksum.buffer).setUint32(0, crc32(data, crc32(meta.config, crc32(header))), true);

  const temporary = join(directory, snapshotTemporaryName);
  const file = await fs.open(temporary, "create");
  try {
    let at = 0;
    for (const part of [header, meta.config, data, checksum]) {
      await file.write(part, at);
      at += part.length;
    }
    await file.sync();
  } finally {
    await file.close();
  }
  await fs.rename(temporary, join(directory, snapshotFileName));
  await fs.syncDirectory(directory);
}

/** The folder's snapshot, or null if there is none. Throws `WalCorruptionError` if it fails its checks. */
export async function readSnapshot(fs: WalFs, directory: string): Promise<Snapshot | null> {
  const path = join(directory, snapshotFileName);
  let bytes: Uint8Array;
  try {
    const file = await fs.open(path, "read");
    try {
      bytes = await file.read(0, await file.size());
    } finally {
      await file.close();
    }
  } catch (error) {
    if (isNoSuchFile(error)) return null;
    throw error;
  }
  const corrupt = (offset: number, detail: string) => new WalCorruptionError("bad-snapshot", path, offset, detail);
  if (bytes.length < headerBytes + 4) throw corrupt(0, `${bytes.length} bytes is too short for a snapshot`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!magic.every((byte, i) => bytes[i] === byte)) throw corrupt(0, "not a snapshot file (bad magic)");
  if (view.getUint32(8, true) !== version) throw corrupt(8, `unknown snapshot format version ${view.getUint32(8, true)}`);
  const configLength = view.getUint32(12, true);
  const dataLength = view.getBigUint64(32, true);
  if (BigInt(headerBytes + configLength + 4) + dataLength !== BigInt(bytes.length)) throw corrupt(12, `the lengths in the header do not add up to the file's ${bytes.length} bytes`);
  const end = bytes.length - 4;
  if (crc32(bytes.subarray(0, end)) !== view.getUint32(end, true)) throw corrupt(end, "a checksum mismatch");
  const index = Number(view.getBigUint64(16, true));
  const term = Number(view.getBigUint64(24, true));
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(term)) throw corrupt(16, "an index or term above 2^53");
  const config = bytes.subarray(headerBytes, headerBytes + configLength);
  return { meta: { index, term, config }, data: bytes.subarray(headerBytes + configLength, end) };
}
