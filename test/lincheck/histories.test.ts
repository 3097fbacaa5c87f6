// Small histories whose verdicts one can check by hand: the classic stale read, concurrent
// operations that can be ordered, unknown outcomes (Jepsen's :info), failed compares, touching
// intervals, a nondeterministic model, partitions, the timeout, the recorder and the report.
import { describe, expect, it } from "vitest";
import {
  casRegister,
  checkOperations,
  describeResult,
  HistoryRecorder,
  kvStore,
  unknown,
  type KvInput,
  type KvOutput,
  type Model,
  type Operation,
  type RegisterInput,
  type RegisterOutput,
  type RegisterValue,
  type Unknown,
} from "@coal/runtime/lincheck";
import { readText } from "../support/files.js";
import { jepsenRoot, parseKvHistory } from "../support/jepsen.js";
import { join } from "node:path";

interface Call<Input, Output> {
  readonly input: Input;
  readonly output: Output | Unknown;
}

const read = (value: RegisterValue | null | Unknown): Call<RegisterInput, RegisterOutput> => ({ input: { f: "read" }, output: value });
const write = (value: RegisterValue, outcome: "ok" | Unknown = "ok"): Call<RegisterInput, RegisterOutput> => ({
  input: { f: "write", value },
  output: outcome === "ok" ? undefined : unknown,
});
const cas = (from: RegisterValue | null, to: RegisterValue, swapped: boolean | Unknown): Call<RegisterInput, RegisterOutput> => ({
  input: { f: "cas", from, to },
  output: swapped,
});

/** An operation called at `call` that returned at `returned` (Infinity: never). */
function during<Input, Output>(call: number, returned: number, what: Call<Input, Output>, clientId = 0): Operation<Input, Output> {
  return { clientId, input: what.input, output: what.output, call, return: returned };
}

const verdictOf = (operations: readonly Operation<RegisterInput, RegisterOutput>[]) => checkOperations(casRegister, operations).verdict;

