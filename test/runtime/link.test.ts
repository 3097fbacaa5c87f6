// Frames and authenticated links: a fuzzer drives the frame decoder; links over real loopback
// TCP authenticate both peer ids, encrypt every frame, and close with a reason on anything wrong —
// only the offending connection.
import { createServer, connect, type Server, type Socket } from "node:net";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { id, toHex } from "@coal/runtime/identity";
import { accept, dial, encodeFrame, FrameDecoder, FrameError, generatePeerKey, LinkError, type Link } from "@coal/runtime/net";

describe("frames", () => {
  it("decode any chunking of valid frames into the same payloads (fuzzed)", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }), (payloads, cuts) => {
        const wire = Buffer.concat(payloads.map((p) => encodeFrame(p)));
        const decoder = new FrameDecoder(1024);
        const out: Uint8Array[] = [];
        let offset = 0;
        let i = 0;
        while (offset < wire.length) {
          const size = cuts[i++ % cuts.length]!;
          out.push(...decoder.push(wire.subarray(offset, offset + size)));
          offset += size;
        }
        decoder.end();
        expect(out.map((p) => Buffer.from(p).toString("hex"))).toEqual(payloads.map((p) => Buffer.from(p).toString("hex")));
      }),
      { numRuns: 300 },
    );
  });

  it("meet arbitrary bytes with frames or a FrameError, never anything else (fuzzed)", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 10 }), (chunks) => {
        const decoder = new FrameDecoder(256);
        try {
          for (const chunk of chunks) decoder.push(chunk);
          decoder.end();
        } catch (error) {
          expect(error).toBeInstanceOf(FrameError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("refuse an oversized frame from its header, before buffering it", () => {
    const decoder = new FrameDecoder(1000);
    const header = new Uint8Array(4);
    new DataView(header.buffer).setUint32(0, 1001, true);
    expect(() => decoder.push(header)).toThrow(expect.objectContaining({ code: "frame-too-large" }));
    expect(decoder.buffered).toBe(0);
  });
});

const networkId = toHex(id("coal.test"));
const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

/** A listener on loopback; every accepted link (or its failure) is reported. */
async function listen(key = generatePeerKey(), options: { networkId?: string; maxFrameBytes?: number } = {}) {
  const accepted: Promise<Link>[] = [];
  const server = createServer((socket) => {
    const link = accept(socket, { key, networkId: options.networkId ?? networkId, ...(options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes }) });
    link.catch(() => undefined);
    accepted.push(link);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return { key, port, accepted };
}

const socketTo = (port: number): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => resolve(socket));
    socket.on("error", reject);
  });

async function first(link: Link): Promise<Uint8Array | undefined> {
  for await (const payload of link) return payload;
  return undefined;
}

