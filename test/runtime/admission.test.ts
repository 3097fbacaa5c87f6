// Admission end to end on the embedded network, through the golden scenario's generated
// bindings: prophet's forecasts are admitted by ReputationFloor & MarketSettlement & an issuer's
// ticket, judged from local books of accuracy_reputation's cards and forecasting_market's
// allocations. Refusals carry their reason; a refused peer that becomes eligible is admitted.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fromHex, parseDecimal } from "@coal/runtime/identity";
import { all, any, Book, freshness, generatePeerKey, issuer, issueTicket, marketSettlement, Network, reputationFloor, type Peer } from "@coal/runtime/net";
import { repoRoot, sharedRoot } from "../support/files.js";
import { coalc } from "../support/cli.js";

const scratch = join(repoRoot, ".tmp", `admission-${process.pid}`);
mkdirSync(scratch, { recursive: true });
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function goldenBindings() {
  const golden = readFileSync(join(sharedRoot, "testdata/golden/forecasters.coal"), "utf8");
  const run = await coalc(["build", "ws/forecasters.coal"], { files: { "ws/package.json": "{}", "ws/forecasters.coal": golden } });
  const file = join(scratch, "forecasters.ts");
  writeFileSync(file, run.host.readFile("ws/coal-out/forecasters.ts"));
  return import(file);
}

const settle = new Uint8Array(32).fill(7);
const window = { first: 0n, last: 10n };
const forecast = { subject: "rain", horizon: 1, distribution: [1], evidence: { source: new Uint8Array(32), surface: new Uint8Array(32), seq: 1n, commit: new Uint8Array(32) } };

async function settled(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
}

