// Properties of the checker over generated histories. A random program runs sequentially against
// a plain implementation of the object, operation i taking effect at time 10·i; each operation is then given a random
// interval around that point (so neighbours overlap), and some writes lose their outcome (return
// at +∞, whether or not they took effect). Such a history is linearizable by construction.
// Changing one read's output to a value nobody wrote makes it not linearizable.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  casRegister,
  checkOperations,
  kvStore,
  unknown,
  type KvInput,
  type KvOutput,
  type Operation,
  type RegisterInput,
  type RegisterOutput,
  type RegisterValue,
} from "@coal/runtime/lincheck";

/** One generated operation: what it does, how its outcome is recorded, and its interval around its point. */
interface Planned<Input> {
  readonly input: Input;
  /** "lost": the outcome is unknown and it never took effect; "unknown": unknown, but it did. */
  readonly outcome: "ok" | "unknown" | "lost";
  readonly before: number;
  readonly after: number;
  readonly clientId: number;
}

const spacing = 10;
const interval = { before: fc.integer({ min: 0, max: 3 * spacing }), after: fc.integer({ min: 0, max: 3 * spacing }) };
const outcome = fc.constantFrom<Planned<unknown>["outcome"]>("ok", "ok", "ok", "ok", "unknown", "lost");

/**
 * The history of running `plan` sequentially, operation i at time spacing·i, against `execute`:
 * a plain implementation of the object (not the checker's model) returning what the client saw.
 */
function runSequentially<Input, Output>(plan: readonly Planned<Input>[], execute: (input: Input) => Output): Operation<Input, Output>[] {
  return plan.map((planned, index) => {
    const point = index * spacing;
    const call = Math.max(0, point - planned.before);
    const output = planned.outcome === "lost" ? unknown : execute(planned.input);
    return planned.outcome === "ok"
      ? { clientId: planned.clientId, input: planned.input, output, call, return: point + planned.after }
      : { clientId: planned.clientId, input: planned.input, output: unknown, call, return: Infinity };
  });
}

/** The history with the `which`-th of the operations `isRead` selects reading `impossible`. */
function withImpossibleRead<Input, Output>(
  history: readonly Operation<Input, Output>[],
  isRead: (operation: Operation<Input, Output>) => boolean,
  which: number,
  impossible: Output,
) {
  const reads = history.flatMap((operation, index) => (isRead(operation) && operation.output !== unknown ? [index] : []));
  if (reads.length === 0) return undefined;
  const target = reads[which % reads.length]!;
  return history.map((operation, index) => (index === target ? { ...operation, output: impossible } : operation));
}

describe("a compare-and-set register", () => {
  const value = fc.integer({ min: 0, max: 3 });
  const input: fc.Arbitrary<RegisterInput> = fc.oneof(
    fc.constant({ f: "read" as const }),
    value.map((v) => ({ f: "write" as const, value: v })),
    fc.tuple(fc.option(value, { nil: null }), value).map(([from, to]) => ({ f: "cas" as const, from, to })),
  );
  const plan = fc.array(fc.record({ input, outcome, ...interval, clientId: fc.nat(4) }), { maxLength: 40 });
  const historyOf = (planned: readonly Planned<RegisterInput>[]) => {
    let register: RegisterValue | null = null;
    return runSequentially<RegisterInput, RegisterOutput>(planned, (input) => {
      switch (input.f) {
        case "read":
          return register;
        case "write":
          register = input.value;
          return undefined;
        case "cas": {
          const swapped = register === input.from;
          if (swapped) register = input.to;
          return swapped;
        }
      }
    });
  };

  it("a history of a sequential run, with overlapping intervals, is linearizable", () => {
    fc.assert(
      fc.property(plan, (planned) => {
        expect(checkOperations(casRegister, historyOf(planned)).verdict).toBe("linearizable");
      }),
      { numRuns: 200 },
    );
  });

  it("reading a value never written makes it not linearizable", () => {
    fc.assert(
      fc.property(plan, fc.nat(), (planned, which) => {
        const mutated = withImpossibleRead(historyOf(planned), (operation) => operation.input.f === "read", which, 99);
        fc.pre(mutated !== undefined);
        expect(checkOperations(casRegister, mutated!).verdict).toBe("not-linearizable");
      }),
      { numRuns: 200 },
    );
  });
});

describe("a key-value store", () => {
  const key = fc.constantFrom("a", "b", "c");
  const text = fc.constantFrom("x", "y", "xy");
  const input: fc.Arbitrary<KvInput> = fc.oneof(
    key.map((k) => ({ f: "get" as const, key: k })),
    fc.tuple(key, text).map(([k, v]) => ({ f: "put" as const, key: k, value: v })),
    fc.tuple(key, text).map(([k, v]) => ({ f: "append" as const, key: k, value: v })),
  );
  const plan = fc.array(fc.record({ input, outcome, ...interval, clientId: fc.nat(4) }), { maxLength: 40 });
  const historyOf = (planned: readonly Planned<KvInput>[]) => {
    const store = new Map<string, string>();
    return runSequentially<KvInput, KvOutput>(planned, (input) => {
      const value = store.get(input.key) ?? "";
      if (input.f === "get") return value;
      store.set(input.key, input.f === "put" ? input.value : value + input.value);
      return undefined;
    });
  };

  it("a history of a sequential run, with overlapping intervals, is linearizable", () => {
    fc.assert(
      fc.property(plan, (planned) => {
        expect(checkOperations(kvStore, historyOf(planned)).verdict).toBe("linearizable");
      }),
      { numRuns: 200 },
    );
  });

  it("getting a value never written makes it not linearizable", () => {
    fc.assert(
      fc.property(plan, fc.nat(), (planned, which) => {
        const mutated = withImpossibleRead(historyOf(planned), (operation) => operation.input.f === "get", which, "!");
        fc.pre(mutated !== undefined);
        expect(checkOperations(kvStore, mutated!).verdict).toBe("not-linearizable");
      }),
      { numRuns: 200 },
    );
  });
});