describe("a compare-and-set register", () => {
  it("an empty history is linearizable", () => {
    expect(verdictOf([])).toBe("linearizable");
  });

  it("a read after a completed write must see it (the stale read)", () => {
    expect(verdictOf([during(0, 1, write(1)), during(2, 3, read(null), 1)])).toBe("not-linearizable");
    expect(verdictOf([during(0, 1, write(1)), during(2, 3, read(1), 1)])).toBe("linearizable");
  });

  it("concurrent operations may take effect in any order consistent with real time", () => {
    // The write overlaps both reads: the first read sees the old value, the second the new one.
    const history = [during(0, 10, write(1)), during(1, 3, read(null), 1), during(4, 6, read(1), 2)];
    expect(verdictOf(history)).toBe("linearizable");
    // ...but once a read has seen the new value, a later read cannot see the old one.
    expect(verdictOf([during(0, 10, write(1)), during(1, 3, read(1), 1), during(4, 6, read(null), 2)])).toBe("not-linearizable");
    // Two reads overlapping each other and the write may be ordered either way.
    expect(verdictOf([during(0, 10, write(1)), during(1, 6, read(1), 1), during(2, 5, read(null), 2)])).toBe("linearizable");
  });

  it("a write of unknown outcome may take effect at any time after its call, or never", () => {
    const lost = during(0, Infinity, write(1, unknown));
    // It shows up later...
    expect(verdictOf([lost, during(5, 6, read(null), 1), during(7, 8, read(1), 1)])).toBe("linearizable");
    // ...or never...
    expect(verdictOf([lost, during(5, 6, read(null), 1), during(7, 8, read(null), 1)])).toBe("linearizable");
    // ...but once seen, it cannot be undone.
    expect(verdictOf([lost, during(5, 6, read(1), 1), during(7, 8, read(null), 1)])).toBe("not-linearizable");
    // It cannot take effect before its call.
    expect(verdictOf([during(0, 1, read(1), 1), during(2, Infinity, write(1, unknown))])).toBe("not-linearizable");
  });

  it("a failed cas happened: it compared against another value and changed nothing", () => {
    const written = during(0, 1, write(1));
    expect(verdictOf([written, during(2, 3, cas(2, 3, false), 1), during(4, 5, read(1), 2)])).toBe("linearizable");
    // With nothing else running the register held 1, so cas(1, 3) cannot have failed.
    expect(verdictOf([written, during(2, 3, cas(1, 3, false), 1)])).toBe("not-linearizable");
    // A concurrent write explains the failure.
    expect(verdictOf([written, during(2, 5, cas(1, 3, false), 1), during(3, 4, write(2), 2)])).toBe("linearizable");
    // A successful cas swaps; a failed one does not.
    expect(verdictOf([written, during(2, 3, cas(1, 3, true), 1), during(4, 5, read(3), 2)])).toBe("linearizable");
    expect(verdictOf([written, during(2, 3, cas(2, 3, false), 1), during(4, 5, read(3), 2)])).toBe("not-linearizable");
  });

  it("a cas of unknown outcome swaps only if the register held its expected value", () => {
    const written = during(0, 1, write(1));
    expect(verdictOf([written, during(2, Infinity, cas(1, 2, unknown), 1), during(3, 4, read(2), 2)])).toBe("linearizable");
    expect(verdictOf([written, during(2, Infinity, cas(5, 2, unknown), 1), during(3, 4, read(2), 2)])).toBe("not-linearizable");
    expect(verdictOf([written, during(2, Infinity, cas(1, 2, unknown), 1), during(3, 4, read(2), 2), during(5, 6, read(1), 2)])).toBe("not-linearizable");
  });

  it("a call at the very time another operation returns overlaps it", () => {
    expect(verdictOf([during(0, 5, write(1)), during(5, 6, read(null), 1)])).toBe("linearizable");
    expect(verdictOf([during(0, 5, write(1)), during(6, 7, read(null), 1)])).toBe("not-linearizable");
  });

  it("refuses impossible times", () => {
    expect(() => verdictOf([during(3, 2, read(null))])).toThrow(RangeError);
    expect(() => verdictOf([during(Number.NaN, 2, read(null))])).toThrow(RangeError);
    // An unknown outcome has no return: it may still take effect, or never.
    expect(() => verdictOf([during(0, 2, write(1, unknown))])).toThrow(/unknown output/);
  });

  it("reports the longest linearizable prefix and what could not come next", () => {
    const result = checkOperations(casRegister, [during(0, 1, write(1)), during(2, 3, cas(1, 2, true), 1), during(4, 5, read(1), 2)]);
    expect(result.verdict).toBe("not-linearizable");
    expect(result.failure?.linearization.map((operation) => operation.input.f)).toEqual(["write", "cas"]);
    expect(result.failure?.state).toBe(2);
    expect(describeResult(casRegister, result)).toBe(
      [
        "not-linearizable: 3 operations in 1 part",
        "part 1 (3 operations) is not linearizable",
        "longest linearizable prefix (2 operations), ending in state 2:",
        "  [0, 1] client 0: write(1)",
        "  [2, 3] client 1: cas(1, 2) → true",
        "none of these can come next:",
        "  [4, 5] client 2: read → 1",
      ].join("\n"),
    );
  });

  it("gives the linearization it found", () => {
    const history = [during(0, 10, write(1)), during(1, 3, read(null), 1), during(4, 6, read(1), 2)];
    const result = checkOperations(casRegister, history);
    expect(result.partitions[0]?.linearization).toEqual([history[1], history[0], history[2]]);
    expect(describeResult(casRegister, result)).toBe("linearizable: 3 operations in 1 part");
  });
});

describe("a nondeterministic model", () => {
  // `pick` sets the value to 1 or 2, the implementation's choice; `read` observes it.
  type Input = "pick" | "read";
  const picker: Model<number, Input, number> = {
    init: () => 0,
    step: (state, input, output) => (input === "pick" ? [1, 2] : output === unknown || output === state ? [state] : []),
    key: (state) => state,
  };
  const history = (...reads: number[]): Operation<Input, number>[] => [
    { clientId: 0, input: "pick", output: 0, call: 0, return: 1 },
    ...reads.map((value, index) => ({ clientId: 1, input: "read" as const, output: value, call: 2 + 2 * index, return: 3 + 2 * index })),
  ];

  it("tries every successor", () => {
    expect(checkOperations(picker, history(1, 1)).verdict).toBe("linearizable");
    expect(checkOperations(picker, history(2, 2)).verdict).toBe("linearizable");
    expect(checkOperations(picker, history(2, 1)).verdict).toBe("not-linearizable");
    expect(checkOperations(picker, history(3)).verdict).toBe("not-linearizable");
  });
});

