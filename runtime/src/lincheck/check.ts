// The checker's entry point: split the history into the model's independent parts, search each
// for a linearization, and join the verdicts (linearizability is local: a history is
// linearizable exactly when every part is).
import type { Model, Operation } from "./model.js";
import { PartitionSearch, type Verdict } from "./search.js";

export type { Verdict } from "./search.js";

export interface CheckOptions {
  /** Give up after this long, with the verdict "unknown". No limit when absent. */
  readonly timeoutMs?: number;
}

export interface PartitionResult<State, Input, Output> {
  readonly verdict: Verdict;
  /** This part of the history, in the order the model's `partition` gave it. */
  readonly operations: readonly Operation<Input, Output>[];
  /**
   * A linearization of all `operations` when the verdict is "linearizable"; otherwise the longest
   * legal prefix the search found (the place to start reading a failure).
   */
  readonly linearization: readonly Operation<Input, Output>[];
  /** The model's state after `linearization`. */
  readonly state: State;
  /** Configurations the search explored. */
  readonly explored: number;
}

export interface CheckResult<State, Input, Output> {
  /** "not-linearizable" if any part is, else "unknown" if any part timed out, else "linearizable". */
  readonly verdict: Verdict;
  /**
   * Every part, in the order the model gave them. A part is "unknown" when the timeout came
   * first, or when another part had already shown the history not linearizable.
   */
  readonly partitions: readonly PartitionResult<State, Input, Output>[];
  /** The part that showed the history not linearizable (the check stops at the first). */
  readonly failure?: PartitionResult<State, Input, Output>;
}

/** Steps each undecided part gets in the first round; each round doubles it. */
const firstRoundSteps = 1024;

export function checkOperations<State, Input, Output>(
  model: Model<State, Input, Output>,
  operations: readonly Operation<Input, Output>[],
  options: CheckOptions = {},
): CheckResult<State, Input, Output> {
  const deadline = performance.now() + (options.timeoutMs ?? Infinity);
  const parts = model.partition?.(operations) ?? [operations];
  const searches = parts.map((part) => new PartitionSearch(model, part));
  // The parts take turns with a growing budget rather than running one after another: a part
  // that fails fast then decides the history even when another part's search is long (in
  // kv/c50-bad, key "3" fails in a few thousand configurations while key "0" runs out of memory
  // after millions), and as the searches resume where they stopped, taking turns costs no
  // repeated work.
  let undecided = searches;
  let failed = false;
  for (let steps = firstRoundSteps; undecided.length > 0 && !failed && performance.now() <= deadline; steps *= 2) {
    for (const search of undecided) {
      if (search.run(steps, deadline) === "not-linearizable") {
        failed = true;
        break;
      }
    }
    undecided = undecided.filter((search) => search.verdict === undefined);
  }
  const partitions = searches.map((search, index) => partResult(search, parts[index]!));
  const failure = partitions.find((part) => part.verdict === "not-linearizable");
  const verdict: Verdict = failure !== undefined ? "not-linearizable" : partitions.some((part) => part.verdict === "unknown") ? "unknown" : "linearizable";
  return failure === undefined ? { verdict, partitions } : { verdict, partitions, failure };
}

function partResult<State, Input, Output>(
  search: PartitionSearch<State, Input, Output>,
  operations: readonly Operation<Input, Output>[],
): PartitionResult<State, Input, Output> {
  return {
    verdict: search.verdict ?? "unknown",
    operations,
    linearization: search.linearization.map((index) => operations[index]!),
    state: search.linearizationState,
    explored: search.exploredCount,
  };
}
