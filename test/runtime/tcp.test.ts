// The TCP network: gossip from a bootstrap peer lets a consumer find a producer it was never
// told about; admission refusals carry their reason across the wire; a producer that goes away
// and comes back (same identity, same address) is found again.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { repoRoot } from "../support/files.js";
import { afterEach, describe, expect, it } from "vitest";
import { id, toHex } from "@coal/runtime/identity";
import fc from "fast-check";
import { connect } from "node:net";
import { dial, generatePeerKey, issuer, issueTicket, Network, type TcpNode } from "@coal/runtime/net";

const nodes: TcpNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});
async function start(options: Parameters<typeof Network.tcp>[0] = {}): Promise<TcpNode> {
  const node = await Network.tcp({ entryTtlMs: 3000, ...options });
  nodes.push(node);
  return node;
}
const streamId = toHex(id("coal.test.stream"));

async function collect(consumer: AsyncIterable<Uint8Array>, n: number): Promise<number[]> {
  const out: number[] = [];
  for await (const datum of consumer) {
    out.push(datum[0]!);
    if (out.length === n) break;
  }
  return out;
}

describe("tcp network", () => {
  it("finds a producer by gossip through a bootstrap peer and delivers in order", async () => {
    const hub = await start();
    const bootstrap = [{ id: hub.id, address: hub.address }];
    const producerNode = await start({ bootstrap });
    const producer = producerNode.produce(streamId);
    const consumerNode = await start({ bootstrap });
    const consumer = consumerNode.consume(streamId);
    await producer.subscribed(1);
    for (let i = 0; i < 50; i++) await producer.send(Uint8Array.of(i));
    expect(await collect(consumer, 50)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it("carries an admission refusal's reason to the consumer", async () => {
    const hub = await start();
    const bootstrap = [{ id: hub.id, address: hub.address }];
    const producerNode = await start({ bootstrap });
    const producer = producerNode.produce(streamId, { require: (peer) => (peer.tags.has("settled") ? undefined : { code: "market-settlement", message: "no settled allocation" }) });
    const refused = (await start({ bootstrap })).consume(streamId);
    const admitted = (await start({ bootstrap, tags: ["settled"] })).consume(streamId);
    await producer.subscribed(1);
    for (let i = 0; i < 100 && refused.stats().refusals.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(refused.stats().refusals.map((r) => r.rejection.code)).toEqual(["market-settlement"]);
    await producer.send(Uint8Array.of(9));
    expect(await collect(admitted, 1)).toEqual([9]);
    expect(producer.stats().refused).toEqual({ "market-settlement": 1 });
  });

  it("reconnects when a producer comes back on the same identity and address", async () => {
    const secretKey = randomBytes(32);
    const first = await start({ secretKey });
    const port = Number(first.address.split(":")[1]);
    const consumerNode = await start({ bootstrap: [{ id: first.id, address: first.address }] });
    let producer = first.produce(streamId);
    const consumer = consumerNode.consume(streamId);
    await producer.subscribed(1);
    await producer.send(Uint8Array.of(1));
    const received: number[] = [];
    const reading = (async () => {
      for await (const datum of consumer) {
        received.push(datum[0]!);
        if (received.length === 2) break;
      }
    })();
    for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await first.close();
    nodes.splice(nodes.indexOf(first), 1);
    const again = await start({ secretKey, listen: { port } });
    producer = again.produce(streamId);
    await producer.subscribed(1);
    await producer.send(Uint8Array.of(2));
    await reading;
    expect(received).toEqual([1, 2]);
    expect(consumer.stats().disconnections.length).toBeGreaterThanOrEqual(1);
  }, 20_000);

  it("carries a stream between two OS processes", async () => {
    const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", join(repoRoot, "test/support/tcp-producer.ts"), streamId, "200"], { cwd: repoRoot, stdio: ["pipe", "pipe", "inherit"] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once("line", resolve);
        child.once("exit", (code) => reject(new Error(`the producer process exited (${code})`)));
      });
      const remote = JSON.parse(line) as { id: string; address: string };
      const consumerNode = await start({ bootstrap: [remote] });
      const consumer = consumerNode.consume(streamId);
      expect(await collect(consumer, 200)).toEqual(Array.from({ length: 200 }, (_, i) => i % 256));
    } finally {
      child.stdin!.end();
      child.kill();
    }
  }, 30_000);

  it("judges tickets carried in peer entries: a refused peer that gains a ticket is admitted, and dropped when it expires", async () => {
    const ops = generatePeerKey();
    const producerNode = await start();
    const producer = producerNode.produce(streamId, { validators: issuer({ signature: "", root: ops.id }) });
    const consumerNode = await start({ bootstrap: [{ id: producerNode.id, address: producerNode.address }] });
    const consumer = consumerNode.consume(streamId);
    for (let i = 0; i < 200 && consumer.stats().refusals.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(consumer.stats().refusals.map((r) => r.rejection.code)).toEqual(["ticket-missing"]);

    consumerNode.setTickets([issueTicket(ops, consumerNode.id, Date.now() + 400)]);
    await producer.subscribed(1);
    await producer.send(Uint8Array.of(5));
    const next = await consumer[Symbol.asyncIterator]().next(); // read without closing the consumer
    expect(next.value).toEqual(Uint8Array.of(5));

    for (let i = 0; i < 200 && consumer.stats().disconnections.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(consumer.stats().disconnections.map((d) => d.rejection.code)).toEqual(["ticket-expired"]);
    expect(producer.stats().consumers).toBe(0);
  }, 20_000);

  it("a reader that does not keep up loses datums (counted), never memory, and never stalls the others", async () => {
    const producerNode = await start();
    const bootstrap = [{ id: producerNode.id, address: producerNode.address }];
    const producer = producerNode.produce(streamId);
    const slow = (await start({ bootstrap })).consume(streamId, { capacity: 10 });
    const fast = (await start({ bootstrap })).consume(streamId);
    await producer.subscribed(2);
    const reading = collect(fast, 200);
    for (let i = 0; i < 200; i++) await producer.send(Uint8Array.of(i));
    expect(await reading).toEqual(Array.from({ length: 200 }, (_, i) => i));
    for (let i = 0; i < 100 && slow.stats().overflowed < 190; i++) await new Promise((r) => setTimeout(r, 10));
    expect(slow.stats().overflowed).toBe(190);
    expect(await collect(slow, 10)).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it("survives any message an authenticated peer sends, and keeps serving others (fuzzed)", async () => {
    const producerNode = await start();
    const producer = producerNode.produce(streamId);
    const [host, port] = [producerNode.address.split(":")[0]!, Number(producerNode.address.split(":")[1])];
    const hostile = async () => {
      const socket = connect(port, host);
      await new Promise((resolve) => socket.once("connect", resolve));
      return dial(socket, { key: generatePeerKey(), networkId: toHex(id("coal")), expectedPeer: producerNode.id });
    };
    let link = await hostile();
    const message = fc.oneof(
      fc.uint8Array({ maxLength: 80 }),
      fc.tuple(fc.integer({ min: 1, max: 6 }), fc.uint8Array({ maxLength: 80 })).map(([type, rest]) => Uint8Array.of(type, ...rest)),
      fc.jsonValue().map((value) => Uint8Array.of(1, ...Buffer.from(JSON.stringify([value, { id: "00".repeat(32), address: "x", tags: [], streams: [], tickets: [], version: 1, issuedAt: 1, signature: "00" }])))),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(message, { maxLength: 8 }), async (messages) => {
        if (link.closeReason !== undefined) link = await hostile();
        for (const m of messages) if (link.closeReason === undefined) link.send(m);
        await new Promise((r) => setImmediate(r));
      }),
      { numRuns: 60 },
    );
    // The node still serves an honest consumer.
    const consumer = (await start({ bootstrap: [{ id: producerNode.id, address: producerNode.address }] })).consume(streamId);
    await producer.subscribed(1);
    await producer.send(Uint8Array.of(77));
    expect(await collect(consumer, 1)).toEqual([77]);
  }, 30_000);

  it("heals a cut link: the consumer redials, resubscribes and keeps receiving", async () => {
    const producerNode = await start();
    const producer = producerNode.produce(streamId);
    const consumerNode = await start({ bootstrap: [{ id: producerNode.id, address: producerNode.address }] });
    const consumer = consumerNode.consume(streamId);
    const iterator = consumer[Symbol.asyncIterator]();
    await producer.subscribed(1);
    await producer.send(Uint8Array.of(1));
    expect((await iterator.next()).value).toEqual(Uint8Array.of(1));
    consumerNode.dropLink(producerNode.id);
    for (let i = 0; i < 200 && producer.stats().consumers !== 0; i++) await new Promise((r) => setTimeout(r, 5));
    await producer.subscribed(1);
    await producer.send(Uint8Array.of(2));
    expect((await iterator.next()).value).toEqual(Uint8Array.of(2));
    expect(consumer.stats().disconnections.map((d) => d.rejection.code)).toEqual(["closed"]);
  }, 20_000);
});
