// `npm run demo`: the prophet scenario of spec 06, end to end, on the embedded in-process network.
//
// It compiles demo/prophet.coal with coalc, loads the generated bindings (which re-derive every
// fingerprint on import), and runs the story: the four modules' committees elect leaders; the
// Almanac ticks; prophet and two other forecasters publish; accuracy_reputation scores desks and
// forecasters, forecasting_market settles; prophet's admission (from the manifest) admits one
// desk and refuses two with their reasons, then admits one that settles; desks act on forecasts;
// prophet heartbeats on the Chronicle; the desks leave, the watchdog's verdicts turn Abandoned,
// and prophet retires, handing off to the reputation leader as its successor policy says; a late
// consumer resolves prophet's stable id through the Atlas to the successor; a Compute request is
// granted to a TDX-capable provider whose quote verifies; the Chronicle's hash chain verifies.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { fromHex, toHex, parseDecimal } from "@coal/runtime/identity";
import { Network, type Peer, type Producer } from "@coal/runtime/net";
import {
  Almanac,
  Atlas,
  Chronicle,
  Compute,
  chooseSuccessor,
  codecs,
  heartbeatEntry,
  imageHash,
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
import { View } from "./view.js";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..");
const view = new View(process.stdout.isTTY === true && process.env.NO_COLOR === undefined);
const started = Date.now();
const deadline = setTimeout(() => {
  view.fail("the scenario did not finish within 60 s");
  process.exit(1);
}, 60_000);

// ---------------------------------------------------------------------------------------------
// 1. Compile the manifest and load the bindings.

view.section("compile", "coalc build demo/prophet.coal");
const build = spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", join(repo, "compiler/src/cli/node-main.ts"), "build", join(here, "prophet.coal")], { cwd: repo, encoding: "utf8" });
if (build.status !== 0) {
  view.fail(`coalc build failed:\n${build.stdout}${build.stderr}`);
  process.exit(1);
}
const b = await import(pathToFileURL(join(here, "coal-out/prophets.ts")).href);
view.line("bindings", `demo/coal-out/prophets.ts loaded; every fingerprint re-derived and checked (coalition_id ${b.ids.coalition.coalition_id.slice(0, 16)}…)`);

const net = Network.memory();
const fast = { tickMs: 20, electionTicks: 10 };
const ids = b.ids;
const ref = (name: string): ComponentRef => ({ stable_id: fromHex(ids.citizens[name].stableId) });
const short = (hex: string) => hex.slice(0, 8);

// ---------------------------------------------------------------------------------------------
// 2. The modules: four committees on three operator peers.

view.section("modules", "Atlas, Almanac, Chronicle and Compute committees on three operator peers");
const operators = [net.join(), net.join(), net.join()];
const committee = operators.map((p) => p.id);
const almanacs = await Promise.all(operators.map((peer) => Almanac.start({ key: ids.coalition.modules.almanac.fingerprint, ticks: ids.modules.almanac.ticks, peer, members: committee, cadenceMs: 250, ...fast })));
const chronicles = await Promise.all(operators.map((peer) => Chronicle.open({ key: ids.modules.chronicle.log, peer, writers: committee, ...fast })));
const atlases = await Promise.all(operators.map((peer) => Atlas.open({ key: ids.modules.atlas.cards, peer, writers: committee, ...fast })));
const { demoPki } = await import("./tdx.js");
const pki = demoPki();
const computes = await Promise.all(operators.map((peer) => Compute.open({ key: ids.coalition.modules.compute.fingerprint, peer, members: committee, root: pki.trusted, ...fast })));
const leaderOf = async (group: { when(): { leader(): Promise<string> } }) => short(await group.when().leader());
view.line("leaders", `almanac ${await leaderOf(almanacs[0]!.group)}  chronicle ${await leaderOf(chronicles[0]!.group)}  atlas ${await leaderOf(atlases[0]!.cards)}  compute ${await leaderOf(computes[0]!.group)}`);

// Every citizen gets its Atlas card.
for (const name of Object.keys(ids.citizens)) {
  await atlases[0]!.register({ citizen: fromHex(ids.citizens[name].stableId), role: name, endpoint_hints: [], tdx_pins: [], status: { kind: "Active" } });
}
view.line("atlas", `${Object.keys(ids.citizens).length} cards registered, one per citizen of the coalition`);

// ---------------------------------------------------------------------------------------------
// 3. The clock, and everyone who follows it.

let tick: AlmanacTick | undefined;
const tickListeners: ((t: AlmanacTick) => void)[] = [];
const clockReader = net.join();
/** Every seq as it arrived, to check the almanac's promise at the end. */
const seqs: bigint[] = [];
void (async () => {
  for await (const t of b.almanac.ticks.subscribe(clockReader)) {
    seqs.push(t.seq);
    if (tick !== undefined && t.seq <= tick.seq) continue; // two leaders in one instant: keep the highest
    tick = t;
    view.tick(t.seq);
    for (const listener of tickListeners) listener(t);
  }
})();
const tickPointer = (t: AlmanacTick): EvidencePointer => ({ source: fromHex(ids.coalition.modules.almanac.root), surface: fromHex(ids.modules.almanac.ticks), seq: t.seq, commit: sha(codecs.AlmanacTick.encode(t)) });
const windowOf = (seq: bigint) => ({ first: ((seq - 1n) / 4n) * 4n + 1n, last: ((seq - 1n) / 4n) * 4n + 4n });

// Peers for every organism.
const reputationPeer = net.join();
const marketPeer = net.join();
const calibrationPeer = net.join();
const watchPeer = net.join();
const forecasterPeers: Record<string, Peer> = { prophet: net.join(), oracle_b: net.join(), oracle_c: net.join() };
const desks = { good: net.join(), lowScore: net.join(), unsettled: net.join() };

// accuracy_reputation: scores desks (consumers) up front and forecasters every window.
const cards = b.accuracy_reputation.cards.producer(reputationPeer);
const outcomes = b.accuracy_reputation.outcomes.producer(reputationPeer);
const allocations = b.forecasting_market.allocations.producer(marketPeer);
const priors = b.calibration.priors.producer(calibrationPeer);
const scores: Record<string, number> = {};

// Forecasters' producers first: prophet's admission follows the reputation and market streams
// from here on (streams are not replayed: a book sees what is published after it starts).
const producers: Record<string, Producer> = {};
for (const name of ["prophet", "oracle_b", "oracle_c"]) {
  const peer = forecasterPeers[name]!;
  producers[name] = b[name].forecasts.producer(peer, name === "prophet" ? { validators: b.prophet.admission(peer) } : {});
}
await sleep(20);

/** Consumer scores, re-published every window (a card is valid for the window it names). */
const consumerScores: [Peer, string][] = [
  [desks.good, "0.92"],
  [desks.lowScore, "0.31"],
  [desks.unsettled, "0.81"],
];
const publishConsumerCards = async (window: { first: bigint; last: bigint }) => {
  for (const [peer, score] of consumerScores) await cards.send({ subject: fromHex(peer.id), window, score: parseDecimal(score) });
};
await publishConsumerCards({ first: 0n, last: 4n });
for (const peer of [desks.good, desks.lowScore]) await allocations.send({ market: fromHex(ids.citizens.forecasting_market.stableId), provider: fromHex(forecasterPeers.prophet!.id), consumer: fromHex(peer.id), units: 10n, settlement: sha(Buffer.from(`paid ${peer.id}`)) });
view.line("reputation", "desk A scores 0.92, desk B 0.31, desk C 0.81 (floor 0.55)");
view.line("market", "desks A and B have settled allocations; desk C has not paid yet");

// Forecasters: each publishes a forecast per tick; their skill differs (oracle_b is the best).
const skill: Record<string, number> = { prophet: 0.7, oracle_b: 0.9, oracle_c: 0.4 };
let forecastsSent = 0;
const truth = (seq: bigint) => Number(seq % 3n === 0n); // rain on every third tick
let prophetRetired = false;
tickListeners.push((t) => {
  for (const name of ["prophet", "oracle_b", "oracle_c"]) {
    if (name === "prophet" && prophetRetired) continue;
    // A forecaster right with probability `skill` puts 80% on its call.
    const call = deterministic(`${name}:${t.seq}`) < skill[name]! ? truth(t.seq + 1n) : 1 - truth(t.seq + 1n);
    const p = Math.round(65536 * (call === 1 ? 0.8 : 0.2));
    void producers[name]!.send({ subject: "rain-next-tick", horizon: 1, distribution: [65536 - p, p], evidence: tickPointer(t) }).then(() => forecastsSent++);
  }
  void priors.send({ subject: "rain-next-tick", distribution: [43691, 21845] });
});

// Scoring: each window, accuracy_reputation resolves outcomes and scores forecasters.
// The open oracles are scored from their streams; prophet, whose stream admits paying desks only,
// from the desks' decisions, which cite the forecast and the probability acted on.
const calls: Record<string, { seq: bigint; p: number }[]> = { prophet: [], oracle_b: [], oracle_c: [] };
for (const name of ["oracle_b", "oracle_c"]) {
  void (async () => {
    for await (const f of b[name].forecasts.subscribe(reputationPeer)) calls[name]!.push({ seq: f.evidence.seq, p: f.distribution[1]! / 65536 });
  })();
}
void (async () => {
  const seen = new Set<bigint>();
  for await (const d of b.desk.decisions.subscribe(reputationPeer)) {
    if (toHex(d.forecast.source) !== ids.citizens.prophet.stableId || seen.has(d.forecast.seq)) continue;
    seen.add(d.forecast.seq);
    calls.prophet!.push({ seq: d.forecast.seq, p: Number(d.position.split("@")[1]) });
  }
})();
tickListeners.push((t) => {
  void outcomes.send({ subject: "rain-next-tick", outcome: truth(t.seq), at: t.seq });
  if (t.seq % 4n !== 0n) return;
  const window = windowOf(t.seq);
  void publishConsumerCards(window);
  for (const name of ["prophet", "oracle_b", "oracle_c"]) {
    const recent = calls[name]!.filter((c) => c.seq + 1n <= t.seq && c.seq + 1n >= window.first - 4n);
    if (recent.length === 0) continue;
    const brier = recent.reduce((sum, c) => sum + (c.p - truth(c.seq + 1n)) ** 2, 0) / recent.length;
    scores[name] = Math.round((1 - brier) * 1000) / 1000;
    void cards.send({ subject: fromHex(ids.citizens[name].stableId), window, score: parseDecimal(scores[name]!.toFixed(3)) });
  }
  view.line("reputation", `window ${window.first}–${window.last}: ${Object.entries(scores).map(([n, s]) => `${n} ${s.toFixed(3)}`).join(", ")}`);
});

// ---------------------------------------------------------------------------------------------
// 4. Admission: three desks subscribe to prophet's forecasts.

await until(() => tick !== undefined && tick.seq >= 2n, "the first almanac ticks");
view.section("admission", "prophet's admission, built from the manifest: ReputationFloor(0.55) & MarketSettlement");
const deskDecisions = { good: b.desk.decisions.producer(desks.good), unsettled: b.desk.decisions.producer(desks.unsettled) };
const subscriptions = {
  good: b.prophet.forecasts.subscribe(desks.good),
  lowScore: b.prophet.forecasts.subscribe(desks.lowScore),
  unsettled: b.prophet.forecasts.subscribe(desks.unsettled),
};
await sleep(50);
const refusals = (s: { stats(): { refusals: { rejection: { code: string } }[] } }) => s.stats().refusals.map((r) => r.rejection.code);
view.line("admitted", `desk A (score 0.92, settled) — ${subscriptions.good.stats().producers === 1 ? "admitted" : "not admitted?"}`);
view.line("refused", `desk B: ${refusals(subscriptions.lowScore).join(", ") || "—"} (score 0.31 is below the floor)`);
view.line("refused", `desk C: ${refusals(subscriptions.unsettled).join(", ") || "—"} (no allocation settled)`);
const refusedReasons = [...refusals(subscriptions.lowScore), ...refusals(subscriptions.unsettled)];

// Desks act on what they receive: a decision citing the forecast (a downstream commit).
let decisions = 0;
let desksActive = true;
const act = (name: "good" | "unsettled") =>
  void (async () => {
    for await (const f of subscriptions[name]) {
      if (!desksActive) break;
      const p = f.distribution[1]! / 65536;
      const cite = { source: fromHex(ids.citizens.prophet.stableId), surface: fromHex(ids.citizens.prophet.surface.forecasts), seq: f.evidence.seq, commit: sha(b.Forecast.encode(f)) };
      await deskDecisions[name].send({ forecast: cite, position: `${p > 0.5 ? "long-umbrellas" : "flat"}@${p.toFixed(2)}` });
      decisions++;
    }
  })();
act("good");
act("unsettled");

// Desk C pays: the market settles its allocation, and the producer re-judges it.
await until(() => tick!.seq >= 6n, "tick 6");
await allocations.send({ market: fromHex(ids.citizens.forecasting_market.stableId), provider: fromHex(forecasterPeers.prophet!.id), consumer: fromHex(desks.unsettled.id), units: 5n, settlement: sha(Buffer.from("paid C")) });
await until(() => subscriptions.unsettled.stats().producers === 1, "desk C's admission after settling");
view.line("admitted", "desk C settled its allocation: re-judged and admitted");

// ---------------------------------------------------------------------------------------------
// 5. Heartbeats and the watchdog.

const heartbeatMs = Number(b.prophet.patterns.heartbeatMs);
let heartbeats = 0;
const heartbeat = setInterval(() => {
  if (prophetRetired || tick === undefined) return;
  const window = windowOf(tick.seq);
  void chronicles[heartbeats % 3]!.append(heartbeatEntry({ agent: fromHex(ids.citizens.prophet.stableId), scope_digest: fromHex(ids.citizens.prophet.contentHash), window, latest_commit: tickPointer(tick) })).then(() => {
    heartbeats++;
    view.line("heartbeat", `prophet → chronicle (agent-heartbeat, window ${window.first}–${window.last})`);
  });
}, Math.min(heartbeatMs, 1000));

const watchdogPattern = b.prophet.patterns.watchdog;
const watchdog = new Watchdog(fromHex(ids.citizens.prophet.stableId), Number(watchdogPattern.retireAfter));
const reports = b.abandonment_watch.reports.producer(watchPeer);
let citing = 0;
void (async () => {
  for await (const d of b.desk.decisions.subscribe(watchPeer)) if (toHex(d.forecast.source) === ids.citizens.prophet.stableId) citing++;
})();
const verdicts: string[] = [];
let retireSignal: (() => void) | undefined;
const retireNow = new Promise<void>((resolve) => (retireSignal = resolve));
tickListeners.push((t) => {
  if (t.seq % 4n !== 0n || prophetRetired) return;
  // The agent reports its subscriber count; the watchdog counts citing commits itself.
  const { report, retire, streak } = watchdog.observe(windowOf(t.seq), producers.prophet!.stats().consumers, citing);
  citing = 0;
  verdicts.push(report.verdict.kind);
  void reports.send(report);
  view.line("watchdog", `window ${report.window.first}–${report.window.last}: ${report.subscription_count} subscribers, ${report.downstream_commit_count} citing commits → ${report.verdict.kind}${report.verdict.kind === "Abandoned" ? ` (${streak} of ${watchdog.retireAfter})` : ""}`);
  if (retire) retireSignal!();
});

await until(() => tick!.seq >= 16n, "tick 16");
view.section("abandonment", "the desks stop subscribing and acting");
desksActive = false;
for (const s of Object.values(subscriptions)) s.close();
await retireNow;

// ---------------------------------------------------------------------------------------------
// 6. Retirement and hand-off.

prophetRetired = true;
const policy = b.prophet.content.successor_policy as SuccessorPolicy;
const successor = chooseSuccessor(
  policy,
  fromHex(ids.citizens.prophet.stableId),
  ["oracle_b", "oracle_c"].map((name) => ({ ref: ref(name), score: scores[name] })),
);
const successorName = Object.keys(ids.citizens).find((name) => successor !== undefined && ids.citizens[name].stableId === toHex(successor.stable_id))!;
const marker = retirementMarker(ref("prophet"), successor, { kind: "Abandoned" }, tick!.seq, [tickPointer(tick!)]);
view.section("retirement", `prophet retires after ${watchdog.retireAfter} Abandoned windows; successor policy ${policy.kind}`);
view.line("hand-off", `reputation leader: ${successorName} (${scores[successorName]?.toFixed(3)}) — marker: retiring prophet, replacement ${successorName}, reason Abandoned, at tick ${marker.at}`);
await chronicles[0]!.append(retirementEntry(marker));
await atlases[1]!.retire(marker);
producers.prophet!.close();
clearInterval(heartbeat);

// A late consumer knows only prophet's stable id: the Atlas resolves it to the successor.
const late = net.join();
await atlases[2]!.cards.when().reaches(atlases[1]!.cards.version);
const resolved = atlases[2]!.resolve(fromHex(ids.citizens.prophet.stableId));
if (!resolved.ok) throw new Error(`the Atlas could not resolve prophet: ${resolved.reason}`);
const liveName = Object.keys(ids.citizens).find((name) => ids.citizens[name].stableId === toHex(resolved.card.citizen))!;
view.line("atlas", `late consumer resolves prophet ${short(ids.citizens.prophet.stableId)} → ${liveName} ${short(toHex(resolved.card.citizen))} (chain of ${resolved.chain.length})`);
let lateForecast: { subject: string; distribution: number[] } | undefined;
for await (const f of b[liveName].forecasts.subscribe(late)) {
  lateForecast = f;
  break;
}
view.line("forecast", `late consumer receives ${liveName}'s forecast: ${lateForecast!.subject} P(rain)=${(lateForecast!.distribution[1]! / 65536).toFixed(2)}`);

// ---------------------------------------------------------------------------------------------
// 7. Compute with TDX.

view.section("compute", "providers register; a TDX-required request is granted to a provider whose quote verifies");
const { quote, mrtd } = pki.quote(0x5a);
const providerId = sha(Buffer.from("provider tdx"));
await computes[0]!.register({ provider: providerId, cpu_millicores: 8000, ram_mib: 16384, storage_gib: 200, tdx_capable: true, mrtd }, quote, pki.now);
await computes[1]!.register({ provider: sha(Buffer.from("provider plain")), cpu_millicores: 32000, ram_mib: 65536, storage_gib: 1000, tdx_capable: false }, undefined, pki.now);
let forged = "accepted";
await computes[2]!.register({ provider: sha(Buffer.from("provider forged")), cpu_millicores: 64000, ram_mib: 131072, storage_gib: 2000, tdx_capable: true, mrtd }, pki.forged(0x5a), pki.now).catch((error: { refusal: string; message: string }) => (forged = `${error.refusal}: ${error.message}`));
view.line("providers", `TDX provider registered (quote verified against the ${pki.label}); plain provider registered; forged quote refused — ${forged}`);
const manifest = { name: "forecast-eval", version: "1.0.0", commit_hash: sha(Buffer.from("eval@1.0.0")), min_cpu_millicores: 4000, min_ram_mib: 8192, min_storage_gib: 50, tdx: { kind: "Required" as const } };
const request = { request_id: sha(Buffer.from("req-1")), image_hash: imageHash(manifest), manifest, deadline: BigInt(pki.now + 600_000), requester: fromHex(ids.citizens.accuracy_reputation.stableId) };
const grant = await computes[1]!.request(request, pki.now);
const grantCheck = verifyGrant(grant, request, mrtd);
view.line("grant", `request ${short(toHex(request.request_id))} → provider ${short(toHex(grant.provider))}, expected MRTD ${short(toHex(grant.expected_mrtd!))}…; requester's check: ${grantCheck.ok ? "ok" : grantCheck.reason}`);

// ---------------------------------------------------------------------------------------------
// 8. The Chronicle's chain.

view.section("chronicle", "verify the hash chain, then show tampering is caught");
await chronicles[2]!.group.when().reaches(chronicles[0]!.version);
const log = chronicles[2]!.entries;
const verdict = verifyChronicle(log, chronicles[0]!.head);
view.line("verify", `${log.length} entries (${log.filter((e) => e.tag === "agent-heartbeat").length} heartbeats, ${log.filter((e) => e.tag === "retirement-marker").length} retirement): ${verdict.ok ? `chain verifies, head ${short(toHex(verdict.head))}` : `BROKEN at entry ${verdict.seq}`}`);
const tamperAt = Math.min(2, log.length - 1);
const tampered = log.map((e, i) => (i === tamperAt ? { ...e, body: Buffer.concat([e.body, Buffer.of(1)]) } : e));
const caught = verifyChronicle(tampered, chronicles[0]!.head);
view.line("tamper", `a copy with entry ${tamperAt + 1}'s body altered: ${caught.ok ? "NOT detected" : `detected at entry ${caught.seq} (${caught.reason})`}`);

// ---------------------------------------------------------------------------------------------
// 9. Summary.

const checks: [string, boolean][] = [
  ["forecasts flowed to consumers", forecastsSent > 0 && decisions > 0],
  ["reputation cards scored forecasters", Object.keys(scores).length === 3],
  ["admission refused below the floor and without settlement", refusedReasons.includes("reputation-below-floor") && refusedReasons.includes("no-settlement")],
  ["a refused desk was admitted once it settled", subscriptions.unsettled.stats().refusals.length > 0],
  ["the watchdog turned Abandoned once consumers left", verdicts.filter((v) => v === "Abandoned").length >= watchdog.retireAfter && verdicts.includes("Active")],
  [`prophet retired, handing off to the reputation leader (${successorName})`, successorName === Object.entries(scores).filter(([n]) => n !== "prophet").sort((x, y) => y[1] - x[1])[0]?.[0]],
  ["a late consumer resolved prophet through the Atlas", liveName === successorName && lateForecast !== undefined],
  ["heartbeats on a Chronicle whose chain verifies", heartbeats > 0 && verdict.ok && !caught.ok],
  ["a Compute request granted to a TDX provider whose quote verifies", grantCheck.ok && forged !== "accepted"],
  [`almanac ticks strictly increasing (${seqs.length} seen)`, seqs.length > 10 && seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!)],
];
view.summary(checks, Date.now() - started, { ticks: tick!.seq, forecasts: forecastsSent, decisions, heartbeats });
clearTimeout(deadline);
await Promise.all([...almanacs.map((a) => a.stop()), ...chronicles.map((c) => c.close()), ...atlases.map((a) => a.close()), ...computes.map((c) => c.close())]);
process.exit(checks.every(([, ok]) => ok) ? 0 : 1);

// ---------------------------------------------------------------------------------------------

function sha(bytes: Uint8Array): Uint8Array {
  return createHash("sha256").update(bytes).digest();
}

/** A stable pseudo-random number in [0, 1) from a label: the demo runs the same way every time. */
function deterministic(label: string): number {
  return createHash("sha256").update(label).digest().readUInt32LE(0) / 2 ** 32;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const limit = Date.now() + ms;
  while (!check()) {
    if (Date.now() > limit) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
