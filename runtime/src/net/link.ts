// An authenticated, encrypted connection between two peers over any byte stream (TCP in
// practice), bound to their Ed25519 peer ids. The handshake, over frames:
//
//   dialer → listener   hello:  v1 ‖ network id (32) ‖ dialer ephemeral X25519 (32)
//   listener → dialer   accept: v1 ‖ listener ephemeral (32) ‖ listener id (32) ‖ sig_L
//   dialer → listener   finish: dialer id (32) ‖ sig_D
//
// where sig_X is the peer's Ed25519 signature over transcript ‖ role, transcript =
// "coal-link-v1" ‖ network id ‖ dialer ephemeral ‖ listener ephemeral. The dialer refuses a
// listener whose id is not the one it dialled; both refuse a different network. Keys come from
// HKDF-SHA256 over the X25519 secret, salted with the transcript's hash; every later frame is
// ChaCha20-Poly1305 with a per-direction counter nonce, so a replayed, reordered or altered frame
// fails to decrypt. Every failure closes the link with a stable reason code.
import { createCipheriv, createDecipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, sign, verify, type KeyObject } from "node:crypto";
import { FrameDecoder, FrameError, encodeFrame, defaultMaxFrameBytes } from "./frames.js";
import { Inbox } from "./inbox.js";

const version = 1;
const ed25519Prefix = Buffer.from("302a300506032b6570032100", "hex");
const x25519Prefix = Buffer.from("302a300506032b656e032100", "hex");
const tagBytes = 16;
/** Payloads are batched into frames of about this size: large enough to share the per-frame cost, small enough to pipeline. */
const batchBytes = 256 * 1024;
const empty = new Uint8Array(0);

/** A peer's long-term identity: an Ed25519 key pair. The peer id is the public key. */
export interface PeerKey {
  readonly id: string;
  readonly privateKey: KeyObject;
}

export function generatePeerKey(): PeerKey {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  return { id: rawPublicKey(publicKey).toString("hex"), privateKey };
}

/** A peer key from its 32-byte Ed25519 seed (a key file). */
export function peerKeyFromSeed(seed: Uint8Array): PeerKey {
  if (seed.length !== 32) throw new RangeError("an Ed25519 seed is 32 bytes");
  const privateKey = createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]), format: "der", type: "pkcs8" });
  return { id: rawPublicKey(createPublicKey(privateKey)).toString("hex"), privateKey };
}

function rawPublicKey(key: KeyObject): Buffer {
  return key.export({ format: "der", type: "spki" }).subarray(-32);
}

const publicKeyFrom = (prefix: Buffer, raw: Uint8Array): KeyObject => createPublicKey({ key: Buffer.concat([prefix, raw]), format: "der", type: "spki" });

export type LinkErrorCode =
  | "frame-too-large"
  | "truncated-frame"
  | "bad-handshake"
  | "version-mismatch"
  | "network-mismatch"
  | "peer-id-mismatch"
  | "bad-signature"
  | "decrypt-failed"
  | "peer-silent"
  | "closed";