describe("admission through generated bindings", () => {
  it("refuses each ineligible consumer with its reason, and admits one that becomes eligible", async () => {
    const b = await goldenBindings();
    const net = Network.memory();
    const ops = generatePeerKey();
    const [good, lowScore, unsettled, expired] = [net.join(), net.join(), net.join(), net.join()] as Peer[];
    const now = Date.now();
    for (const peer of [good!, lowScore!, unsettled!]) peer.setTickets([issueTicket(ops, peer.id, now + 60_000)]);
    expired!.setTickets([issueTicket(ops, expired!.id, now - 1)]);

    // The organisms' surfaces, followed into local books.
    const cards = new Book<{ subject: Uint8Array; window: typeof window; score: { mantissa: bigint; scale: number } }>();
    const allocations = new Book<{ consumer: Uint8Array; settlement: Uint8Array }>();
    void cards.follow(b.accuracy_reputation.cards.subscribe(net.join()));
    void allocations.follow(b.forecasting_market.allocations.subscribe(net.join()));
    const cardProducer = b.accuracy_reputation.cards.producer(net.join());
    const allocationProducer = b.forecasting_market.allocations.producer(net.join());
    for (const [peer, score] of [[good!, "0.9"], [lowScore!, "0.3"], [unsettled!, "0.8"], [expired!, "0.8"]] as const) {
      await cardProducer.send({ subject: fromHex(peer.id), window, score: parseDecimal(score) });
    }
    for (const peer of [good!, lowScore!, expired!]) await allocationProducer.send({ market: new Uint8Array(32), provider: new Uint8Array(32), consumer: fromHex(peer.id), units: 1n, settlement: settle });
    await settled(() => cards.entries.length === 4 && allocations.entries.length === 3);

    const signature = b.ids.citizens.prophet.admissionSignature;
    const admission = all(
      reputationFloor({ signature, cards, floor: parseDecimal("0.55"), windowTicks: 30n }),
      marketSettlement({ signature, allocations }),
      issuer({ signature, root: ops.id }),
    );
    const producer = b.prophet.forecasts.producer(net.join(), { validators: admission });
    const subscriptions = [good!, lowScore!, unsettled!, expired!].map((peer) => b.prophet.forecasts.subscribe(peer));
    const reasons = subscriptions.map((s: { stats(): { refusals: { rejection: { code: string } }[] } }) => s.stats().refusals.map((r) => r.rejection.code));
    expect(reasons).toEqual([[], ["reputation-below-floor"], ["no-settlement"], ["ticket-expired"]]);
    expect(producer.stats().consumers).toBe(1);

    // The unsettled consumer's allocation settles: it is admitted, and receives what follows.
    await allocationProducer.send({ market: new Uint8Array(32), provider: new Uint8Array(32), consumer: fromHex(unsettled!.id), units: 1n, settlement: settle });
    await settled(() => producer.stats().consumers === 2);
    expect(producer.stats().consumers).toBe(2);
    await producer.send(forecast);
    for await (const received of subscriptions[2]) {
      expect(received).toEqual(forecast);
      break;
    }

    // The expired consumer gets a fresh ticket: admitted too.
    expired!.setTickets([issueTicket(ops, expired!.id, Date.now() + 60_000)]);
    // `good`, and now `expired` (the `unsettled` subscription closed when the loop above broke).
    expect(producer.stats().consumers).toBe(2);
    expect(producer.stats().refused).toMatchObject({ "reputation-below-floor": 1, "no-settlement": 1, "ticket-expired": 1 });
  });

  it("drops an admitted consumer when its ticket expires", async () => {
    const net = Network.memory();
    const ops = generatePeerKey();
    const consumerPeer = net.join();
    consumerPeer.setTickets([issueTicket(ops, consumerPeer.id, Date.now() + 30)]);
    const producer = net.join().produce("s", { validators: issuer({ signature: "", root: ops.id }) });
    const consumer = consumerPeer.consume("s");
    expect(producer.stats().consumers).toBe(1);
    await settled(() => producer.stats().consumers === 0);
    expect(consumer.stats().disconnections.map((d) => d.rejection.code)).toEqual(["ticket-expired"]);
  });

  it("Freshness admits while the peer organism keeps committing, and expires with its last commit", async () => {
    const net = Network.memory();
    const commits = new Book<unknown>();
    const producer = net.join().produce("s", { validators: freshness({ signature: "", commits, ageMs: 40 }) });
    const early = net.join().consume("s");
    expect(early.stats().refusals.map((r) => r.rejection.code)).toEqual(["peer-not-fresh"]);
    commits.observe("commit 1");
    expect(producer.stats().consumers).toBe(1);
    await settled(() => producer.stats().consumers === 0);
    expect(early.stats().disconnections.map((d) => d.rejection.code)).toEqual(["peer-not-fresh"]);
  });

  it("any() admits when one operand does, and names the first refusal when none does", () => {
    const net = Network.memory();
    const ops = generatePeerKey();
    const stale = new Book<unknown>();
    const either = any(freshness({ signature: "", commits: stale, ageMs: 1000 }), issuer({ signature: "", root: ops.id }));
    const producer = net.join().produce("s", { validators: either });
    const withTicket = net.join();
    withTicket.setTickets([issueTicket(ops, withTicket.id, Date.now() + 60_000)]);
    withTicket.consume("s");
    const without = net.join().consume("s");
    expect(producer.stats().consumers).toBe(1);
    expect(without.stats().refusals.map((r) => r.rejection.code)).toEqual(["peer-not-fresh"]);
  });

  it("uses the admission the bindings build from the manifest", async () => {
    const source = [
      'import { ReputationCard, Allocation } from "std/types"',
      'import { ReputationFloor, MarketSettlement } from "std/validators"',
      'organism rep { instance: "t.rep"  stream cards: ReputationCard }',
      'organism market { instance: "t.market"  stream allocations: Allocation }',
      "organism agent {",
      '  instance: "t.agent"',
      "  stream signals: ReputationCard",
      "  admission: ReputationFloor(rep, floor: 0.5, window: 10 ticks) & MarketSettlement(market)",
      "}",
      'coalition c { name: "t.c"  organisms: [agent, rep, market] }',
      "",
    ].join("\n");
    const run = await coalc(["build", "ws/t.coal"], { files: { "ws/package.json": "{}", "ws/t.coal": source } });
    expect(run.stderr).toMatch(/^coalc: wrote/);
    const file = join(scratch, "t.ts");
    writeFileSync(file, run.host.readFile("ws/coal-out/c.ts"));
    const b = await import(file);
    const net = Network.memory();
    const judge = net.join();
    const producer = b.agent.signals.producer(judge, { validators: b.agent.admission(judge) });
    const [good, poor] = [net.join(), net.join()];
    const cards = b.rep.cards.producer(net.join());
    const allocations = b.market.allocations.producer(net.join());
    await cards.subscribed(1);
    await allocations.subscribed(1);
    await cards.send({ subject: fromHex(good.id), window, score: parseDecimal("0.7") });
    await cards.send({ subject: fromHex(poor.id), window, score: parseDecimal("0.2") });
    for (const peer of [good, poor]) await allocations.send({ market: new Uint8Array(32), provider: new Uint8Array(32), consumer: fromHex(peer.id), units: 1n, settlement: settle });
    await new Promise((resolve) => setTimeout(resolve, 20)); // the judge's books read what was sent
    const admitted = b.agent.signals.subscribe(good);
    const refused = b.agent.signals.subscribe(poor);
    await settled(() => producer.stats().consumers === 1 && refused.stats().refusals.length > 0);
    expect(admitted.stats().producers).toBe(1);
    expect(refused.stats().refusals.map((r: { rejection: { code: string } }) => r.rejection.code)).toEqual(["reputation-below-floor"]);
  });
});