describe("a key-value store, partitioned by key", () => {
  const get = (key: string, value: string): Call<KvInput, KvOutput> => ({ input: { f: "get", key }, output: value });
  const append = (key: string, value: string): Call<KvInput, KvOutput> => ({ input: { f: "append", key, value }, output: undefined });
  const put = (key: string, value: string): Call<KvInput, KvOutput> => ({ input: { f: "put", key, value }, output: undefined });

  it("orders concurrent appends either way, and keeps keys apart", () => {
    const appends = [during(0, 2, append("k", "a")), during(1, 3, append("k", "b"), 1), during(0, 1, put("j", "x"), 2)];
    expect(checkOperations(kvStore, [...appends, during(4, 5, get("k", "ab")), during(4, 5, get("j", "x"), 3)]).verdict).toBe("linearizable");
    expect(checkOperations(kvStore, [...appends, during(4, 5, get("k", "ba"))]).verdict).toBe("linearizable");
    expect(checkOperations(kvStore, [...appends, during(4, 5, get("k", "a"))]).verdict).toBe("not-linearizable");
    expect(checkOperations(kvStore, [...appends, during(4, 5, get("j", ""))]).verdict).toBe("not-linearizable");
  });

  it("names the part that fails", () => {
    const result = checkOperations(kvStore, [
      during(0, 1, put("a", "1")),
      during(0, 1, put("b", "1"), 1),
      during(2, 3, get("a", "1")),
      during(2, 3, get("b", "2"), 1),
    ]);
    expect(result.verdict).toBe("not-linearizable");
    expect(result.partitions).toHaveLength(2);
    expect(result.failure?.operations.every((operation) => operation.input.key === "b")).toBe(true);
  });

  it("gives up with 'unknown' at the timeout", () => {
    // Key "0" of c50-bad alone: proving it not linearizable takes millions of configurations.
    const operations = parseKvHistory(readText(join(jepsenRoot, "kv", "c50-bad.txt")), "c50-bad.txt").filter((operation) => operation.input.key === "0");
    const started = performance.now();
    const result = checkOperations(kvStore, operations, { timeoutMs: 50 });
    expect(result.verdict).toBe("unknown");
    expect(result.partitions[0]?.verdict).toBe("unknown");
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe("the history recorder", () => {
  it("times events by one counter and turns outcomes into operations", () => {
    const recorder = new HistoryRecorder<RegisterInput, RegisterOutput>();
    const first = recorder.invoke(1, { f: "write", value: 1 });
    const second = recorder.invoke(2, { f: "read" });
    second.ok(null);
    first.ok(undefined);
    const lost = recorder.invoke(3, { f: "write", value: 2 });
    lost.unknown();
    recorder.invoke(4, { f: "write", value: 3 }).fail();
    recorder.invoke(5, { f: "read" }); // never settled
    expect(recorder.operations()).toEqual([
      { clientId: 1, input: { f: "write", value: 1 }, output: undefined, call: 0, return: 3 },
      { clientId: 2, input: { f: "read" }, output: null, call: 1, return: 2 },
      { clientId: 3, input: { f: "write", value: 2 }, output: unknown, call: 4, return: Infinity },
      { clientId: 5, input: { f: "read" }, output: unknown, call: 6, return: Infinity },
    ]);
    expect(checkOperations(casRegister, recorder.operations()).verdict).toBe("linearizable");
  });

  it("refuses to settle an operation twice", () => {
    const pending = new HistoryRecorder<RegisterInput, RegisterOutput>().invoke(1, { f: "read" });
    pending.ok(null);
    expect(() => pending.unknown()).toThrow(/settled twice/);
  });
});
