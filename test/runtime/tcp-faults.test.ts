// The TCP network under the faults real processes meet (found building the kill -9 test of
// test/groups/kill9.test.ts): a peer that restarts on the same identity is believed at once, and
// a connection that never completes its handshake — a hung peer, a blackholed path, something
// else listening there — neither blocks dialling that peer again nor holds a socket for ever.
import { randomBytes } from "node:crypto";
import { createServer, connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Network, peerKeyFromSeed, type TcpNode } from "@coal/runtime/net";

const nodes: TcpNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});
async function start(options: Parameters<typeof Network.tcp>[0] = {}): Promise<TcpNode> {
  const node = await Network.tcp(options);
  nodes.push(node);
  return node;
}
const until = async (condition: () => boolean, ms: number) => {
  for (const deadline = Date.now() + ms; !condition() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 10));
  return condition();
};

describe("tcp network faults", () => {
  it("believes a restarted peer's entry at once, though its previous run announced more versions", async () => {
    const hub = await start();
    const secretKey = randomBytes(32);
    const first = await start({ secretKey, bootstrap: [{ id: hub.id, address: hub.address }] });
    // A long-lived run re-announces (and changes tickets) many times: its versions climb.
    for (let i = 0; i < 5; i++) first.setTickets([{ class: "test", data: Uint8Array.of(i) }]);
    expect(await until(() => hub.ticketsOf(first.id)[0]?.data[0] === 4, 2000)).toBe(true);
    await first.close();
    nodes.splice(nodes.indexOf(first), 1);

    // The same identity starts again elsewhere (another port) with other tickets.
    const again = await start({ secretKey, bootstrap: [{ id: hub.id, address: hub.address }] });
    again.setTickets([{ class: "test", data: Uint8Array.of(9) }]);
    expect(again.address).not.toBe(first.address);
    // Well within the entry's time to live (30 s), the hub has the new address and tickets.
    expect(await until(() => hub.entries.get(again.id)?.address === again.address, 2000)).toBe(true);
    expect(hub.ticketsOf(again.id)[0]?.data[0]).toBe(9);
  });

  it("gives up a dial whose handshake never completes, and dials again", async () => {
    // A tarpit: accepts connections, reads what comes and never answers.
    const sockets: Socket[] = [];
    let hungUp = 0;
    const tarpit = createServer((socket) => {
      sockets.push(socket);
      socket.on("close", () => hungUp++);
      socket.on("error", () => {});
      socket.resume();
    });
    await new Promise<void>((resolve) => tarpit.listen(0, "127.0.0.1", resolve));
    const address = `127.0.0.1:${(tarpit.address() as { port: number }).port}`;
    try {
      const peer = peerKeyFromSeed(randomBytes(32)).id;
      await start({ bootstrap: [{ id: peer, address }], handshakeTimeoutMs: 200 });
      expect(await until(() => sockets.length >= 1, 2000)).toBe(true);
      // The first attempt is abandoned (its socket closed) and another made.
      expect(await until(() => hungUp >= 1, 2000)).toBe(true);
      expect(await until(() => sockets.length >= 2, 2000)).toBe(true);
    } finally {
      for (const socket of sockets) socket.destroy();
      tarpit.close();
    }
  });

  it("closes an inbound connection that never completes its handshake", async () => {
    const node = await start({ handshakeTimeoutMs: 200 });
    const [host, port] = [node.boundAddress.split(":")[0]!, Number(node.boundAddress.split(":")[1])];
    const socket = connect(port, host);
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.on("error", () => {});
    try {
      await new Promise((resolve) => socket.once("connect", resolve));
      // Say nothing: the node hangs up after its handshake timeout.
      const started = Date.now();
      expect(await Promise.race([closed.then(() => "closed"), new Promise((r) => setTimeout(() => r("still open"), 3000))])).toBe("closed");
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      socket.destroy();
    }
  });
});

describe("link keepalive", () => {
  /** A producer reached through a fault proxy (it advertises the proxy), and a consumer of it. */
  async function producerBehindProxy(keepAlive: { intervalMs: number; silentMs: number } | false) {
    const { FaultNetwork } = await import("../support/fault-proxy.js");
    const seeds = [randomBytes(32), randomBytes(32)];
    const ids = seeds.map((seed) => peerKeyFromSeed(seed).id) as [string, string];
    const faults = await FaultNetwork.start(ids);
    const producerNode = await start({ secretKey: seeds[0], advertise: faults.address(ids[0]), keepAlive });
    faults.target(ids[0], Number(producerNode.boundAddress.split(":")[1]));
    const consumerNode = await start({ secretKey: seeds[1], advertise: faults.address(ids[1]), bootstrap: [{ id: ids[0], address: faults.address(ids[0]) }], keepAlive });
    faults.target(ids[1], Number(consumerNode.boundAddress.split(":")[1]));
    const stream = "ab".repeat(32);
    const producer = producerNode.produce(stream);
    const consumer = consumerNode.consume(stream);
    return { faults, ids, producer, consumer, close: () => faults.close() };
  }

  it("closes a link whose peer went silent (a blackholed path), with the reason, and links again once the path heals", async () => {
    const { faults, ids, producer, consumer, close } = await producerBehindProxy({ intervalMs: 100, silentMs: 600 });
    try {
      expect(await until(() => consumer.stats().producers === 1, 5000)).toBe(true);
      // The path swallows everything both ways, without closing anything: a vanished host.
      faults.isolate(ids[0], { kind: "blackhole" });
      expect(await until(() => consumer.stats().producers === 0, 5000)).toBe(true);
      expect(consumer.stats().disconnections.map((d) => d.rejection.code)).toContain("peer-silent");
      faults.heal();
      expect(await until(() => consumer.stats().producers === 1, 10_000)).toBe(true);
      const received: number[] = [];
      void (async () => {
        for await (const datum of consumer) received.push(datum[0]!);
      })();
      for (let i = 0; i < 50 && received.length === 0; i++) {
        await producer.send(Uint8Array.of(7));
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(received).toContain(7);
    } finally {
      await close();
    }
  });

  it("keeps an idle link open: the empty frames count as hearing from the peer", async () => {
    const { consumer, close } = await producerBehindProxy({ intervalMs: 100, silentMs: 400 });
    try {
      expect(await until(() => consumer.stats().producers === 1, 5000)).toBe(true);
      await new Promise((r) => setTimeout(r, 1500)); // nearly four silent periods, no data
      expect(consumer.stats().producers).toBe(1);
      expect(consumer.stats().disconnections).toEqual([]);
    } finally {
      await close();
    }
  });

  it("without keepalive, a blackholed link is believed open (what keepalive is for)", async () => {
    const { faults, ids, consumer, close } = await producerBehindProxy(false);
    try {
      expect(await until(() => consumer.stats().producers === 1, 5000)).toBe(true);
      faults.isolate(ids[0], { kind: "blackhole" });
      await new Promise((r) => setTimeout(r, 1500));
      expect(consumer.stats().producers).toBe(1);
    } finally {
      await close();
    }
  });
});
