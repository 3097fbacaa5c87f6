// Length-prefixed frames: u32le(length) ‖ payload, with a hard maximum checked on the header,
// before anything is buffered. The decoder is incremental (bytes arrive in any chunking) and
// never throws anything but a `FrameError` with a stable reason code.

export const defaultMaxFrameBytes = 16 * 1024 * 1024;

export type FrameErrorCode = "frame-too-large" | "truncated-frame";

export class FrameError extends Error {
  override readonly name = "FrameError";
  constructor(
    readonly code: FrameErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function encodeFrame(payload: Uint8Array, maxFrameBytes = defaultMaxFrameBytes): Uint8Array {
  if (payload.length > maxFrameBytes) throw new FrameError("frame-too-large", `a frame of ${payload.length} bytes exceeds the limit of ${maxFrameBytes}`);
  const frame = new Uint8Array(4 + payload.length);
  new DataView(frame.buffer).setUint32(0, payload.length, true);
  frame.set(payload, 4);
  return frame;
}

export class FrameDecoder {
  // Chunks are kept as they arrive and copied once, into the frame they complete, so a large
  // frame arriving in many small chunks costs linear time.
  private chunks: Uint8Array[] = [];
  private held = 0;
  private expected: number | undefined;
  private failed: FrameError | undefined;

  constructor(readonly maxFrameBytes = defaultMaxFrameBytes) {}

  /** The frames completed by `chunk`. After an error, every call throws it again. */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.failed !== undefined) throw this.failed;
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.held += chunk.length;
    }
    const frames: Uint8Array[] = [];
    for (;;) {
      if (this.expected === undefined) {
        if (this.held < 4) break;
        const header = this.take(4);
        const length = new DataView(header.buffer, header.byteOffset, 4).getUint32(0, true);
        if (length > this.maxFrameBytes) {
          this.failed = new FrameError("frame-too-large", `a frame header announces ${length} bytes, over the limit of ${this.maxFrameBytes}`);
          throw this.failed;
        }
        this.expected = length;
      }
      if (this.held < this.expected) break;
      frames.push(this.take(this.expected));
      this.expected = undefined;
    }
    return frames;
  }

  /** The first `n` held bytes, removed. */
  private take(n: number): Uint8Array {
    if (n === 0) return new Uint8Array(0);
    this.held -= n;
    const head = this.chunks[0]!;
    // Within one chunk: a view, no copy (chunks are the stream's own buffers, never reused).
    if (head.length >= n) {
      if (head.length === n) this.chunks.shift();
      else this.chunks[0] = head.subarray(n);
      return head.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const first = this.chunks[0]!;
      const count = Math.min(first.length, n - filled);
      out.set(first.subarray(0, count), filled);
      filled += count;
      if (count === first.length) this.chunks.shift();
      else this.chunks[0] = first.subarray(count);
    }
    return out;
  }

  /** The stream ended: a partial frame left over is an error. */
  end(): void {
    if (this.failed !== undefined) throw this.failed;
    if (this.held > 0 || this.expected !== undefined) {
      this.failed = new FrameError("truncated-frame", `the connection ended inside a frame (${this.held} bytes held)`);
      throw this.failed;
    }
  }

  /** Bytes held for an incomplete frame. */
  get buffered(): number {
    return this.held;
  }
}
