// The coalition modules' behaviour (spec 06): the Almanac's seq never repeats or goes back across
// leader kills and restarts; tampering with any Chronicle entry is detected at that entry; the
// Atlas resolves successor chains.
import { mkdtempSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { walStore } from "@coal/runtime/groups";
import { Network, type Peer } from "@coal/runtime/net";
import { Almanac, Atlas, Chronicle, codecs, entryHash, verifyChronicle, type ChronicleEntry, type MemberCard } from "@coal/runtime/services";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const fast = { tickMs: 10, electionTicks: 10 };
const ticksStream = "aa".repeat(32);

/** Reads ticks off the stream, keeping them in arrival order. */
function collectTicks(peer: Peer): bigint[] {
  const seen: bigint[] = [];
  void (async () => {
    for await (const bytes of peer.consume(ticksStream)) seen.push(codecs.AlmanacTick.decode(bytes).seq);
  })();
  return seen;
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("Almanac", () => {
  it("ticks with seq strictly increasing across leader kills and a restart of the whole committee", async () => {
    const root = mkdtempSync(join(tmpdir(), "coal-almanac-"));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const seeds = [0, 1, 2, 3].map(() => randomBytes(32));
    const net = Network.memory();
    const peers = seeds.map((secretKey) => net.join({ secretKey }));
    const members = peers.slice(0, 3).map((p) => p.id);
    const start = async (i: number) => Almanac.start({ key: "almanac-test", ticks: ticksStream, peer: peers[i]!, members, cadenceMs: 25, store: await walStore(join(root, String(i))), ...fast });
    const ticks = collectTicks(peers[3]!);
    let almanacs = await Promise.all([0, 1, 2].map(start));
    await until(() => ticks.length >= 5);

    // Kill the leader twice; the others carry on.
    for (let kill = 0; kill < 2; kill++) {
      const leader = almanacs.findIndex((a) => a.group.status().role === "leader");
      expect(leader).toBeGreaterThanOrEqual(0);
      const before = ticks.length;
      await almanacs[leader]!.stop();
      await until(() => ticks.length >= before + 5);
      almanacs[leader] = await start(leader);
    }
    // Every member stops; the committee comes back from its logs and continues the count.
    const highest = ticks[ticks.length - 1]!;
    await Promise.all(almanacs.map((a) => a.stop()));
    almanacs = await Promise.all([0, 1, 2].map(start));
    cleanups.push(() => Promise.all(almanacs.map((a) => a.stop())).then(() => {}));
    await until(() => ticks[ticks.length - 1]! > highest + 3n);

    // Ticks seen by a consumer never repeat and never go back (a consumer keeps the highest).
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]!).toBeGreaterThan(ticks[i - 1]!);
    expect(almanacs.some((a) => a.published > 0)).toBe(true);
  });
});

