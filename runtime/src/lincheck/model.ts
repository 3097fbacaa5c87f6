// What the linearizability checker is given: operations (a client's call and return, with their
// times) and a sequential model that says which outputs each state allows and what follows.

/**
 * The output of an operation whose outcome nobody saw (Jepsen's `:info`: a timeout, a crash, a
 * lost reply). A model's `step` accepts it from every state, with the effect the operation would
 * have had there. A unique symbol rather than `undefined`, so that no real output can be taken
 * for it.
 */
export const unknown: unique symbol = Symbol("lincheck.unknown");
export type Unknown = typeof unknown;

/** One client operation of a history. */
export interface Operation<Input, Output> {
  /** Who ran it; only used to describe histories. */
  readonly clientId: number;
  readonly input: Input;
  readonly output: Output | Unknown;
  /** When the client invoked it. Any clock; only the order of times matters. */
  readonly call: number;
  /**
   * When the client saw it complete; `Infinity` when it never did, which an `unknown` output
   * requires: the operation may take effect at any time after `call`, or never. A call and a
   * return at the same time count as overlapping: the checker then allows either order.
   */
  readonly return: number;
}

/** A state's identity for the checker's memo: equal (SameValueZero) for equal states only. */
export type StateKey = string | number | bigint | boolean | null | undefined;

/**
 * A sequential specification. The checker searches for an order of the operations, consistent
 * with their real-time order, in which every step is legal.
 *
 * `step` returns every state that may follow (several for a nondeterministic specification;
 * none when the output is impossible from `state`). An operation with an `unknown` output needs no
 * "it did not happen" successor: its return is at +∞, so the search may always place it after
 * every other operation, where taking effect changes nothing anyone observed. The model returns
 * the effect it would have had, and the checker stays the same for definite and unknown outcomes.
 */
export interface Model<State, Input, Output> {
  init(): State;
  step(state: State, input: Input, output: Output | Unknown): readonly State[];
  /**
   * True when the operation never changes the state: from every state, `step` returns that state
   * or nothing (a read, a compare that failed). Optional; lets the checker linearize such an
   * operation as soon as it is legal without trying anything else first.
   */
  readOnly?(input: Input, output: Output | Unknown): boolean;
  /** Keys the memo of explored (linearized set, state) pairs; cheap keys make a fast checker. */
  key(state: State): StateKey;
  /**
   * Splits a history into independent sub-histories (for a key-value store, one per key), each
   * checked on its own; the history is linearizable when every part is (linearizability is
   * local). Without it the history is one part.
   */
  partition?(operations: readonly Operation<Input, Output>[]): readonly (readonly Operation<Input, Output>[])[];
  /** One operation for a failure report, e.g. `cas(1, 2) → false`. */
  describeOperation?(input: Input, output: Output | Unknown): string;
  describeState?(state: State): string;
}

/** Groups operations by a key of their input, keeping each group in history order. */
export function partitionBy<Input, Output>(operations: readonly Operation<Input, Output>[], keyOf: (input: Input) => StateKey): Operation<Input, Output>[][] {
  const groups = new Map<StateKey, Operation<Input, Output>[]>();
  for (const operation of operations) {
    const key = keyOf(operation.input);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [operation]);
    else group.push(operation);
  }
  return [...groups.values()];
}