describe("links over TCP", () => {
  it("authenticate both peers and carry frames both ways, in order", async () => {
    const server = await listen();
    const client = generatePeerKey();
    const link = await dial(await socketTo(server.port), { key: client, networkId, expectedPeer: server.key.id });
    const remote = await server.accepted[0]!;
    expect(link.peerId).toBe(server.key.id);
    expect(remote.peerId).toBe(client.id);
    for (let i = 0; i < 100; i++) link.send(Uint8Array.of(i));
    const got: number[] = [];
    for await (const payload of remote) {
      got.push(payload[0]!);
      if (got.length === 100) break;
    }
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i));
    remote.send(new TextEncoder().encode("pong"));
    expect(new TextDecoder().decode(await first(link))).toBe("pong");
  });

  it("refuse a listener that is not the peer dialled", async () => {
    const server = await listen();
    const error = await dial(await socketTo(server.port), { key: generatePeerKey(), networkId, expectedPeer: generatePeerKey().id }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LinkError);
    expect((error as LinkError).code).toBe("peer-id-mismatch");
  });

  it("refuse a dialer of another network", async () => {
    const server = await listen();
    const dialing = dial(await socketTo(server.port), { key: generatePeerKey(), networkId: toHex(id("other")), expectedPeer: server.key.id }).catch((e: unknown) => e);
    const refused = await server.accepted[0]!.catch((e: unknown) => e);
    expect((refused as LinkError).code).toBe("network-mismatch");
    expect(await dialing).toBeInstanceOf(LinkError);
  });

  it("close only the connection that sends an altered frame, or an oversized one", async () => {
    const server = await listen(generatePeerKey(), { maxFrameBytes: 1024 });
    const good = await dial(await socketTo(server.port), { key: generatePeerKey(), networkId, expectedPeer: server.key.id });
    const badSocket = await socketTo(server.port);
    await dial(badSocket, { key: generatePeerKey(), networkId, expectedPeer: server.key.id });
    const remoteGood = await server.accepted[0]!;
    const remoteBad = await server.accepted[1]!;
    badSocket.write(encodeFrame(new Uint8Array(40))); // not encrypted under the session key
    await first(remoteBad);
    expect(remoteBad.closeReason?.code).toBe("decrypt-failed");
    good.send(Uint8Array.of(42));
    expect(await first(remoteGood)).toEqual(Uint8Array.of(42));

    const bigSocket = await socketTo(server.port);
    await dial(bigSocket, { key: generatePeerKey(), networkId, expectedPeer: server.key.id });
    const remoteBig = await server.accepted[2]!;
    const header = new Uint8Array(4);
    new DataView(header.buffer).setUint32(0, 1_000_000, true);
    bigSocket.write(header);
    await first(remoteBig);
    expect(remoteBig.closeReason?.code).toBe("frame-too-large");
    good.send(Uint8Array.of(43));
    expect(await first(remoteGood)).toEqual(Uint8Array.of(43));
  });

  it("replays fail: the same ciphertext twice is refused", async () => {
    const server = await listen();
    const socket = await socketTo(server.port);
    const captured: Uint8Array[] = [];
    const write = socket.write.bind(socket);
    (socket as { write: (b: Uint8Array) => boolean }).write = (bytes: Uint8Array) => {
      captured.push(Uint8Array.from(bytes));
      return write(bytes);
    };
    const link = await dial(socket, { key: generatePeerKey(), networkId, expectedPeer: server.key.id });
    const remote = await server.accepted[0]!;
    const mark = captured.length;
    link.send(Uint8Array.of(1));
    expect(await first(remote)).toEqual(Uint8Array.of(1));
    write(Buffer.concat(captured.slice(mark))); // the same encrypted frame again (however it was written)
    await first(remote);
    expect(remote.closeReason?.code).toBe("decrypt-failed");
  });
});

describe("links over a coalescing transport", () => {
  /** An in-memory duplex pair that delivers everything written in one turn as a single chunk, as TCP may. */
  function coalescingPair() {
    type Listener = (chunk: Buffer) => void;
    interface FakeStream {
      readonly handlers: { data: Listener[]; end: (() => void)[] };
      bind(other: FakeStream): void;
      write(bytes: Uint8Array): boolean;
      end(): void;
      destroy(): void;
      on(event: string, listener: never): void;
    }
    const make = (): FakeStream => {
      const handlers: { data: Listener[]; end: (() => void)[] } = { data: [], end: [] };
      let pending: Buffer[] = [];
      let peer!: FakeStream;
      const stream: FakeStream = {
        handlers,
        bind(other: FakeStream) {
          peer = other;
        },
        write(bytes: Uint8Array) {
          if (pending.length === 0)
            setImmediate(() => {
              const chunk = Buffer.concat(pending);
              pending = [];
              for (const h of peer.handlers.data) h(chunk);
            });
          pending.push(Buffer.from(bytes));
          return true;
        },
        end() {},
        destroy() {},
        on(event: string, listener: never) {
          if (event === "data") handlers.data.push(listener);
          if (event === "end") handlers.end.push(listener);
        },
      };
      return stream;
    };
    const a = make();
    const b = make();
    a.bind(b);
    b.bind(a);
    return [a, b] as const;
  }

  it("deliver payloads the dialer sends at once, in the chunk that carries the handshake's end", async () => {
    const [dialerSide, listenerSide] = coalescingPair();
    const listenerKey = generatePeerKey();
    const networkId = toHex(id("coal"));
    const accepting = accept(listenerSide, { key: listenerKey, networkId });
    const dialer = await dial(dialerSide, { key: generatePeerKey(), networkId, expectedPeer: listenerKey.id });
    // Sent in the same turn as the handshake's finish: both reach the listener in one chunk.
    dialer.send(Buffer.from("first"));
    dialer.flush();
    const listener = await accepting;
    const received: string[] = [];
    listener.receive((payload) => received.push(Buffer.from(payload).toString()), () => {});
    dialer.send(Buffer.from("second"));
    await new Promise((r) => setTimeout(r, 20));
    expect(received).toEqual(["first", "second"]);
    expect(listener.closeReason).toBeUndefined();
  });
});