describe("Chronicle", () => {
  async function chronicle(entries: number): Promise<{ writers: Chronicle[]; log: readonly ChronicleEntry[]; head: Uint8Array }> {
    const net = Network.memory();
    const peers = [net.join(), net.join(), net.join()];
    const writers = await Promise.all(peers.map((peer) => Chronicle.open({ key: "chronicle-test", peer, writers: peers.map((p) => p.id), ...fast })));
    cleanups.push(() => Promise.all(writers.map((w) => w.close())).then(() => {}));
    await Promise.all(Array.from({ length: entries }, (_, i) => writers[i % 3]!.append({ kind: i % 2 === 0 ? "Publication" : "Other", tag: i % 2 === 0 ? "forecast" : "agent-heartbeat", body: Buffer.from(`entry ${i}`) })));
    // Every member catches up with the most advanced one (any member's own view may lag).
    const latest = Math.max(...writers.map((w) => w.version));
    for (const w of writers) await w.group.when().reaches(latest);
    return { writers, log: writers[1]!.entries, head: writers[2]!.head };
  }

  it("keeps one chain whatever member appends, and it verifies", async () => {
    const { writers, log, head } = await chronicle(12);
    expect(log.map((e) => e.seq)).toEqual(Array.from({ length: 12 }, (_, i) => BigInt(i + 1)));
    expect(verifyChronicle(log, head)).toEqual({ ok: true, head });
    for (const w of writers) expect(Buffer.from(w.head).equals(Buffer.from(head))).toBe(true);
    expect(log[0]!.prev).toEqual(new Uint8Array(32));
    expect(log[5]!.prev).toEqual(entryHash(log[4]!));
  });

  it("detects tampering with any field of any entry at that entry", async () => {
    const { log, head } = await chronicle(6);
    const tampers: [string, (e: ChronicleEntry) => ChronicleEntry][] = [
      ["tag", (e) => ({ ...e, tag: e.tag + "!" })],
      ["body", (e) => ({ ...e, body: Buffer.concat([e.body, Buffer.of(0)]) })],
      ["kind", (e) => ({ ...e, kind: { kind: e.kind.kind === "Rotation" ? "Retirement" : "Rotation" } })],
      ["prev", (e) => ({ ...e, prev: randomBytes(32) })],
      ["seq", (e) => ({ ...e, seq: e.seq + 7n })],
      ["evidence", (e) => ({ ...e, evidence: [{ source: new Uint8Array(32), surface: new Uint8Array(32), seq: 1n, commit: new Uint8Array(32) }] })],
    ];
    for (let at = 0; at < log.length; at++) {
      for (const [field, tamper] of tampers) {
        const copy = log.map((e, i) => (i === at ? tamper(e) : e));
        const verdict = verifyChronicle(copy, head);
        expect(verdict.ok, `${field} of entry ${at + 1}`).toBe(false);
        if (!verdict.ok) expect(verdict.index, `${field} of entry ${at + 1}`).toBe(at);
      }
    }
  });
});

describe("Atlas", () => {
  it("resolves a stable id through a successor chain of length 3 to the live successor, and reports cycles", async () => {
    const net = Network.memory();
    const peers = [net.join(), net.join(), net.join()];
    const atlases = await Promise.all(peers.map((peer) => Atlas.open({ key: "atlas-test", peer, writers: peers.map((p) => p.id), ...fast })));
    cleanups.push(() => Promise.all(atlases.map((a) => a.close())).then(() => {}));
    const ids = [0, 1, 2, 3].map(() => new Uint8Array(randomBytes(32)));
    const card = (citizen: Uint8Array): MemberCard => ({ citizen, role: "prophet", endpoint_hints: [], tdx_pins: [], status: { kind: "Active" } });
    await atlases[0]!.register(card(ids[0]!));
    const ref = (id: Uint8Array) => ({ stable_id: id });
    for (let i = 0; i < 3; i++) {
      await atlases[i]!.register(card(ids[i + 1]!));
      await atlases[i]!.retire({ retiring: ref(ids[i]!), replacement: ref(ids[i + 1]!), reason: { kind: "Superseded" }, at: BigInt(i), evidence: [] });
    }
    const reader = atlases[2]!;
    await reader.cards.when().reaches(atlases[2]!.cards.version);
    for (const a of atlases) await a.cards.when().reaches(Math.max(...atlases.map((x) => x.cards.version)));
    const resolved = reader.resolve(ids[0]!);
    expect(resolved.ok).toBe(true);
    if (resolved.ok) {
      expect(Buffer.from(resolved.card.citizen).equals(Buffer.from(ids[3]!))).toBe(true);
      expect(resolved.chain).toHaveLength(4);
    }
    expect(reader.resolve(new Uint8Array(32)).ok).toBe(false);
    // A cycle (a bad hint) is reported, not looped on.
    await atlases[0]!.retire({ retiring: ref(ids[3]!), replacement: ref(ids[1]!), reason: { kind: "Other", detail: "loop" }, at: 9n, evidence: [] });
    await reader.cards.when().reaches(atlases[0]!.cards.version);
    expect(reader.resolve(ids[0]!)).toMatchObject({ ok: false, reason: "cycle" });
  });
});

