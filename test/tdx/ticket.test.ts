// TDX tickets: a synthetic quote bound (through REPORTDATA) to a peer, a network and times is
// admitted for that peer only, until the earliest of its expiry, its max_age and its
// certificates' validity; every other case is refused with its code. The validator's signature is
// identity's tdx(), and it gates a stream on the memory network.
import { describe, expect, it } from "vitest";
import { derive, i64le, id, tdx as tdxSignature, toHex } from "@coal/runtime/identity";
import { generatePeerKey, Network, type PeerInfo, type Ticket } from "@coal/runtime/net";
import { PlatformCache, decodeTdxTicket, encodeTdxTicket, extraDataDigest, reportDataFor, tdx, tdxTicket, tdxTicketClass, type ExtraData, type MeasurementsCriteria, type TdxValidatorOptions } from "@coal/runtime/tdx";
import { synthCollateral, synthQuote, testEpoch, testPki, year, type QuoteSpec } from "../support/tdx-synth.js";
import { insideAllCertificates, sample } from "./samples.js";

const pki = testPki();
const now = testEpoch;
const seconds = now / 1000;
const coal = id("coal");
const peerA = generatePeerKey().id;
const peerB = generatePeerKey().id;
const mrTd = new Uint8Array(48).fill(0x31);
const rtmr3 = new Uint8Array(48).fill(0x33);

function extra(overrides: Partial<ExtraData> = {}): ExtraData {
  return { peerId: Buffer.from(peerA, "hex"), networkId: coal, startedAt: seconds - 600, quotedAt: seconds - 60, expiresAt: seconds + 3600, ...overrides };
}

/** A ticket whose quote binds `claims` (what the quote was made for) and carries `carried`. */
function ticket(claims: ExtraData = extra(), quote: Partial<QuoteSpec> = {}, carried: ExtraData = claims): Ticket {
  return tdxTicket(synthQuote({ pki, mrTd, rtmr3, reportData: reportDataFor(claims), ...quote }), carried);
}

const validator = (options: TdxValidatorOptions = {}) => tdx({ root: pki.trusted, ...options });
const judge = (v: ReturnType<typeof tdx>, tickets: readonly Ticket[], who = peerA, at = now) => v.validate({ id: who, tags: new Set(), tickets } satisfies PeerInfo, at);
const code = (result: ReturnType<ReturnType<typeof tdx>["validate"]>) => (result.ok ? "admitted" : result.rejection.code);

describe("the binding (REPORTDATA)", () => {
  it("is id(\"mosaik.tee.tdx.ticket.extra\") derived in turn with the five fields, then 32 zero bytes", () => {
    const e = extra();
    const expected = [e.peerId, e.networkId, i64le(e.startedAt), i64le(e.quotedAt), i64le(e.expiresAt!)].reduce((d, part) => derive(d, part), id("mosaik.tee.tdx.ticket.extra"));
    expect(toHex(extraDataDigest(e))).toBe(toHex(expected));
    expect(toHex(reportDataFor(e))).toBe(toHex(expected) + "00".repeat(32));
    const never = [e.peerId, e.networkId, i64le(e.startedAt), i64le(e.quotedAt), new Uint8Array(8)].reduce((d, part) => derive(d, part), id("mosaik.tee.tdx.ticket.extra"));
    expect(toHex(extraDataDigest({ ...e, expiresAt: undefined }))).toBe(toHex(never));
  });

  it("the ticket's data round-trips and is read strictly", () => {
    const quote = synthQuote({ pki });
    const data = encodeTdxTicket(quote, extra());
    expect(data.length).toBe(4 + quote.length + 32 + 32 + 8 + 8 + 8);
    expect(decodeTdxTicket(data)).toEqual({ ok: true, quote: Uint8Array.from(quote), extra: { ...extra(), peerId: Uint8Array.from(extra().peerId), networkId: Uint8Array.from(coal) } });
    const never = decodeTdxTicket(encodeTdxTicket(quote, extra({ expiresAt: undefined })));
    expect(never.ok && "expiresAt" in never.extra).toBe(false);
    for (const bad of [data.subarray(0, 3), data.subarray(0, data.length - 1), Uint8Array.from([...data, 0])]) expect(decodeTdxTicket(bad).ok).toBe(false);
    const huge = Uint8Array.from(data);
    huge.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], 4 + quote.length + 64);
    expect(decodeTdxTicket(huge)).toMatchObject({ ok: false, message: expect.stringMatching(/out of range/) });
  });
});

