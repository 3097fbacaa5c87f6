// The Raft core under a seeded deterministic simulator (test/raft/sim/): clusters of 3 and 5
// nodes with lossy, duplicating, reordering, partitioned networks, crashes anywhere in a Ready
// (including between persisting and fsync), membership changes, snapshots and transfers, with
// clients whose history must be linearizable. A failure names its seed; replay it with
//   node --conditions=source --import tsx test/raft/sim/run-long.ts --from SEED --seeds 1 --trace
// Longer runs: the same script with --seeds 100000.
import { describe, expect, it } from "vitest";
import type { InvariantName } from "./sim/invariants.js";
import { describeFailure, runSimulation, type InjectedBug, type SimulationOptions, type SimulationResult } from "./sim/simulator.js";

/** Seeds CI runs, in batches (each batch one test, so progress shows and a failure names its batch). */
const seedCount = 1000;
const batchSize = 100;

function expectClean(result: SimulationResult): void {
  expect(result.failure, describeFailure(result)).toBeUndefined();
  expect(result.stats.lincheck, `seed ${result.seed}: the history was not checked to the end`).toBe("linearizable");
}

describe("raft simulation", () => {
  for (let first = 1; first <= seedCount; first += batchSize) {
    const last = Math.min(first + batchSize - 1, seedCount);
    it(`keeps every invariant for seeds ${first}–${last}`, () => {
      const failed: SimulationResult[] = [];
      const unchecked: number[] = [];
      for (let seed = first; seed <= last; seed++) {
        const result = runSimulation({ seed });
        if (result.failure !== undefined) failed.push(result);
        else if (result.stats.lincheck !== "linearizable") unchecked.push(seed);
      }
      const message = failed.length === 0 ? "" : `${failed.length} seeds failed (${failed.map((result) => result.seed).join(", ")}); the first:\n${describeFailure(failed[0]!)}`;
      expect(
        failed.map((result) => result.seed),
        message,
      ).toEqual([]);
      // A history the checker gave up on (its time budget ran out) proves nothing.
      expect(unchecked, `seeds whose history was not checked to the end: ${unchecked.join(", ")}`).toEqual([]);
    });
  }

  it("replays a seed bit for bit", () => {
    for (const seed of [7, 1234]) {
      const first = runSimulation({ seed });
      const second = runSimulation({ seed });
      expect(second.traceHash).toBe(first.traceHash);
      expect(second.stats).toEqual(first.stats);
    }
    expect(runSimulation({ seed: 8 }).traceHash).not.toBe(runSimulation({ seed: 7 }).traceHash);
  });
});

describe("raft simulation regressions", () => {
  // Fixed seeds with one kind of fault turned up, each checking that the fault really happened,
  // so the run keeps testing what its name says when the core or the simulator changes.
  const cases: { name: string; options: SimulationOptions; exercised: (result: SimulationResult) => boolean }[] = [
    {
      name: "lagging followers catch up by snapshot",
      options: { seed: 11, nodes: 5, profile: { snapshotEvery: 3, keepEntries: 0, partitionRate: 0.08, crashRate: 0.02 } },
      exercised: (result) => result.stats.snapshotsRestored > 0,
    },
    {
      name: "membership churn: learners added, promoted, voters removed and re-added",
      options: { seed: 21, nodes: 3, profile: { confChangeRate: 0.15, crashRate: 0.01, lossRate: 0.05 } },
      exercised: (result) => result.stats.learnersAdded > 0 && result.stats.promotions > 0 && result.stats.removals > 0 && result.stats.readds > 0,
    },
    {
      name: "crash loops with torn unsynced writes",
      options: { seed: 31, nodes: 3, profile: { crashRate: 0.05, crashInReadyRate: 0.03, tornWrites: true, maxDown: 3, maxDownTicks: 10 } },
      exercised: (result) => result.stats.crashesInReady >= 3,
    },
    {
      name: "lossy, duplicating, reordering network with asymmetric partitions",
      options: { seed: 41, nodes: 5, profile: { lossRate: 0.2, duplicateRate: 0.1, slowRate: 0.1, partitionRate: 0.08 } },
      exercised: (result) => result.stats.partitions >= 3 && result.stats.messagesLost > 0 && result.stats.messagesDuplicated > 0,
    },
    {
      name: "leadership transfers under load",
      options: { seed: 51, nodes: 5, profile: { transferRate: 0.1 } },
      exercised: (result) => result.stats.transfers >= 5 && result.stats.leaders >= 3,
    },
    {
      name: "a long run",
      options: { seed: 61, chaosTicks: 1000 },
      exercised: (result) => result.stats.operations >= 100,
    },
  ];
  for (const { name, options, exercised } of cases) {
    it(name, () => {
      const result = runSimulation(options);
      expectClean(result);
      expect(exercised(result), `seed ${options.seed} no longer exercises this: ${JSON.stringify(result.stats)}`).toBe(true);
    });
  }
});