export class LinkError extends Error {
  override readonly name = "LinkError";
  constructor(
    readonly code: LinkErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** What a link runs over: a duplex byte stream (a `net.Socket` fits). */
export interface ByteStream {
  /** Bytes written but not yet flushed to the peer (a socket's `writableLength`). */
  readonly writableLength?: number;
  write(bytes: Uint8Array): unknown;
  cork?(): void;
  uncork?(): void;
  end(): unknown;
  destroy(): unknown;
  on(event: "data", listener: (chunk: Buffer) => void): unknown;
  on(event: "end" | "close", listener: () => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  once?(event: "drain", listener: () => void): unknown;
}

export interface LinkOptions {
  readonly key: PeerKey;
  /** id(network name), hex: peers of another network are refused. */
  readonly networkId: string;
  readonly maxFrameBytes?: number;
}

/** An established link: send and receive frames, authenticated and encrypted. */
export class Link {
  private sendCounter = 0n;
  private receiveCounter = 0n;
  private readonly inbox = new Inbox<Uint8Array>((payload) => payload);
  private receiver: ((payload: Uint8Array) => void) | undefined;
  private readonly closeListeners: (() => void)[] = [];
  private closedWith: LinkError | undefined;

  /** @internal Use `dial` or `accept`. */
  constructor(
    private readonly stream: ByteStream,
    /** The peer at the other end, authenticated. */
    readonly peerId: string,
    private readonly sendKey: Buffer,
    private readonly receiveKey: Buffer,
    private readonly maxFrameBytes: number,
  ) {
    this.batchBytes = Math.min(maxFrameBytes, batchBytes);
    this.staging = Buffer.allocUnsafe(this.batchBytes);
  }

  private readonly batchBytes: number;

  /**
   * Queues a payload (`head ‖ payload` when a head is given) for the peer. Payloads sent before the
   * event loop turns travel together in one encrypted frame (each length-prefixed inside it), so
   * the per-frame cost of the AEAD and the write is shared; order is kept. The bytes are copied
   * into the batch at once: the caller may reuse its buffer as soon as `send` returns.
   */
  send(payload: Uint8Array, head: Uint8Array = empty): void {
    if (this.closedWith !== undefined) throw this.closedWith;
    const length = 4 + head.length + payload.length;
    if (length > this.maxFrameBytes) throw new LinkError("frame-too-large", `a payload of ${length - 4} bytes exceeds the frame limit of ${this.maxFrameBytes}`);
    if (this.staged + length > this.staging.length) {
      this.flush();
      // Only a payload larger than the batch needs a buffer of its own.
      if (length > this.staging.length) this.staging = Buffer.allocUnsafe(length);
    }
    const at = this.staged;
    this.staging.writeUInt32LE(length - 4, at);
    this.staging.set(head, at + 4);
    this.staging.set(payload, at + 4 + head.length);
    this.staged += length;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** The batch being filled: `staged` bytes of length-prefixed payloads. */
  private staging: Buffer;
  private staged = 0;
  private flushScheduled = false;

  /** Encrypts what is staged as one frame and writes it. */
  flush(): void {
    this.flushScheduled = false;
    if (this.staged === 0 || this.closedWith !== undefined) return;
    this.seal(this.staging.subarray(0, this.staged));
    this.staged = 0;
    if (this.staging.length > this.batchBytes) this.staging = Buffer.allocUnsafe(this.batchBytes);
  }

  private lastSent = Date.now();
  private lastReceived = Date.now();
  private keepAliveTimer: NodeJS.Timeout | undefined;

  /**
   * Keeps the link honest when the other end may vanish without a FIN (a host powered off, a
   * partition that swallows packets): an empty frame goes out whenever nothing else has for
   * `intervalMs`, and the link fails with "peer-silent" once nothing at all has come in for
   * `silentMs` — so its streams and groups notice, and the peer is dialled afresh. An empty frame
   * carries no payload, so peers that never send one still read it.
   */
  keepAlive(intervalMs: number, silentMs: number): void {
    if (this.closedWith !== undefined) return;
    clearInterval(this.keepAliveTimer);
    this.lastReceived = Date.now();
    this.keepAliveTimer = setInterval(() => {
      const now = Date.now();
      if (now - this.lastReceived > silentMs) return this.fail(new LinkError("peer-silent", `nothing from the peer for ${now - this.lastReceived} ms (the limit is ${silentMs} ms)`));
      if (now - this.lastSent >= intervalMs && this.staged === 0) this.seal(empty);
    }, Math.max(5, Math.floor(Math.min(intervalMs, silentMs) / 4)));
    this.keepAliveTimer.unref?.();
  }

  /** Encrypts `plain` as the next frame and writes it. */
  private seal(plain: Uint8Array): void {
    const nonce = counterNonce(this.sendCounter++);
    const cipher = createCipheriv("chacha20-poly1305", this.sendKey, nonce, { authTagLength: tagBytes });
    const ciphertext = cipher.update(plain);
    cipher.final();
    const tag = cipher.getAuthTag();
    this.lastSent = Date.now();
    // Header, ciphertext and tag as three writes under one cork: no copy into a frame buffer.
    const header = Buffer.allocUnsafe(4);
    header.writeUInt32LE(ciphertext.length + tag.length);
    this.stream.cork?.();
    this.stream.write(header);
    this.stream.write(ciphertext);
    this.stream.write(tag);
    this.stream.uncork?.();
  }

  /** @internal A frame from the wire. */
  received(frame: Uint8Array): void {
    if (this.closedWith !== undefined) return;
    this.lastReceived = Date.now();
    if (frame.length < tagBytes) return this.fail(new LinkError("decrypt-failed", "a frame too short to carry its tag"));
    const nonce = counterNonce(this.receiveCounter++);
    try {
      const decipher = createDecipheriv("chacha20-poly1305", this.receiveKey, nonce, { authTagLength: tagBytes });
      decipher.setAuthTag(frame.subarray(frame.length - tagBytes));
      const plain = decipher.update(frame.subarray(0, frame.length - tagBytes));
      const rest = decipher.final();
      this.unpack(rest.length === 0 ? plain : Buffer.concat([plain, rest]));
    } catch (error) {
      this.fail(error instanceof LinkError ? error : new LinkError("decrypt-failed", "a frame failed authentication (altered, replayed or reordered)"));
    }
  }

  /** The payloads packed in a decrypted frame, each u32le-length-prefixed. */
  private unpack(plain: Buffer): void {
    let offset = 0;
    while (offset < plain.length) {
      if (offset + 4 > plain.length) throw new LinkError("bad-handshake", "a malformed payload inside an authenticated frame");
      const length = plain.readUInt32LE(offset);
      if (offset + 4 + length > plain.length) throw new LinkError("bad-handshake", "a malformed payload inside an authenticated frame");
      const payload = new Uint8Array(plain.buffer, plain.byteOffset + offset + 4, length);
      offset += 4 + length;
      if (this.receiver !== undefined) this.receiver(payload);
      else this.inbox.push(payload);
    }
  }

  /** Closes the link; `reason` is what the local side reports. */
  fail(reason: LinkError): void {
    if (this.closedWith !== undefined) return;
    this.closedWith = reason;
    this.stream.destroy();
    this.closed();
  }

  close(): void {
    if (this.closedWith !== undefined) return;
    this.flush();
    this.closedWith = new LinkError("closed", "closed locally");
    this.stream.end();
    this.closed();
  }

  /** Bytes queued for the peer and not yet flushed: the measure of backpressure. */
  get buffered(): number {
    return (this.stream.writableLength ?? 0) + this.staged;
  }

  /** Resolves when the socket has flushed what it holds (or the link closes), or after `timeoutMs`. */
  drained(timeoutMs: number): Promise<void> {
    if ((this.stream.writableLength ?? 0) === 0 || this.closedWith !== undefined || this.stream.once === undefined) return new Promise((resolve) => setTimeout(resolve, Math.min(timeoutMs, 2)));
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.stream.once!("drain", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Why the link closed, once it has. */
  get closeReason(): LinkError | undefined {
    return this.closedWith;
  }

  /**
   * Takes incoming payloads by callback instead of iteration (one call per payload, in order,
   * no promise per payload); `onClose` runs once when the link closes.
   */
  receive(receiver: (payload: Uint8Array) => void, onClose: () => void): void {
    this.receiver = receiver;
    for (const payload of this.inbox.drain()) receiver(payload);
    if (this.closedWith !== undefined) onClose();
    else this.closeListeners.push(onClose);
  }

  private closed(): void {
    clearInterval(this.keepAliveTimer);
    this.inbox.close();
    for (const listener of this.closeListeners.splice(0)) listener();
  }

  /** Incoming payloads, in order, until the link closes. */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.inbox[Symbol.asyncIterator]();
  }
}

function counterNonce(counter: bigint): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeBigUInt64LE(counter, 4);
  return nonce;
}

function transcript(networkId: Buffer, dialerEphemeral: Uint8Array, listenerEphemeral: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from("coal-link-v1"), networkId, dialerEphemeral, listenerEphemeral]);
}

function sessionKeys(secret: Buffer, script: Buffer): { dialerToListener: Buffer; listenerToDialer: Buffer } {
  const salt = createHash("sha256").update(script).digest();
  const keys = Buffer.from(hkdfSync("sha256", secret, salt, "coal-link-v1 keys", 64));
  return { dialerToListener: keys.subarray(0, 32), listenerToDialer: keys.subarray(32) };
}

/** Reads frames off a stream, feeding the handshake first, then the link; fails on bad frames. */
class Wire {
  private readonly decoder: FrameDecoder;
  private readonly handshakeFrames: Uint8Array[] = [];
  private handshakeWaiter: ((frame: Uint8Array) => void) | undefined;
  private failure: ((error: LinkError) => void) | undefined;
  link: Link | undefined;
  ended: LinkError | undefined;

  constructor(
    readonly stream: ByteStream,
    maxFrameBytes: number,
  ) {
    this.decoder = new FrameDecoder(maxFrameBytes + tagBytes);
    stream.on("data", (chunk) => {
      let frames: Uint8Array[];
      try {
        frames = this.decoder.push(chunk);
      } catch (error) {
        return this.fail(new LinkError((error as FrameError).code, (error as FrameError).message));
      }
      for (const frame of frames) {
        if (this.link !== undefined) this.link.received(frame);
        else if (this.handshakeWaiter !== undefined) {
          const wake = this.handshakeWaiter;
          this.handshakeWaiter = undefined;
          wake(frame);
        } else this.handshakeFrames.push(frame);
      }
    });
    const ended = () => {
      try {
        this.decoder.end();
        this.fail(new LinkError("closed", "the peer closed the connection"));
      } catch (error) {
        this.fail(new LinkError((error as FrameError).code, (error as FrameError).message));
      }
    };
    stream.on("end", ended);
    stream.on("close", ended);
    stream.on("error", (error) => this.fail(new LinkError("closed", error.message)));
  }

  /**
   * Hands the wire to an established link. Frames that arrived behind the handshake's last one
   * (in the same chunk: the peer may send at once) go to the link first, in order.
   */
  attach(link: Link): Link {
    this.link = link;
    for (const frame of this.handshakeFrames.splice(0)) link.received(frame);
    return link;
  }

  fail(error: LinkError): void {
    if (this.ended !== undefined) return;
    this.ended = error;
    if (this.link !== undefined) this.link.fail(error);
    else {
      this.stream.destroy();
      this.failure?.(error);
    }
  }

  /** The next handshake frame; rejects if the wire fails first. */
  next(): Promise<Uint8Array> {
    const frame = this.handshakeFrames.shift();
    if (frame !== undefined) return Promise.resolve(frame);
    if (this.ended !== undefined) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      this.handshakeWaiter = resolve;
      this.failure = reject;
    });
  }
}