describe("the Tdx validator", () => {
  it("admits the peer its ticket binds, until the earliest of its expiry and max_age", () => {
    const result = judge(validator(), [ticket()]);
    expect(result).toEqual({ ok: true, expiresAt: (seconds + 3600) * 1000 });
    expect(judge(validator({ maxAgeMs: 600_000 }), [ticket()])).toEqual({ ok: true, expiresAt: (seconds - 60 + 600) * 1000 });
    // A ticket that never expires holds until its PCK chain does.
    expect(judge(validator(), [ticket(extra({ expiresAt: undefined }))])).toEqual({ ok: true, expiresAt: testEpoch + 5 * year });
  });

  it("refuses the same ticket for peer B, and for another network", () => {
    const t = ticket();
    expect(code(judge(validator(), [t], peerB))).toBe("tdx-peer-mismatch");
    expect(code(judge(validator({ networkId: toHex(id("elsewhere")) }), [t]))).toBe("tdx-network-mismatch");
    expect(code(judge(validator({ networkId: coal }), [t]))).toBe("admitted");
  });

  it("refuses a ticket whose data claims other fields than its quote binds", () => {
    const bound = extra();
    expect(code(judge(validator(), [ticket(bound, {}, { ...bound, expiresAt: bound.expiresAt! + 1 })]))).toBe("tdx-report-data");
    expect(code(judge(validator(), [ticket(bound, {}, { ...bound, peerId: Buffer.from(peerB, "hex") })], peerB))).toBe("tdx-report-data");
    const tail = reportDataFor(bound);
    tail[63] = 1;
    expect(code(judge(validator(), [tdxTicket(synthQuote({ pki, reportData: tail }), bound)]))).toBe("tdx-report-data");
  });

  it("refuses expired, too old, before not_before, over max_lifetime, and from the future", () => {
    expect(code(judge(validator(), [ticket(extra({ expiresAt: seconds }))]))).toBe("tdx-expired");
    expect(code(judge(validator({ maxAgeMs: 59_000 }), [ticket()]))).toBe("tdx-too-old");
    expect(code(judge(validator({ maxAgeMs: 60_000 }), [ticket()]))).toBe("admitted");
    expect(code(judge(validator({ notBefore: BigInt(seconds - 59) }), [ticket()]))).toBe("tdx-not-before");
    expect(code(judge(validator({ notBefore: seconds - 60 }), [ticket()]))).toBe("admitted");
    expect(code(judge(validator({ maxLifetimeMs: 3_659_000n }), [ticket()]))).toBe("tdx-lifetime");
    expect(code(judge(validator({ maxLifetimeMs: 3_660_000 }), [ticket()]))).toBe("admitted");
    expect(code(judge(validator({ maxLifetimeMs: 3_660_000 }), [ticket(extra({ expiresAt: undefined }))]))).toBe("tdx-lifetime");
    expect(code(judge(validator(), [ticket(extra({ quotedAt: seconds + 3600 }))]))).toBe("tdx-from-future");
  });

  it("judges measurement pins: baseline, and any-of alternatives", () => {
    const pin = (c: MeasurementsCriteria) => c;
    const other = new Uint8Array(48).fill(0x99);
    const t = [ticket()];
    expect(code(judge(validator({ baseline: pin({ mrtd: mrTd }) }), t))).toBe("admitted");
    expect(code(judge(validator({ baseline: pin({ mrtd: other }) }), t))).toBe("tdx-measurements");
    expect(code(judge(validator({ baseline: pin({ mrtd: mrTd, rtmr3: other }) }), t))).toBe("tdx-measurements");
    expect(code(judge(validator({ anyOf: [pin({ mrtd: other }), pin({ rtmr3 })] }), t))).toBe("admitted");
    expect(code(judge(validator({ anyOf: [pin({ mrtd: other }), pin({ rtmr3: other })] }), t))).toBe("tdx-measurements");
    expect(code(judge(validator({ baseline: pin({ mrtd: mrTd }), anyOf: [pin({ rtmr0: other })] }), t))).toBe("tdx-measurements");
    expect(code(judge(validator({ baseline: pin({ mrtd: other }), anyOf: [pin({ rtmr3 })] }), t))).toBe("tdx-measurements");
  });

  it("names the verification step that failed", () => {
    const forged = Uint8Array.from(synthQuote({ pki, reportData: reportDataFor(extra()) }));
    forged[600]! ^= 1; // REPORTDATA region of the body: the quote signature breaks
    expect(code(judge(validator(), [tdxTicket(forged, extra())]))).toBe("tdx-quote-signature");
    expect(code(judge(tdx(), [ticket()]))).toBe("tdx-pck-chain");
    expect(code(judge(validator(), [ticket(extra(), { tdAttributes: Uint8Array.of(1, 0, 0, 0x10, 0, 0, 0, 0) })]))).toBe("tdx-td-policy");
    expect(code(judge(validator(), [{ class: tdxTicketClass, data: new Uint8Array(10) }]))).toBe("tdx-parse");
    expect(code(judge(validator(), [tdxTicket(new Uint8Array(100), extra())]))).toBe("tdx-parse");
    expect(code(judge(validator(), []))).toBe("ticket-missing");
    expect(code(judge(validator(), [{ class: "00".repeat(32), data: ticket().data }]))).toBe("ticket-missing");
    // A real quote verifies (steps 1–6 under Intel's root), but does not bind this ticket.
    const real = sample("dcap-qvl_tdx_quote.bin");
    expect(code(tdx().validate({ id: peerA, tags: new Set(), tickets: [tdxTicket(real, extra())] }, insideAllCertificates))).toBe("tdx-report-data");
  });

  it("with collateral: a TCB status, stale collateral, missing collateral", () => {
    const window = { issued: now - 86_400_000, nextUpdate: now + 86_400_000 };
    const collateral = synthCollateral(pki, window);
    expect(judge(validator({ collateral }), [ticket(extra({ expiresAt: undefined }))])).toEqual({ ok: true, expiresAt: window.nextUpdate });
    expect(code(judge(validator({ collateral }), [ticket()], peerA, window.nextUpdate + 1))).toBe("tdx-collateral-stale");
    expect(code(judge(validator({ collateral: () => undefined }), [ticket()]))).toBe("tdx-collateral-missing");
    expect(code(judge(validator({ collateral: synthCollateral(pki, { ...window, qeLevels: [] }) }), [ticket()]))).toBe("tdx-collateral-tcb-status");
  });

  it("admits when any one of several tickets passes; reports the first refusal otherwise", () => {
    const good = ticket();
    const bad = ticket(extra({ peerId: Buffer.from(peerB, "hex") }));
    expect(code(judge(validator(), [bad, good]))).toBe("admitted");
    expect(code(judge(validator(), [bad, bad]))).toBe("tdx-peer-mismatch");
  });

  it("caches verified quotes: a recheck does not verify again while the verification holds", () => {
    let lookups = 0;
    const collateral = synthCollateral(pki, { issued: now - 1000, nextUpdate: now + 60_000 });
    const v = validator({ collateral: () => (lookups++, collateral), cache: new PlatformCache() });
    const t = [ticket()];
    for (let i = 0; i < 5; i++) expect(code(judge(v, t, peerA, now + i * 1000))).toBe("admitted");
    expect(lookups).toBe(1);
    // Past the collateral's window the cached verification no longer holds: verified again (and stale).
    expect(code(judge(v, t, peerA, now + 61_000))).toBe("tdx-collateral-stale");
    expect(lookups).toBe(2);
    // The step-8 checks still run on every recheck.
    expect(code(judge(v, t, peerB, now + 2000))).toBe("tdx-peer-mismatch");
  });
});

