// The checker against histories with known verdicts (../shared/testdata/jepsen, read in place):
// 103 Jepsen etcd logs of one compare-and-set register and six key-value histories. The verdicts
// are the README's. Besides the verdicts, the total work (configurations explored) is bounded, so
// a change that makes the search exponential again fails here rather than in a slow CI run.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  casRegister,
  checkOperations,
  describeResult,
  kvStore,
  type CheckResult,
  type RegisterInput,
  type RegisterOutput,
  type RegisterValue,
} from "@coal/runtime/lincheck";
import { readText } from "../support/files.js";
import { jepsenRoot, parseEtcdLog, parseKvHistory } from "../support/jepsen.js";

const notLinearizable = new Set(
  `000 001 003 004 006 008 009 010 011 012 013 014 015 016 017 019 020 021 022 023 024 026 027 028 029
   030 032 033 034 035 036 037 039 040 041 042 043 044 046 047 050 052 054 055 057 058 059 060 061
   062 063 064 065 066 068 069 070 071 072 073 074 077 078 079 081 082 083 084 085 086 088 089 090
   091 093 094 096 097 099`.split(/\s+/),
);

const etcdDirectory = join(jepsenRoot, "jepsen");
const etcdFiles = readdirSync(etcdDirectory)
  .filter((name) => /^etcd_\d{3}\.log$/.test(name))
  .sort();
const etcdTable = etcdFiles.map((name) => ({ name, expected: notLinearizable.has(name.slice(5, 8)) ? "not-linearizable" : "linearizable" }));

/** Explored configurations summed over the 103 logs: about 278 000 when this was written. */
const etcdExploredBudget = 400_000;

describe("etcd register histories (jepsen/etcd_NNN.log)", () => {
  const results = new Map<string, CheckResult<RegisterValue | null, RegisterInput, RegisterOutput>>();
  beforeAll(() => {
    for (const { name } of etcdTable) results.set(name, checkOperations(casRegister, parseEtcdLog(readText(join(etcdDirectory, name)), name)));
  });

  it("are the README's 103: 79 not linearizable, 24 linearizable", () => {
    expect(etcdFiles).toHaveLength(103);
    expect(etcdTable.filter((row) => row.expected === "not-linearizable")).toHaveLength(79);
  });

  it.each(etcdTable)("$name is $expected", ({ name, expected }) => {
    const result = results.get(name)!;
    expect(result.verdict, `${name}: ${describeResult(casRegister, result)}`).toBe(expected);
  });

  it("take bounded work in total", () => {
    const explored = [...results.values()].reduce((sum, result) => sum + result.partitions[0]!.explored, 0);
    expect(explored).toBeGreaterThan(0);
    expect(explored).toBeLessThan(etcdExploredBudget);
  });
});

describe("key-value histories (kv/cNN-{ok,bad}.txt)", () => {
  const kvDirectory = join(jepsenRoot, "kv");
  const kvFiles = readdirSync(kvDirectory)
    .filter((name) => /^c\d+-(ok|bad)\.txt$/.test(name))
    .sort();

  it("are the six of the README", () => {
    expect(kvFiles).toEqual(["c01-bad.txt", "c01-ok.txt", "c10-bad.txt", "c10-ok.txt", "c50-bad.txt", "c50-ok.txt"]);
  });

  it.each(kvFiles)("%s", (name) => {
    const operations = parseKvHistory(readText(join(kvDirectory, name)), name);
    const result = checkOperations(kvStore, operations);
    expect(result.verdict, `${name}: ${describeResult(kvStore, result)}`).toBe(name.endsWith("-ok.txt") ? "linearizable" : "not-linearizable");
    // Partitioned by key: every part holds one key, and the parts hold every operation.
    expect(result.partitions.map((part) => new Set(part.operations.map((operation) => operation.input.key)).size).every((keys) => keys === 1)).toBe(true);
    expect(result.partitions.reduce((sum, part) => sum + part.operations.length, 0)).toBe(operations.length);
  });
});
