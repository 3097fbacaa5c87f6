// Streams on the embedded network (spec 05): admission with reason codes, bounded queues with
// an explicit lagging policy, bounded backpressure, in-order delivery per pair, late producers,
// and typed subscriptions that count and drop what does not decode.
import { describe, expect, it } from "vitest";
import { codec, primitive, type RecordType } from "@coal/runtime/identity";
import { Network, stream, type Consumer } from "@coal/runtime/net";

const bytes = (n: number) => Uint8Array.of(n & 255, n >> 8);

async function take(consumer: AsyncIterable<Uint8Array>, n: number): Promise<number[]> {
  const out: number[] = [];
  if (n === 0) return out;
  for await (const datum of consumer) {
    out.push(datum[0]! | (datum[1]! << 8));
    if (out.length === n) break;
  }
  return out;
}

describe("memory streams", () => {
  it("deliver every datum, in order, to every admitted consumer", async () => {
    const net = Network.memory();
    const producer = net.join().produce("s");
    const consumers: Consumer[] = [net.join().consume("s"), net.join().consume("s")];
    await producer.subscribed(2);
    for (let i = 0; i < 300; i++) await producer.send(bytes(i));
    const expected = Array.from({ length: 300 }, (_, i) => i);
    for (const consumer of consumers) expect(await take(consumer, 300)).toEqual(expected);
    expect(producer.stats()).toMatchObject({ consumers: 0, sent: 300, dropped: 0 }); // `take` closed them
  });

  it("connect consumers to producers that appear later", async () => {
    const net = Network.memory();
    const consumer = net.join().consume("s");
    const producer = net.join().produce("s");
    await producer.subscribed(1);
    await producer.send(bytes(7));
    expect(await take(consumer, 1)).toEqual([7]);
  });

  it("refuse peers the admission rejects, with the reason, on both sides", async () => {
    const net = Network.memory();
    const producer = net.join().produce("s", { require: (peer) => (peer.tags.has("settled") ? undefined : { code: "market-settlement", message: "no settled allocation" }) });
    const refused = net.join().consume("s");
    const admitted = net.join({ tags: ["settled"] }).consume("s");
    expect(refused.stats().refusals.map((r) => r.rejection.code)).toEqual(["market-settlement"]);
    expect(admitted.stats().producers).toBe(1);
    expect(producer.stats().refused).toEqual({ "market-settlement": 1 });
  });

  it("refuse consumers beyond the maximum", () => {
    const net = Network.memory();
    const producer = net.join().produce("s", { maxConsumers: 1 });
    net.join().consume("s");
    const second = net.join().consume("s");
    expect(second.stats().refusals.map((r) => r.rejection.code)).toEqual(["max-consumers"]);
    expect(producer.stats().consumers).toBe(1);
  });

  it("do not let a slow consumer stall the others: its datums are dropped and counted", async () => {
    const net = Network.memory();
    const producer = net.join().produce("s", { capacity: 4, lagTimeoutMs: 5, lagging: "drop" });
    const fast = net.join().consume("s");
    const slow = net.join().consume("s"); // never read until the end
    const received = take(fast, 50);
    for (let i = 0; i < 50; i++) await producer.send(bytes(i));
    expect(await received).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(await take(slow, 4)).toEqual([0, 1, 2, 3]);
    expect(producer.stats().dropped).toBe(46);
  });

  it("disconnect a lagging consumer when the policy says so, naming the reason", async () => {
    const net = Network.memory();
    const producer = net.join().produce("s", { capacity: 2, lagTimeoutMs: 5, lagging: "disconnect" });
    const slow = net.join().consume("s");
    for (let i = 0; i < 3; i++) await producer.send(bytes(i));
    expect(slow.stats().disconnections.map((d) => d.rejection.code)).toEqual(["lagging"]);
    expect(producer.stats()).toMatchObject({ consumers: 0, disconnected: 1 });
    expect(await take(slow, 2)).toEqual([0, 1]); // what was queued before is still delivered
  });

  it("apply backpressure: send waits for a full consumer that catches up", async () => {
    const net = Network.memory();
    const producer = net.join().produce("s", { capacity: 1, lagTimeoutMs: 10_000 });
    const consumer = net.join().consume("s");
    await producer.send(bytes(1));
    let second = false;
    const sending = producer.send(bytes(2)).then(() => (second = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(second).toBe(false);
    expect(await take(consumer, 2)).toEqual([1, 2]);
    await sending;
    expect(producer.stats().dropped).toBe(0);
  });
});

describe("typed streams", () => {
  const Reading: RecordType = { kind: "record", name: "Reading", fields: [{ name: "label", type: primitive("string") }, { name: "value", type: primitive("u32") }] };
  const readings = stream<{ label: string; value: number }>("readings", codec(Reading));

  it("decode values, and count and drop datums that do not decode", async () => {
    const net = Network.memory();
    const subscription = readings.subscribe(net.join());
    const typed = readings.producer(net.join());
    const raw = net.join().produce("readings");
    await typed.subscribed(1);
    await raw.subscribed(1);
    await raw.send(Uint8Array.of(1, 2, 3));
    await typed.send({ label: "a", value: 1 });
    await typed.send({ label: "b", value: 2 });
    const values: { label: string; value: number }[] = [];
    for await (const value of subscription) {
      values.push(value);
      if (values.length === 2) break;
    }
    expect(values).toEqual([
      { label: "a", value: 1 },
      { label: "b", value: 2 },
    ]);
    expect(subscription.stats().undecodable).toEqual({ "field-count": 1 });
  });
});
