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
