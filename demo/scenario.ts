// The prophet scenario of spec 06 as roles: each role is a party of the coalition (an operator, an
// organism, the desks, a late consumer) that talks to the others only over the network — streams,
// admission, and the modules' committees (as a member, or as a client through one). The same roles
// run in one process on the embedded network (`npm run demo`) or as separate OS processes over TCP
// (`npm run demo -- --tcp`); only the Stage they are given differs.
//
// Over TCP the operators are `coal node` processes instead of the `operator` role, doing what it
// does (runtime/src/node/runner.ts). A role reports what it saw as lines for the view and as
// facts; the checklist is judged from the facts alone (`judge`), so both modes pass or fail on the
// same evidence. What roles get from outside the network is the script: its epoch (the tick it
// counts from) and two cues, "audit" (every other part has finished) and "stop".
import { createHash } from "node:crypto";
import { fromHex, parseDecimal, toHex } from "@coal/runtime/identity";
import type { Peer, TcpNode } from "@coal/runtime/net";
import {
  Almanac,
  Atlas,
  Chronicle,
  Compute,
  catalogue,
  chooseSuccessor,
  codecs,
  followRetirements,
  heartbeatEntry,
  imageHash,
  requestOverStreams,
  retirementEntry,
  retirementMarker,
  verifyChronicle,
  verifyGrant,
  Watchdog,
  type AlmanacTick,
  type ComponentRef,
  type EvidencePointer,
  type SuccessorPolicy,
} from "@coal/runtime/services";
import type { DemoPki } from "./tdx.js";

export type AnyPeer = Peer | TcpNode;
/** JSON-able values (bigints as strings) — facts cross process boundaries. */
export type Fact = string | number | boolean | null | readonly Fact[] | { readonly [key: string]: Fact };

export interface Stage {
  /** The generated bindings (demo/coal-out/prophets.ts). */
  readonly b: Bindings;
  /** The manifest's citizens (name, stable id, role), as `coal node` reads them too. */
  readonly citizens: readonly { readonly name: string; readonly stable_id: string; readonly role: string }[];
  /** A peer for `label`; every label's identity is fixed for the run, so `idOf` knows it up front. */
  join(label: string): Promise<AnyPeer>;
  idOf(label: string): string;
  readonly timing: { readonly tickMs: number; readonly electionTicks: number };
  readonly pki: DemoPki;
  section(name: string, what: string): void;
  line(tag: string, text: string): void;
  tick(seq: bigint): void;
  fact(name: string, value: Fact): void;
  cue(name: "audit" | "stop"): Promise<void>;
  /**
   * The almanac tick the script counts from, once every party is up: 0 in one process; over TCP
   * the launcher names it when the last process is ready (the operators' almanac ticks from the
   * moment they elect a leader, before the agents' processes have started).
   */
  epoch(): Promise<bigint>;
}

// The bindings are generated for the manifest; the roles use them by name.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Bindings = any;

export const operatorLabels = ["operator-0", "operator-1", "operator-2"] as const;
const deskLabels = { A: "desk-A", B: "desk-B", C: "desk-C" } as const;
const forecasters = ["prophet", "oracle_b", "oracle_c"] as const;
/** Forecasters' skill: the chance a call is right (oracle_b is the best). */
const skill: Record<string, number> = { prophet: 0.7, oracle_b: 0.9, oracle_c: 0.4 };
/** Consumer scores accuracy_reputation gives the desks (the floor is 0.55). */
const deskScores: Record<keyof typeof deskLabels, string> = { A: "0.92", B: "0.31", C: "0.81" };
/** The script, in almanac ticks after the epoch. */
export const script = { desksSubscribe: 5n, deskCSettles: 8n, desksLeave: 20n };

