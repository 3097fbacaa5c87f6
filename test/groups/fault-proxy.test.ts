// The fault-injecting proxy the real-process tests put between members (test/support/fault-proxy.ts):
// it learns who dialled from the link handshake, and each mode does what it says — delay holds
// messages back in order, drop closes links and refuses new ones, blackhole swallows them, and
// healing lets the nodes link again.
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { Network, peerKeyFromSeed, type TcpNode } from "@coal/runtime/net";
import { FaultNetwork } from "../support/fault-proxy.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Two nodes, each advertising its proxy; `a` sends numbered messages to `b` on a channel. */
async function pair() {
  const seeds = [randomBytes(32), randomBytes(32)];
  const ids = seeds.map((seed) => peerKeyFromSeed(seed).id) as [string, string];
  const faults = await FaultNetwork.start(ids);
  cleanups.push(() => faults.close());
  const nodes: TcpNode[] = [];
  for (const [i, seed] of seeds.entries()) {
    const other = ids[1 - i]!;
    const node = await Network.tcp({ secretKey: seed, advertise: faults.address(ids[i]!), bootstrap: [{ id: other, address: faults.address(other) }] });
    faults.target(ids[i]!, Number(node.boundAddress.split(":")[1]));
    cleanups.push(() => node.close());
    nodes.push(node);
  }
  const [a, b] = nodes as [TcpNode, TcpNode];
  const received: { n: number; at: number }[] = [];
  b.channel("t").receive((_, message) => received.push({ n: message[0]!, at: performance.now() }));
  const channel = a.channel("t");
  let n = 0;
  /** Sends until one message gets through (dialling as needed), then returns how many were sent. */
  const connected = async () => {
    const before = received.length;
    for (let i = 0; i < 400 && received.length === before; i++) {
      channel.send(b.id, Uint8Array.of(n++ % 256));
      await new Promise((r) => setTimeout(r, 10));
    }
    return received.length > before;
  };
  return { faults, a, b, channel, received, connected, ids };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the fault proxy", () => {
  it("passes, delays in order, drops, blackholes, and heals", async () => {
    const { faults, b, channel, received, connected, ids } = await pair();
    expect(await connected()).toBe(true);
    // Both nodes dialled each other; let them settle on one link before timing anything.
    await sleep(300);
    expect(await connected()).toBe(true);
    expect(faults.stats.identified).toBeGreaterThanOrEqual(1);

    // Delay: messages arrive no sooner than the delay, and in order.
    faults.setAll({ kind: "delay", ms: 80, jitterMs: 40 });
    const sentAt = performance.now();
    const from = received.length;
    for (let i = 0; i < 5; i++) {
      channel.send(b.id, Uint8Array.of(200 + i));
      await sleep(5);
    }
    for (let i = 0; i < 100 && received.length < from + 5; i++) await sleep(10);
    const late = received.slice(from);
    expect(late.map((r) => r.n)).toEqual([200, 201, 202, 203, 204]);
    expect(late[0]!.at - sentAt).toBeGreaterThanOrEqual(75);
    faults.heal();

    // Drop (a partition of b): the link is cut and cannot be made again until healed.
    const cutBefore = faults.stats.cut;
    faults.isolate(ids[1]);
    await sleep(100);
    expect(faults.stats.cut).toBeGreaterThan(cutBefore);
    const partitioned = received.length;
    for (let i = 0; i < 20; i++) {
      channel.send(b.id, Uint8Array.of(1));
      await sleep(10);
    }
    expect(received.length).toBe(partitioned);
    faults.heal();
    expect(await connected()).toBe(true);

    // Blackhole: bytes vanish; healing closes the corrupted connection and the nodes link again.
    faults.set(ids[0], ids[1], { kind: "blackhole" });
    const swallowed = received.length;
    for (let i = 0; i < 20; i++) {
      channel.send(b.id, Uint8Array.of(2));
      await sleep(10);
    }
    expect(received.length).toBe(swallowed);
    expect(faults.stats.discarded).toBeGreaterThan(0);
    faults.heal();
    expect(await connected()).toBe(true);
  });
});