describe("the simulator catches broken implementations", () => {
  // Each deliberate bug must be caught, by the invariant that should catch it, within a bounded
  // search of seeds: a check that cannot fail proves nothing. With some checks switched off, the
  // next line of defence must catch the same bug — so every invariant is shown to fire.
  interface Case {
    readonly bug: InjectedBug;
    readonly invariant: InvariantName;
    readonly unchecked?: readonly InvariantName[];
    readonly seeds?: number;
    readonly options?: Partial<SimulationOptions>;
  }
  const cases: Case[] = [
    { bug: "forget-vote-on-restart", invariant: "vote-durability" },
    {
      // Two leaders in a term need a split vote and a voter that crashes between the two
      // requests, then forgets its vote: rare (about 1 seed in 70 with this mix), so search longer.
      bug: "forget-vote-on-restart",
      invariant: "election-safety",
      unchecked: ["vote-durability"],
      seeds: 1500,
      options: {
        nodes: 3,
        raft: { preVote: false, checkQuorum: false },
        profile: { crashInReadyRate: 0.3, crashRate: 0.1, maxDownTicks: 1, maxDown: 1, slowRate: 0.2, slowDelay: 50, partitionRate: 0.05, confChangeRate: 0, lossRate: 0.05 },
      },
    },
    { bug: "skip-fsync", invariant: "term-durability" },
    { bug: "lose-synced-entries", invariant: "leader-completeness" },
    { bug: "lose-synced-entries", invariant: "state-machine-safety", unchecked: ["leader-completeness"] },
    { bug: "corrupt-disk", invariant: "log-matching" },
    { bug: "corrupt-disk", invariant: "state-machine-safety", unchecked: ["log-matching"] },
    { bug: "ack-on-propose", invariant: "acknowledged-write-lost" },
    { bug: "ack-on-propose", invariant: "linearizability" },
    { bug: "stale-reads", invariant: "linearizability" },
  ];
  for (const { bug, invariant, unchecked = [], seeds = 200, options = {} } of cases) {
    it(`${bug} breaks ${invariant}${unchecked.length === 0 ? "" : ` (with ${unchecked.join(", ")} unchecked)`}`, () => {
      const seen = new Map<string, number>();
      for (let seed = 1; seed <= seeds; seed++) {
        const result = runSimulation({ ...options, seed, bug, uncheckedInvariants: unchecked });
        if (result.failure === undefined) continue;
        if (result.failure.invariant === invariant) {
          expect(describeFailure(result)).toContain(`seed ${seed}`);
          return;
        }
        seen.set(result.failure.invariant, (seen.get(result.failure.invariant) ?? 0) + 1);
      }
      const others = [...seen].map(([name, count]) => `${name} ×${count}`).join(", ");
      expect.fail(`no seed in 1–${seeds} broke ${invariant} with ${bug}; other failures: ${others || "none"}`);
    });
  }
});