describe("class and signature", () => {
  it("the class is id(\"mosaik.tee.tdx.ticket.v1\")", () => {
    expect(tdxTicketClass).toBe(toHex(id("mosaik.tee.tdx.ticket.v1")));
    expect(validator().class).toBe(tdxTicketClass);
  });

  it("the signature is identity's tdx() for the same options, and a mismatched one is a programming error", () => {
    const options = { baseline: { mrtd: mrTd }, anyOf: [{ rtmr3 }, { rtmr0: mrTd, rtmr1: rtmr3 }], maxAgeMs: 600_000n, notBefore: 1_700_000_000n, maxLifetimeMs: 86_400_000n };
    const expected = toHex(tdxSignature(options).digest);
    expect(validator({ ...options, maxAgeMs: 600_000, maxLifetimeMs: 86_400_000 }).signature).toBe(expected);
    expect(validator({ ...options, signature: expected }).signature).toBe(expected);
    expect(validator().signature).toBe(toHex(tdxSignature({}).digest));
    expect(() => validator({ ...options, signature: toHex(tdxSignature({}).digest) })).toThrow(/does not match/);
    expect(() => validator({ maxAgeMs: 1500 })).toThrow(/whole number of seconds/);
  });
});

describe("on the memory network", () => {
  it("a stream gated by Tdx admits the peer with a valid ticket and refuses the others with the reason", async () => {
    const at = Date.now();
    const live = testPki({ epoch: at });
    const net = Network.memory();
    const [producer, holder, stranger] = [net.join(), net.join(), net.join()];
    const streamId = toHex(id("tdx.test.stream"));
    producer.produce(streamId, { validators: tdx({ root: live.trusted, baseline: { mrtd: mrTd }, maxAgeMs: 600_000 }) });
    const claims: ExtraData = { peerId: Buffer.from(holder.id, "hex"), networkId: coal, startedAt: Math.floor(at / 1000) - 10, quotedAt: Math.floor(at / 1000), expiresAt: Math.floor(at / 1000) + 600 };
    const quote = synthQuote({ pki: live, mrTd, reportData: reportDataFor(claims) });
    holder.setTickets([tdxTicket(quote, claims)]);
    stranger.setTickets([tdxTicket(quote, claims)]);
    const admitted = holder.consume(streamId);
    const refused = stranger.consume(streamId);
    for (let i = 0; i < 100 && (admitted.stats().producers === 0 || refused.stats().refusals.length === 0); i++) await new Promise((r) => setTimeout(r, 5));
    expect(admitted.stats().producers).toBe(1);
    expect(refused.stats().producers).toBe(0);
    expect(refused.stats().refusals.map((r) => r.rejection.code)).toContain("tdx-peer-mismatch");
  });
});