describe("Compute", () => {
  it("grants only to providers whose quote verifies and whose capacity fits, and the requester checks the grant", async () => {
    const { Compute, ComputeRefused, imageHash, verifyGrant } = await import("@coal/runtime/services");
    const { testPki, synthQuote, testEpoch } = await import("../support/tdx-synth.js");
    const pki = testPki();
    const mrtd = new Uint8Array(48).fill(0x5a);
    const goodQuote = synthQuote({ pki, mrTd: mrtd });
    const strangerQuote = synthQuote({ pki: testPki(), mrTd: mrtd }); // another root: not trusted
    const net = Network.memory();
    const peers = [net.join(), net.join(), net.join()];
    const members = await Promise.all(peers.map((peer) => Compute.open({ key: "compute-test", peer, members: peers.map((p) => p.id), root: pki.trusted, ...fast })));
    cleanups.push(() => Promise.all(members.map((m) => m.close())).then(() => {}));
    const id = (n: number) => new Uint8Array(32).fill(n);
    const at = testEpoch;
    const refusal = (promise: Promise<unknown>) => promise.then(() => "accepted", (error: unknown) => (error instanceof ComputeRefused ? error.refusal : String(error)));

    await members[0]!.register({ provider: id(1), cpu_millicores: 4000, ram_mib: 8192, storage_gib: 100, tdx_capable: true, mrtd }, goodQuote, at);
    await members[1]!.register({ provider: id(2), cpu_millicores: 16000, ram_mib: 65536, storage_gib: 500, tdx_capable: false }, undefined, at);
    expect(await refusal(members[2]!.register({ provider: id(3), cpu_millicores: 64000, ram_mib: 1 << 20, storage_gib: 1000, tdx_capable: true, mrtd }, strangerQuote, at))).toBe("quote-invalid");
    expect(await refusal(members[2]!.register({ provider: id(4), cpu_millicores: 64000, ram_mib: 1 << 20, storage_gib: 1000, tdx_capable: true, mrtd: new Uint8Array(48) }, goodQuote, at))).toBe("mrtd-mismatch");
    expect(await refusal(members[2]!.register({ provider: id(5), cpu_millicores: 64000, ram_mib: 1 << 20, storage_gib: 1000, tdx_capable: true }, undefined, at))).toBe("quote-missing");

    const manifest = { name: "forecast-eval", version: "1.0.0", commit_hash: id(9), min_cpu_millicores: 3000, min_ram_mib: 4096, min_storage_gib: 50, tdx: { kind: "Required" as const } };
    const request = { request_id: id(10), image_hash: imageHash(manifest), manifest, deadline: BigInt(at + 60_000), requester: id(11) };
    const grant = await members[2]!.request(request, at);
    expect(Buffer.from(grant.provider).equals(Buffer.from(id(1)))).toBe(true);
    expect(verifyGrant(grant, request, mrtd)).toEqual({ ok: true });
    expect(verifyGrant(grant, request, new Uint8Array(48))).toMatchObject({ ok: false });
    // The TDX provider's capacity is now taken: the same need again finds no TDX provider that fits.
    expect(await refusal(members[0]!.request({ ...request, request_id: id(12) }, at))).toBe("no-provider");
    // A need no provider can hold, and a deadline already passed.
    expect(await refusal(members[0]!.request({ ...request, request_id: id(13), manifest: { ...manifest, tdx: { kind: "None" }, min_cpu_millicores: 999_999 }, image_hash: imageHash({ ...manifest, tdx: { kind: "None" }, min_cpu_millicores: 999_999 }) }, at))).toBe("no-provider");
    expect(await refusal(members[0]!.request({ ...request, request_id: id(14), deadline: BigInt(at - 1) }, at))).toBe("deadline-passed");
    // A non-TDX request goes to the provider that has room.
    const plain = { ...manifest, tdx: { kind: "None" as const } };
    const plainGrant = await members[1]!.request({ ...request, request_id: id(15), manifest: plain, image_hash: imageHash(plain) }, at);
    expect(Buffer.from(plainGrant.provider).equals(Buffer.from(id(2)))).toBe(true);
    // Every member agrees on who was admitted and what is left.
    for (const m of members) await m.group.when().reaches(members[1]!.group.applied);
    const views = members.map((m) => JSON.stringify(m.providers().map((p) => [Buffer.from(p.card.provider).toString("hex"), p.free])));
    expect(new Set(views).size).toBe(1);
    expect(members[0]!.providers()).toHaveLength(2);
  });

  it("takes requests on the module's requests stream and answers with grants on its grants stream, the same grant for a request sent again", async () => {
    const { Compute, ComputeRefused, imageHash, requestOverStreams, verifyGrant } = await import("@coal/runtime/services");
    const net = Network.memory();
    const peers = [net.join(), net.join(), net.join()];
    const streams = { requests: "a1".repeat(32), grants: "a2".repeat(32) };
    const members = await Promise.all(peers.map((peer) => Compute.open({ key: "compute-streams", peer, members: peers.map((p) => p.id), streams, ...fast })));
    cleanups.push(() => Promise.all(members.map((m) => m.close())).then(() => {}));
    await members[0]!.group.when().leader();
    const id = (n: number) => new Uint8Array(32).fill(n);
    await members[0]!.register({ provider: id(1), cpu_millicores: 8000, ram_mib: 8192, storage_gib: 100, tdx_capable: false });

    // A requester outside the committee, on the streams alone.
    const requester = net.join();
    const grants = requester.consume(streams.grants);
    const decoded = (async function* () {
      for await (const bytes of grants) yield codecs.ComputeGrant.decode(bytes);
    })();
    const producer = requester.produce(streams.requests);
    const send = (request: Parameters<typeof requestOverStreams>[2]) => producer.send(codecs.ComputeRequest.encode(request));
    const manifest = { name: "job", version: "1", commit_hash: id(9), min_cpu_millicores: 3000, min_ram_mib: 1024, min_storage_gib: 10, tdx: { kind: "None" as const } };
    const request = { request_id: id(20), image_hash: imageHash(manifest), manifest, deadline: BigInt(Date.now() + 60_000), requester: id(21) };
    const grant = await requestOverStreams({ send }, decoded, request, { resendMs: 200, timeoutMs: 10_000 });
    expect(verifyGrant(grant, request)).toEqual({ ok: true });
    expect(Buffer.from(grant.provider).equals(Buffer.from(id(1)))).toBe(true);
    // Sent again: the same grant, not a second allocation of the provider's capacity.
    const again = await requestOverStreams({ send }, decoded, request, { resendMs: 200, timeoutMs: 10_000 });
    expect(codecs.ComputeGrant.encode(again)).toEqual(codecs.ComputeGrant.encode(grant));
    for (const m of members) await m.group.when().reaches(members[0]!.group.status().commit);
    expect(members.map((m) => m.providers()[0]!.free.cpu)).toEqual([5000, 5000, 5000]);
    // A request nobody can hold gets no grant; the requester is told after its timeout.
    const huge = { ...manifest, min_cpu_millicores: 999_999 };
    const refused = await requestOverStreams({ send }, decoded, { ...request, request_id: id(22), manifest: huge, image_hash: imageHash(huge) }, { resendMs: 100, timeoutMs: 600 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ComputeRefused);
    expect((refused as InstanceType<typeof ComputeRefused>).refusal).toBe("no-grant");
    grants.close();
    producer.close();
  });
});