export const short = (hex: string) => hex.slice(0, 8);
/** The identity seed of the peer `label` in the run named by `masterHex`. */
export const seedOf = (masterHex: string, label: string): Uint8Array => createHash("sha256").update(`coal demo peer|${masterHex}|${label}`).digest();
const sha = (bytes: Uint8Array): Uint8Array => createHash("sha256").update(bytes).digest();
/** A stable pseudo-random number in [0, 1) from a label: the demo runs the same way every time. */
const deterministic = (label: string) => createHash("sha256").update(label).digest().readUInt32LE(0) / 2 ** 32;
/** Rain on every third tick. */
const truth = (seq: bigint) => Number(seq % 3n === 0n);
const windowOf = (seq: bigint) => ({ first: ((seq - 1n) / 4n) * 4n + 1n, last: ((seq - 1n) / 4n) * 4n + 4n });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const limit = Date.now() + ms;
  while (!check()) {
    if (Date.now() > limit) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Follows the almanac from `peer`: the latest tick, and listeners called on each new one. */
function clock(s: Stage, peer: AnyPeer) {
  const state = { tick: undefined as AlmanacTick | undefined, listeners: [] as ((t: AlmanacTick) => void)[], seqs: [] as bigint[], stopped: false };
  void (async () => {
    for await (const t of s.b.almanac.ticks.subscribe(peer) as AsyncIterable<AlmanacTick>) {
      if (state.stopped) break;
      state.seqs.push(t.seq);
      if (state.tick !== undefined && t.seq <= state.tick.seq) continue;
      state.tick = t;
      for (const listener of state.listeners) listener(t);
    }
  })();
  return {
    get tick() {
      return state.tick;
    },
    seqs: state.seqs,
    on: (listener: (t: AlmanacTick) => void) => state.listeners.push(listener),
    reaches: (seq: bigint, ms?: number) => until(() => state.tick !== undefined && state.tick.seq >= seq, `almanac tick ${seq}`, ms),
    stop: () => (state.stopped = true),
  };
}

const tickPointer = (s: Stage, t: AlmanacTick): EvidencePointer => ({
  source: fromHex(s.b.ids.coalition.modules.almanac.root),
  surface: fromHex(s.b.ids.modules.almanac.ticks),
  seq: t.seq,
  commit: sha(codecs.AlmanacTick.encode(t)),
});

const moduleTiming = (s: Stage) => ({ tickMs: s.timing.tickMs, electionTicks: s.timing.electionTicks });
const operatorIds = (s: Stage) => operatorLabels.map((label) => s.idOf(label));

// ---------------------------------------------------------------------------------------------
// Operators: members of the Almanac, Chronicle, Atlas and Compute committees. The Atlas follows
// the Chronicle's retirement markers (pattern Y); anyone may append to the Chronicle or use
// Compute through a member (the coalition's citizens are not authenticated in this demo).

export async function operator(s: Stage, index: number): Promise<void> {
  const peer = await s.join(operatorLabels[index]!);
  const ids = s.b.ids;
  const members = operatorIds(s);
  const timing = moduleTiming(s);
  const almanac = await Almanac.start({ key: ids.coalition.modules.almanac.fingerprint, ticks: ids.modules.almanac.ticks, peer, members, cadenceMs: 250, ...timing });
  const chronicle = await Chronicle.open({ key: ids.modules.chronicle.log, peer, writers: members, clients: "any", ...timing });
  const atlas = await Atlas.open({ key: ids.modules.atlas.cards, peer, writers: members, clients: "any", ...timing });
  const compute = await Compute.open({ key: ids.coalition.modules.compute.fingerprint, peer, members, root: s.pki.trusted, clients: "any", streams: { requests: ids.modules.compute.requests, grants: ids.modules.compute.grants }, ...timing });
  // What `coal node` does for an operator hosting these modules (runtime/src/node/runner.ts): the
  // committee catalogues every citizen in the Atlas and follows the Chronicle's retirement markers.
  const stopFollowing = followRetirements(chronicle, atlas, (marker) => s.line("atlas", `operator ${index} applied the retirement marker: ${short(toHex(marker.retiring.stable_id))} → Retired, successor_hint ${marker.replacement === undefined ? "none" : short(toHex(marker.replacement.stable_id))}`));
  const stopCataloguing = catalogue(
    atlas,
    s.citizens.map((c) => ({ citizen: fromHex(c.stable_id), role: c.role })),
    () => index === 0 && s.line("atlas", `${s.citizens.length} cards, one per citizen of the coalition, committed by the Atlas committee`),
  );
  if (index === 0) {
    const leader = async (group: { when(): { leader(): Promise<string> } }) => short(await group.when().leader());
    s.section("modules", "Atlas, Almanac, Chronicle and Compute committees on three operator peers");
    s.line("leaders", `almanac ${await leader(almanac.group)}  chronicle ${await leader(chronicle.group)}  atlas ${await leader(atlas.cards)}  compute ${await leader(compute.group)}`);
  }
  await s.cue("stop");
  stopFollowing();
  stopCataloguing();
  await Promise.all([almanac.stop(), chronicle.close(), atlas.close(), compute.close()]);
}

// ---------------------------------------------------------------------------------------------
// accuracy_reputation: scores desks (consumers) every window, and forecasters from what they
// forecast against realised outcomes — the open oracles from their streams, prophet (whose stream
// admits paying desks only) from the desks' decisions, which cite the forecast and the
// probability acted on.

export async function reputation(s: Stage): Promise<void> {
  const peer = await s.join("accuracy_reputation");
  const ids = s.b.ids;
  const cards = s.b.accuracy_reputation.cards.producer(peer);
  const outcomes = s.b.accuracy_reputation.outcomes.producer(peer);
  const almanac = clock(s, peer);
  const calls: Record<string, { seq: bigint; p: number }[]> = { prophet: [], oracle_b: [], oracle_c: [] };
  const scores: Record<string, number> = {};
  for (const name of ["oracle_b", "oracle_c"]) {
    void (async () => {
      for await (const f of s.b[name].forecasts.subscribe(peer)) calls[name]!.push({ seq: f.evidence.seq, p: f.distribution[1]! / 65536 });
    })();
  }
  void (async () => {
    const seen = new Set<bigint>();
    for await (const d of s.b.desk.decisions.subscribe(peer)) {
      if (toHex(d.forecast.source) !== ids.citizens.prophet.stableId || seen.has(d.forecast.seq)) continue;
      seen.add(d.forecast.seq);
      calls.prophet!.push({ seq: d.forecast.seq, p: Number(d.position.split("@")[1]) });
    }
  })();
  // Consumer cards: at start and every window (a card is valid for the window it names, and a
  // stream is not replayed, so a producer that starts later sees the next round).
  const publishConsumerCards = async (window: { first: bigint; last: bigint }) => {
    for (const desk of Object.keys(deskLabels) as (keyof typeof deskLabels)[]) await cards.send({ subject: fromHex(s.idOf(deskLabels[desk])), window, score: parseDecimal(deskScores[desk]) });
  };
  await publishConsumerCards({ first: 0n, last: 4n });
  s.line("reputation", `desk A scores ${deskScores.A}, desk B ${deskScores.B}, desk C ${deskScores.C} (floor 0.55)`);
  const windows: Fact[] = [];
  almanac.on((t) => {
    void outcomes.send({ subject: "rain-next-tick", outcome: truth(t.seq), at: t.seq });
    if (t.seq % 4n !== 0n) return;
    const window = windowOf(t.seq);
    void publishConsumerCards(window);
    for (const name of forecasters) {
      const recent = calls[name]!.filter((c) => c.seq + 1n <= t.seq && c.seq + 1n >= window.first - 4n);
      if (recent.length === 0) continue;
      const brier = recent.reduce((sum, c) => sum + (c.p - truth(c.seq + 1n)) ** 2, 0) / recent.length;
      scores[name] = Math.round((1 - brier) * 1000) / 1000;
      void cards.send({ subject: fromHex(ids.citizens[name].stableId), window, score: parseDecimal(scores[name]!.toFixed(3)) });
    }
    if (Object.keys(scores).length === 0) return;
    windows.push({ window: `${window.first}-${window.last}`, scores: { ...scores } });
    s.fact("scoreWindows", windows);
    s.line("reputation", `window ${window.first}–${window.last}: ${Object.entries(scores).map(([n, v]) => `${n} ${v.toFixed(3)}`).join(", ")}`);
  });
  await s.cue("stop");
  almanac.stop();
}

// ---------------------------------------------------------------------------------------------
// forecasting_market: desks A and B have paid; desk C pays at tick `deskCSettles`. Allocations are
// re-published every window, like the cards.

export async function market(s: Stage): Promise<void> {
  const peer = await s.join("forecasting_market");
  const ids = s.b.ids;
  const allocations = s.b.forecasting_market.allocations.producer(peer);
  const almanac = clock(s, peer);
  const settled: (keyof typeof deskLabels)[] = ["A", "B"];
  const publish = async () => {
    for (const desk of settled) {
      await allocations.send({ market: fromHex(ids.citizens.forecasting_market.stableId), provider: fromHex(s.idOf("prophet")), consumer: fromHex(s.idOf(deskLabels[desk])), units: desk === "C" ? 5n : 10n, settlement: sha(Buffer.from(`paid ${desk}`)) });
    }
  };
  await publish();
  s.line("market", "desks A and B have settled allocations; desk C has not paid yet");
  let epoch: bigint | undefined;
  void s.epoch().then((e) => (epoch = e));
  almanac.on((t) => {
    const paysNow = epoch !== undefined && !settled.includes("C") && t.seq >= epoch + script.deskCSettles;
    if (paysNow) {
      settled.push("C");
      s.line("market", "desk C pays: its allocation settles");
    }
    if (t.seq % 4n === 0n || paysNow) void publish();
  });
  await s.cue("stop");
  almanac.stop();
}

export async function calibration(s: Stage): Promise<void> {
  const peer = await s.join("calibration");
  const priors = s.b.calibration.priors.producer(peer);
  const almanac = clock(s, peer);
  almanac.on(() => void priors.send({ subject: "rain-next-tick", distribution: [43691, 21845] }));
  await s.cue("stop");
  almanac.stop();
}

// ---------------------------------------------------------------------------------------------
// The open oracles: a forecast per tick.

export async function oracles(s: Stage): Promise<void> {
  const peers = { oracle_b: await s.join("oracle_b"), oracle_c: await s.join("oracle_c") };
  const producers = { oracle_b: s.b.oracle_b.forecasts.producer(peers.oracle_b), oracle_c: s.b.oracle_c.forecasts.producer(peers.oracle_c) };
  const almanac = clock(s, peers.oracle_b);
  let sent = 0;
  almanac.on((t) => {
    for (const name of ["oracle_b", "oracle_c"] as const) void producers[name].send(forecast(s, name, t)).then(() => s.fact("forecasts.oracles", ++sent));
  });
  await s.cue("stop");
  almanac.stop();
}

function forecast(s: Stage, name: string, t: AlmanacTick) {
  // A forecaster right with probability `skill` puts 80% on its call.
  const call = deterministic(`${name}:${t.seq}`) < skill[name]! ? truth(t.seq + 1n) : 1 - truth(t.seq + 1n);
  const p = Math.round(65536 * (call === 1 ? 0.8 : 0.2));
  return { subject: "rain-next-tick", horizon: 1, distribution: [65536 - p, p], evidence: tickPointer(s, t) };
}

// ---------------------------------------------------------------------------------------------
// prophet: forecasts behind its manifest's admission (ReputationFloor(0.55) & MarketSettlement);
// heartbeats on the Chronicle (pattern Z); follows the watchdog's reports on itself and retires
// after `retire_after` consecutive Abandoned (pattern X), handing off as its successor policy says
// (pattern E) to the reputation leader among the cards it has seen, with a marker on the Chronicle.

export async function prophet(s: Stage): Promise<void> {
  const peer = await s.join("prophet");
  const ids = s.b.ids;
  const me = fromHex(ids.citizens.prophet.stableId);
  const producer = s.b.prophet.forecasts.producer(peer, { validators: s.b.prophet.admission(peer) });
  const chronicle = Chronicle.client({ key: ids.modules.chronicle.log, peer, members: operatorIds(s), ...moduleTiming(s) });
  const almanac = clock(s, peer);
  let retired = false;
  let sent = 0;
  almanac.on((t) => {
    if (!retired) void producer.send(forecast(s, "prophet", t)).then(() => s.fact("forecasts.prophet", ++sent));
  });

  // The latest score of every forecaster, from accuracy_reputation's cards.
  const scores = new Map<string, number>();
  void (async () => {
    for await (const card of s.b.accuracy_reputation.cards.subscribe(peer)) scores.set(toHex(card.subject), Number(card.score.mantissa) / 10 ** card.score.scale);
  })();

  const heartbeatMs = Math.min(Number(s.b.prophet.patterns.heartbeatMs), 1000);
  let heartbeats = 0;
  const heartbeat = setInterval(() => {
    const t = almanac.tick;
    if (retired || t === undefined) return;
    const window = windowOf(t.seq);
    void chronicle.append(heartbeatEntry({ agent: me, scope_digest: fromHex(ids.citizens.prophet.contentHash), window, latest_commit: tickPointer(s, t) })).then(
      () => {
        s.fact("heartbeats", ++heartbeats);
        s.line("heartbeat", `prophet → chronicle (agent-heartbeat, window ${window.first}–${window.last})`);
      },
      (error: Error) => s.line("heartbeat", `prophet's heartbeat was not appended: ${error.message}`),
    );
  }, heartbeatMs);

  // Pattern X from the agent's side: the watchdog's verdicts on it, in a row.
  const retireAfter = Number(s.b.prophet.patterns.watchdog.retireAfter);
  let streak = 0;
  for await (const report of s.b.abandonment_watch.reports.subscribe(peer)) {
    if (toHex(report.agent) !== ids.citizens.prophet.stableId) continue;
    streak = report.verdict.kind === "Abandoned" ? streak + 1 : 0;
    if (streak === retireAfter) break;
  }
  retired = true;
  clearInterval(heartbeat);
  const policy = s.b.prophet.content.successor_policy as SuccessorPolicy;
  const candidates = ["oracle_b", "oracle_c"].map((name) => ({ name, ref: { stable_id: fromHex(ids.citizens[name].stableId) } as ComponentRef, score: scores.get(ids.citizens[name].stableId) }));
  const successor = chooseSuccessor(policy, me, candidates);
  const successorName = candidates.find((c) => successor !== undefined && toHex(c.ref.stable_id) === toHex(successor.stable_id))?.name ?? "none";
  const t = almanac.tick!;
  const marker = retirementMarker({ stable_id: me }, successor, { kind: "Abandoned" }, t.seq, [tickPointer(s, t)]);
  s.section("retirement", `prophet retires after ${retireAfter} Abandoned windows; successor policy ${policy.kind}`);
  s.line("hand-off", `reputation leader: ${successorName} (${candidates.map((c) => `${c.name} ${c.score?.toFixed(3) ?? "unscored"}`).join(", ")}) — marker: retiring prophet, replacement ${successorName}, reason Abandoned, at tick ${marker.at}`);
  await chronicle.append(retirementEntry(marker));
  s.fact("retirement", { successor: successorName, candidates: Object.fromEntries(candidates.map((c) => [c.name, c.score ?? null])), at: String(marker.at) });
  producer.close();
  await s.cue("stop");
  almanac.stop();
  chronicle.close();
}

// ---------------------------------------------------------------------------------------------
// The desks: each subscribes to prophet's forecasts; prophet's admission refuses desk B (below the
// floor) and desk C (not settled) until C pays. Admitted desks act on each forecast with a
// decision citing it (a downstream commit), and all of them leave at tick `desksLeave`.

export async function desks(s: Stage): Promise<void> {
  const ids = s.b.ids;
  const peers = { A: await s.join(deskLabels.A), B: await s.join(deskLabels.B), C: await s.join(deskLabels.C) };
  const almanac = clock(s, peers.A);
  const epoch = await s.epoch();
  await almanac.reaches(epoch + script.desksSubscribe);
  s.section("admission", "prophet's admission, built from the manifest: ReputationFloor(0.55) & MarketSettlement");
  const decisionsOut = { A: s.b.desk.decisions.producer(peers.A), C: s.b.desk.decisions.producer(peers.C) };
  const subscriptions = { A: s.b.prophet.forecasts.subscribe(peers.A), B: s.b.prophet.forecasts.subscribe(peers.B), C: s.b.prophet.forecasts.subscribe(peers.C) };
  type Sub = { stats(): { producers: number; refusals: { rejection: { code: string } }[] }; close(): void };
  const codes = (sub: Sub) => sub.stats().refusals.map((r) => r.rejection.code);
  await until(() => (subscriptions.A as Sub).stats().producers === 1, "desk A's admission");
  await until(() => codes(subscriptions.B).length > 0 && codes(subscriptions.C).length > 0, "prophet's answers to desks B and C");
  s.line("admitted", `desk A (score ${deskScores.A}, settled) — admitted`);
  s.line("refused", `desk B: ${[...new Set(codes(subscriptions.B))].join(", ")} (score ${deskScores.B} is below the floor)`);
  s.line("refused", `desk C: ${[...new Set(codes(subscriptions.C))].join(", ")} (no allocation settled)`);
  s.fact("admission", { A: "admitted", B: codes(subscriptions.B), C: codes(subscriptions.C) });

  let decisions = 0;
  let active = true;
  const act = (desk: "A" | "C") =>
    void (async () => {
      for await (const f of subscriptions[desk]) {
        if (!active) break;
        const p = f.distribution[1]! / 65536;
        const cite = { source: fromHex(ids.citizens.prophet.stableId), surface: fromHex(ids.citizens.prophet.surface.forecasts), seq: f.evidence.seq, commit: sha(s.b.Forecast.encode(f)) };
        await decisionsOut[desk].send({ forecast: cite, position: `desk ${desk}: ${p > 0.5 ? "long-umbrellas" : "flat"}@${p.toFixed(2)}` });
        s.fact("decisions", ++decisions);
      }
    })();
  act("A");
  act("C");
  await until(() => (subscriptions.C as Sub).stats().producers === 1, "desk C's admission after settling");
  s.line("admitted", "desk C settled its allocation: re-judged and admitted");
  s.fact("deskCAdmittedAfterRefusal", codes(subscriptions.C).length > 0);

  await almanac.reaches(epoch + script.desksLeave, 60_000);
  s.section("abandonment", "the desks stop subscribing and acting");
  active = false;
  for (const sub of Object.values(subscriptions)) (sub as Sub).close();
  await s.cue("stop");
  almanac.stop();
}

// ---------------------------------------------------------------------------------------------
// abandonment_watch: per window, the consumers seen acting on prophet's forecasts (subscriptions
// are observed through the decisions that cite them — the watchdog cannot see another peer's
// subscriber list; a desk names itself in its position) and the citing commits; a verdict per
// window on its reports stream.

export async function watchdog(s: Stage): Promise<void> {
  const peer = await s.join("abandonment_watch");
  const ids = s.b.ids;
  const reports = s.b.abandonment_watch.reports.producer(peer);
  const almanac = clock(s, peer);
  const watch = new Watchdog(fromHex(ids.citizens.prophet.stableId), Number(s.b.prophet.patterns.watchdog.retireAfter));
  let citing = 0;
  const citers = new Set<string>();
  void (async () => {
    for await (const d of s.b.desk.decisions.subscribe(peer)) {
      if (toHex(d.forecast.source) !== ids.citizens.prophet.stableId) continue;
      citing++;
      citers.add(d.position.split(":")[0]!); // a desk names itself in its position
    }
  })();
  const verdicts: string[] = [];
  let adopted = false;
  let retired = false;
  almanac.on((t) => {
    s.tick(t.seq);
    s.fact("ticks", { seen: almanac.seqs.length, increasing: almanac.seqs.every((seq, i) => i === 0 || seq > almanac.seqs[i - 1]!) });
    if (t.seq % 4n !== 0n || retired) return;
    // An agent nobody has used yet is not abandoned: judging starts with its first consumer.
    adopted ||= citing > 0;
    if (!adopted) return;
    const { report, retire, streak } = watch.observe(windowOf(t.seq), citers.size, citing);
    citing = 0;
    citers.clear();
    retired = retire;
    verdicts.push(report.verdict.kind);
    s.fact("verdicts", verdicts);
    void reports.send(report);
    s.line("watchdog", `window ${report.window.first}–${report.window.last}: ${report.subscription_count} consumers acting, ${report.downstream_commit_count} citing commits → ${report.verdict.kind}${report.verdict.kind === "Abandoned" ? ` (${streak} of ${watch.retireAfter})` : ""}`);
  });
  await s.cue("stop");
  almanac.stop();
}

// ---------------------------------------------------------------------------------------------
// A late consumer that knows only prophet's stable id: once the Atlas shows prophet retired, it
// resolves the id to the successor and receives its forecasts.

export async function lateConsumer(s: Stage): Promise<void> {
  const peer = await s.join("late-consumer");
  const ids = s.b.ids;
  const atlas = Atlas.client({ key: ids.modules.atlas.cards, peer, members: operatorIds(s), ...moduleTiming(s) });
  const prophetId = fromHex(ids.citizens.prophet.stableId);
  let resolved = await atlas.resolve(prophetId);
  while (!resolved.ok || toHex(resolved.card.citizen) === ids.citizens.prophet.stableId) {
    await sleep(200);
    resolved = await atlas.resolve(prophetId);
  }
  const liveName = Object.keys(ids.citizens).find((name) => ids.citizens[name].stableId === toHex(resolved.ok ? resolved.card.citizen : new Uint8Array()))!;
  s.line("atlas", `late consumer resolves prophet ${short(ids.citizens.prophet.stableId)} → ${liveName} ${short(ids.citizens[liveName].stableId)} (chain of ${resolved.chain.length})`);
  let received: { subject: string; distribution: number[] } | undefined;
  for await (const f of s.b[liveName].forecasts.subscribe(peer)) {
    received = f;
    break;
  }
  s.line("forecast", `late consumer receives ${liveName}'s forecast: ${received!.subject} P(rain)=${(received!.distribution[1]! / 65536).toFixed(2)}`);
  s.fact("late", { resolvedTo: liveName, chain: resolved.chain.length, received: received !== undefined });
  atlas.close();
  await s.cue("stop");
}

// ---------------------------------------------------------------------------------------------
// Compute: providers register through a committee member — a TDX provider with a quote that
// verifies, a plain one, and one with a forged quote (refused) —, then accuracy_reputation asks for
// a TDX-required evaluation job on the module's requests stream, takes the grant from its grants
// stream, and checks the grant's measurements.

export async function computeUser(s: Stage): Promise<void> {
  const peer = await s.join("compute-user");
  const ids = s.b.ids;
  const compute = Compute.client({ key: ids.coalition.modules.compute.fingerprint, peer, members: operatorIds(s), root: s.pki.trusted, ...moduleTiming(s) });
  const pki = s.pki;
  const { quote, mrtd } = pki;
  await compute.register({ provider: sha(Buffer.from("provider tdx")), cpu_millicores: 8000, ram_mib: 16384, storage_gib: 200, tdx_capable: true, mrtd }, quote, pki.now);
  await compute.register({ provider: sha(Buffer.from("provider plain")), cpu_millicores: 32000, ram_mib: 65536, storage_gib: 1000, tdx_capable: false }, undefined, pki.now);
  let forged = "accepted";
  await compute
    .register({ provider: sha(Buffer.from("provider forged")), cpu_millicores: 64000, ram_mib: 131072, storage_gib: 2000, tdx_capable: true, mrtd }, pki.forged, pki.now)
    .catch((error: { refusal: string; message: string }) => (forged = `${error.refusal}: ${error.message}`));
  s.section("compute", "providers register; a TDX-required request is granted to a provider whose quote verifies");
  s.line("providers", `TDX provider registered (quote verified against the ${pki.label}); plain provider registered; forged quote refused — ${forged}`);
  const manifest = { name: "forecast-eval", version: "1.0.0", commit_hash: sha(Buffer.from("eval@1.0.0")), min_cpu_millicores: 4000, min_ram_mib: 8192, min_storage_gib: 50, tdx: { kind: "Required" as const } };
  // The request goes out on the module's `requests` stream, the grant comes back on `grants`.
  const request = { request_id: sha(Buffer.from("req-1")), image_hash: imageHash(manifest), manifest, deadline: BigInt(Date.now() + 60_000), requester: fromHex(ids.citizens.accuracy_reputation.stableId) };
  const grants = s.b.compute.grants.subscribe(peer);
  const grant = await requestOverStreams(s.b.compute.requests.producer(peer), grants, request, { resendMs: 500, timeoutMs: 20_000 });
  grants.close();
  const check = verifyGrant(grant, request, mrtd);
  s.line("grant", `request ${short(toHex(request.request_id))} on the requests stream → grant on the grants stream: provider ${short(toHex(grant.provider))}, expected MRTD ${short(toHex(grant.expected_mrtd!))}…; requester's check: ${check.ok ? "ok" : check.reason}`);
  s.fact("compute", { granted: check.ok, forgedRefused: forged !== "accepted" });
  compute.close();
  await s.cue("stop");
}

// ---------------------------------------------------------------------------------------------
// The auditor, at the end: reads the whole Chronicle through a member, verifies the hash chain
// against the committee's head, and shows that an altered copy is caught at the altered entry.

export async function auditor(s: Stage): Promise<void> {
  const peer = await s.join("auditor");
  const chronicle = Chronicle.client({ key: s.b.ids.modules.chronicle.log, peer, members: operatorIds(s), ...moduleTiming(s) });
  await s.cue("audit");
  s.section("chronicle", "verify the hash chain, then show tampering is caught");
  const { entries, head } = await chronicle.log();
  const verdict = verifyChronicle(entries, head);
  const heartbeats = entries.filter((e) => e.tag === "agent-heartbeat").length;
  const retirements = entries.filter((e) => e.tag === "retirement-marker").length;
  s.line("verify", `${entries.length} entries (${heartbeats} heartbeats, ${retirements} retirement): ${verdict.ok ? `chain verifies, head ${short(toHex(verdict.head))}` : `BROKEN at entry ${verdict.seq}`}`);
  const tamperAt = Math.min(2, entries.length - 1);
  const tampered = entries.map((e, i) => (i === tamperAt ? { ...e, body: Buffer.concat([e.body, Buffer.of(1)]) } : e));
  const caught = verifyChronicle(tampered, head);
  s.line("tamper", `a copy with entry ${tamperAt + 1}'s body altered: ${caught.ok ? "NOT detected" : `detected at entry ${caught.seq} (${caught.reason})`}`);
  s.fact("chronicle", { entries: entries.length, heartbeats, retirements, verifies: verdict.ok, tamperCaughtAt: caught.ok ? null : Number(caught.seq), tamperedEntry: tamperAt + 1 });
  chronicle.close();
  await s.cue("stop");
}

/** Every role, by name. Operators first: the others reach the committees through them. */
export const roles: Record<string, (s: Stage) => Promise<void>> = {
  "operator-0": (s) => operator(s, 0),
  "operator-1": (s) => operator(s, 1),
  "operator-2": (s) => operator(s, 2),
  reputation,
  market,
  calibration,
  oracles,
  prophet,
  desks,
  watchdog,
  "late-consumer": lateConsumer,
  "compute-user": computeUser,
  auditor,
};

/** The cue "audit" is given once these facts are in: every part before the chronicle check is done. */
export const beforeAudit = ["late", "compute", "retirement"] as const;

/** The checklist, judged from the facts the roles reported. */
export function judge(facts: Readonly<Record<string, Fact>>): [string, boolean][] {
  const f = facts as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const admission = f.admission ?? { B: [], C: [] };
  const windows: { scores: Record<string, number> }[] = f.scoreWindows ?? [];
  const lastScores = windows[windows.length - 1]?.scores ?? {};
  const retirement = f.retirement ?? {};
  const candidates: Record<string, number | null> = retirement.candidates ?? {};
  const leader = Object.entries(candidates)
    .filter(([, score]) => score !== null)
    .sort((x, y) => y[1]! - x[1]! || (x[0] < y[0] ? -1 : 1))[0]?.[0];
  const chronicle = f.chronicle ?? {};
  const verdicts: string[] = f.verdicts ?? [];
  return [
    ["forecasts flowed to consumers", (f["forecasts.prophet"] ?? 0) > 0 && (f.decisions ?? 0) > 0],
    ["reputation cards scored forecasters", forecasters.every((name) => typeof lastScores[name] === "number")],
    ["admission refused below the floor and without settlement", admission.B.includes("reputation-below-floor") && admission.C.includes("no-settlement")],
    ["a refused desk was admitted once it settled", f.deskCAdmittedAfterRefusal === true],
    ["the watchdog turned Abandoned once consumers left", verdicts.includes("Active") && verdicts.filter((v) => v === "Abandoned").length >= 2],
    [`prophet retired, handing off to the reputation leader (${retirement.successor ?? "none"})`, retirement.successor !== undefined && retirement.successor === leader],
    ["a late consumer resolved prophet through the Atlas", f.late?.resolvedTo === retirement.successor && f.late?.received === true],
    ["heartbeats on a Chronicle whose chain verifies", chronicle.heartbeats > 0 && chronicle.retirements === 1 && chronicle.verifies === true && chronicle.tamperCaughtAt === chronicle.tamperedEntry],
    ["a Compute request granted to a TDX provider whose quote verifies", f.compute?.granted === true && f.compute?.forgedRefused === true],
    [`almanac ticks strictly increasing (${f.ticks?.seen ?? 0} seen)`, (f.ticks?.seen ?? 0) > 10 && f.ticks?.increasing === true],
  ];
}
