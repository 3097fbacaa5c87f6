// `coal node`: three OS processes host the Almanac and Chronicle committees of a manifest over
// TCP; a client receives ticks; metrics show one leader; SIGTERM shuts a node down cleanly with
// structured logs; a mistake on the command line is one line and exit code 2.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fromHex, moduleRoot, primitive, surfaceId, toHex, list } from "@coal/runtime/identity";
import { pathToFileURL } from "node:url";
import { connectKeyedGroup, type StateMachine } from "@coal/runtime/groups";
import { Network } from "@coal/runtime/net";
import { Atlas, Chronicle, ChronicleEntryType, codecs, MemberCardType, retirementEntry, retirementMarker, verifyChronicle } from "@coal/runtime/services";
import { repoRoot } from "../support/files.js";

const scratch = join(repoRoot, ".tmp", `node-${process.pid}`);
mkdirSync(scratch, { recursive: true });
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
  rmSync(scratch, { recursive: true, force: true });
});

const coalArgs = ["--conditions=source", "--import", "tsx", join(repoRoot, "runtime/src/node/main.ts")];
const coal = (...args: string[]) => spawnSync(process.execPath, [...coalArgs, ...args], { encoding: "utf8", cwd: scratch });

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const limit = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > limit) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("coal node", () => {
  it("hosts module committees across processes: ticks flow, metrics show one leader, SIGTERM stops cleanly", async () => {
    writeFileSync(join(scratch, "package.json"), "{}");
    writeFileSync(join(scratch, "clock.coal"), `organism sensor {\n  instance: "node-test.sensor"\n  content { unit: "c" }\n}\n\ncoalition clock {\n  name: "node-test.clock"\n  organisms: [sensor]\n  almanac { cadence: 100ms }\n  chronicle { }\n  atlas { }\n}\n`);
    // The sensor organism's committee runs a user state machine: a JS module.
    writeFileSync(
      join(scratch, "counter.mjs"),
      `const json = { encode: (v) => new TextEncoder().encode(JSON.stringify(v)), decode: (b) => JSON.parse(new TextDecoder().decode(b)) };
export default function counter() {
  let total = 0;
  return {
    signature: "c0".repeat(32),
    commands: json,
    results: json,
    apply(command) { if (typeof command.add !== "number") throw new Error("add a number"); total += command.add; return total; },
    query() { return total; },
    snapshot() { return new TextEncoder().encode(String(total)); },
    restore(bytes) { total = Number(new TextDecoder().decode(bytes)); },
  };
}
`,
    );
    const build = spawnSync(process.execPath, [join(repoRoot, "compiler/bin/coalc.mjs"), "build", "clock.coal"], { cwd: scratch, encoding: "utf8" });
    expect(build.status, build.stderr).toBe(0);
    const ids = [0, 1, 2].map((i) => coal("key", "--out", `key${i}.hex`).stdout.trim());
    expect(ids.every((id) => /^[0-9a-f]{64}$/.test(id))).toBe(true);
    const base = 31000 + Math.floor(Math.random() * 5000);
    const logs: string[][] = [[], [], []];
    for (let i = 0; i < 3; i++) {
      const child = spawn(
        process.execPath,
        [...coalArgs, "node", "--manifest", "coal-out/clock.manifest.json", "--data-dir", `data${i}`, "--key", `key${i}.hex`, "--listen", `127.0.0.1:${base + i}`, "--members", ids.join(","), "--module", "almanac", "--module", "chronicle", "--module", "atlas", "--machine", "sensor=counter.mjs", "--clients", "any", "--metrics", `127.0.0.1:${base + 100 + i}`, "--tick-ms", "20", ...ids.flatMap((id, j) => (j === i ? [] : ["--bootstrap", `${id}@127.0.0.1:${base + j}`]))],
        { cwd: scratch, stdio: ["ignore", "pipe", "pipe"] },
      );
      child.stdout!.on("data", (chunk: Buffer) => logs[i]!.push(...chunk.toString().split("\n").filter((l) => l !== "")));
      children.push(child);
    }
    // A client on the network reads the almanac's ticks.
    const client = await Network.tcp({ bootstrap: [{ id: ids[0]!, address: `127.0.0.1:${base}` }] });
    try {
      const manifest = JSON.parse((await import("node:fs")).readFileSync(join(scratch, "coal-out/clock.manifest.json"), "utf8"));
      const tickType = { kind: "record" as const, name: "AlmanacTick", fields: [{ name: "seq", type: primitive("u64") }, { name: "hints", type: list({ kind: "record" as const, name: "TimestampHint", fields: [{ name: "member", type: primitive("digest") }, { name: "unix_ms", type: primitive("u64") }] }) }] };
      const ticksId = toHex(surfaceId(moduleRoot(fromHex(manifest.coalition.ids.COALITION_ROOT), "almanac"), { kind: "stream", name: "ticks", type: tickType }).digest);
      const seqs: bigint[] = [];
      void (async () => {
        for await (const bytes of client.consume(ticksId)) seqs.push(codecs.AlmanacTick.decode(bytes).seq);
      })();
      await until(() => seqs.length >= 5, "five ticks");
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]!).toBeGreaterThan(seqs[i - 1]!);

      // An agent outside the committee appends to the Chronicle and registers with the Atlas
      // through the nodes; the nodes' Atlas follows the retirement marker it appends.
      const root = moduleRoot(fromHex(manifest.coalition.ids.COALITION_ROOT), "chronicle");
      const logId = toHex(surfaceId(root, { kind: "collection", name: "log", collection: "vec", parameters: [ChronicleEntryType] }).digest);
      const cardsId = toHex(surfaceId(moduleRoot(fromHex(manifest.coalition.ids.COALITION_ROOT), "atlas"), { kind: "collection", name: "cards", collection: "map", parameters: [primitive("digest"), MemberCardType] }).digest);
      const timing = { tickMs: 20, electionTicks: 10 };
      const chronicle = Chronicle.client({ key: logId, peer: client, members: ids, ...timing });
      const atlas = Atlas.client({ key: cardsId, peer: client, members: ids, ...timing });
      try {
        const sensor = fromHex(manifest.citizens.find((c: { name: string }) => c.name === "sensor").stable_id);
        const successor = new Uint8Array(32).fill(7);
        // The committee catalogues every citizen of the coalition by itself.
        await until(async () => (await atlas.cards.read()).get(sensor)?.status.kind === "Active", "the sensor's card");
        const entry = await chronicle.append(retirementEntry(retirementMarker({ stable_id: sensor }, { stable_id: successor }, { kind: "Obsolete" }, 1n, [])));
        expect(entry.seq).toBe(1n);
        await until(async () => (await atlas.cards.read()).get(sensor)?.status.kind === "Retired", "the Atlas following the marker");
        expect(toHex((await atlas.cards.read()).get(sensor)!.successor_hint!)).toBe(toHex(successor));
        const { entries, head } = await chronicle.log();
        expect(verifyChronicle(entries, head).ok).toBe(true);
      } finally {
        chronicle.close();
        atlas.close();
      }

      // The organism committee, reached as a client with the same machine module.
      const sensorCitizen = manifest.citizens.find((c: { name: string }) => c.name === "sensor");
      const counter = ((await import(pathToFileURL(join(scratch, "counter.mjs")).href)) as { default: () => StateMachine<{ add: unknown }, number, null, number> }).default();
      const organism = connectKeyedGroup({ key: sensorCitizen.content_hash ?? sensorCitizen.stable_id, peer: client, members: ids, tickMs: 20, electionTicks: 10 }, counter);
      try {
        expect(await organism.execute({ add: 5 })).toBe(5);
        expect(await organism.execute({ add: 2 })).toBe(7);
        await expect(organism.execute({ add: "x" })).rejects.toThrow("add a number");
        expect(new TextDecoder().decode((await organism.read()).state)).toBe("7");
      } finally {
        organism.close();
      }

      const metrics = await Promise.all([0, 1, 2].map(async (i) => (await fetch(`http://127.0.0.1:${base + 100 + i}/metrics`)).text()));
      expect(metrics[0]).toContain("# TYPE coal_group_leader gauge");
      const leaders = metrics.filter((m) => /coal_group_leader\{kind="module",name="almanac"\} 1/.test(m));
      expect(leaders).toHaveLength(1);

      // SIGTERM: the node closes its groups and links, logs it, and exits 0.
      const exited = new Promise<number | null>((resolve) => children[2]!.once("exit", resolve));
      children[2]!.kill("SIGTERM");
      expect(await exited).toBe(0);
      const records = logs[2]!.map((line) => JSON.parse(line) as { level: string; msg: string });
      expect(records.map((r) => r.msg)).toEqual(expect.arrayContaining(["node started", "hosting the almanac", "hosting the chronicle", "hosting the atlas", "hosting an organism committee", "leader", "shutting down", "stopped"]));
      // The node that committed the cards said so (which node led the Atlas is not fixed).
      expect(logs.flat().filter((line) => line.includes('"msg":"the atlas holds a card for every citizen"')).length).toBeGreaterThanOrEqual(1);
      // The Atlas leader's node applied the marker, and said so.
      expect(logs.flat().filter((line) => line.includes('"msg":"atlas follows a retirement marker"')).length).toBeGreaterThanOrEqual(1);
    } finally {
      await client.close();
    }
  });

  it("reports a mistake on the command line in one line with exit code 2", () => {
    const missing = coal("node", "--manifest", "x.json");
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect(missing.stderr).toContain("needs --data-dir");
    const badKey = coal("key", "--show", "nope.hex");
    expect(badKey.status).toBe(2);
    expect(badKey.stderr.trim().split("\n")).toEqual(["coal: cannot read the key file nope.hex: ENOENT"]);
    const badClients = coal("node", "--manifest", "x.json", "--data-dir", "d", "--key", "k", "--listen", "127.0.0.1:1", "--members", "a".repeat(64), "--clients", "everyone");
    expect(badClients.status).toBe(2);
    expect(badClients.stderr.trim()).toBe("coal: --clients takes `any` or peer ids (64 hex digits), not `everyone`");
  });
});