function expectLength(frame: Uint8Array, length: number, what: string): void {
  if (frame.length !== length) throw new LinkError("bad-handshake", `the ${what} is ${frame.length} bytes, not ${length}`);
  if (frame[0] !== version) throw new LinkError("version-mismatch", `the peer speaks link version ${frame[0]}, not ${version}`);
}

/** Opens a link as the dialer; `expectedPeer` is the id the listener must prove. */
export async function dial(stream: ByteStream, options: LinkOptions & { readonly expectedPeer: string }): Promise<Link> {
  const maxFrameBytes = options.maxFrameBytes ?? defaultMaxFrameBytes;
  const wire = new Wire(stream, maxFrameBytes);
  const networkId = Buffer.from(options.networkId, "hex");
  const ephemeral = generateKeyPairSync("x25519");
  const ephemeralRaw = rawPublicKey(ephemeral.publicKey);
  try {
    stream.write(encodeFrame(Buffer.concat([Buffer.of(version), networkId, ephemeralRaw])));
    const accept = await wire.next();
    expectLength(accept, 1 + 32 + 32 + 64, "accept");
    const listenerEphemeral = accept.subarray(1, 33);
    const listenerId = Buffer.from(accept.subarray(33, 65)).toString("hex");
    if (listenerId !== options.expectedPeer) throw new LinkError("peer-id-mismatch", `the listener is ${listenerId}, not the expected ${options.expectedPeer}`);
    const script = transcript(networkId, ephemeralRaw, listenerEphemeral);
    if (!verify(null, Buffer.concat([script, Buffer.from("listener")]), publicKeyFrom(ed25519Prefix, accept.subarray(33, 65)), accept.subarray(65))) {
      throw new LinkError("bad-signature", "the listener's handshake signature does not verify");
    }
    const signature = sign(null, Buffer.concat([script, Buffer.from("dialer")]), options.key.privateKey);
    stream.write(encodeFrame(Buffer.concat([Buffer.from(options.key.id, "hex"), signature])));
    const secret = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: publicKeyFrom(x25519Prefix, listenerEphemeral) });
    const keys = sessionKeys(secret, script);
    return wire.attach(new Link(stream, listenerId, keys.dialerToListener, keys.listenerToDialer, maxFrameBytes));
  } catch (error) {
    const failure = error instanceof LinkError ? error : new LinkError("bad-handshake", String(error));
    wire.fail(failure);
    throw failure;
  }
}

/** Accepts a link as the listener; the dialer's id is learned and authenticated. */
export async function accept(stream: ByteStream, options: LinkOptions): Promise<Link> {
  const maxFrameBytes = options.maxFrameBytes ?? defaultMaxFrameBytes;
  const wire = new Wire(stream, maxFrameBytes);
  const networkId = Buffer.from(options.networkId, "hex");
  try {
    const hello = await wire.next();
    expectLength(hello, 1 + 32 + 32, "hello");
    if (!networkId.equals(hello.subarray(1, 33))) throw new LinkError("network-mismatch", "the dialer belongs to another network");
    const dialerEphemeral = hello.subarray(33, 65);
    const ephemeral = generateKeyPairSync("x25519");
    const ephemeralRaw = rawPublicKey(ephemeral.publicKey);
    const script = transcript(networkId, dialerEphemeral, ephemeralRaw);
    const signature = sign(null, Buffer.concat([script, Buffer.from("listener")]), options.key.privateKey);
    stream.write(encodeFrame(Buffer.concat([Buffer.of(version), ephemeralRaw, Buffer.from(options.key.id, "hex"), signature])));
    const finish = await wire.next();
    if (finish.length !== 32 + 64) throw new LinkError("bad-handshake", `the finish is ${finish.length} bytes, not 96`);
    if (!verify(null, Buffer.concat([script, Buffer.from("dialer")]), publicKeyFrom(ed25519Prefix, finish.subarray(0, 32)), finish.subarray(32))) {
      throw new LinkError("bad-signature", "the dialer's handshake signature does not verify");
    }
    const secret = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: publicKeyFrom(x25519Prefix, dialerEphemeral) });
    const keys = sessionKeys(secret, script);
    return wire.attach(new Link(stream, Buffer.from(finish.subarray(0, 32)).toString("hex"), keys.listenerToDialer, keys.dialerToListener, maxFrameBytes));
  } catch (error) {
    const failure = error instanceof LinkError ? error : new LinkError("bad-handshake", String(error));
    wire.fail(failure);
    throw failure;
  }
}
