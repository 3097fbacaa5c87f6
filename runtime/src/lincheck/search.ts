// The Wing–Gong search with Lowe's improvements (Lowe, "Testing for linearizability", 2017) over
// one independent part of a history.
//
// Calls and returns form one doubly linked list in time order. The calls before the first return
// are the candidates: each overlaps every operation still open, so any of them may be linearized
// next. Linearizing one steps the model; if the output is legal and the new configuration
// (linearized set, state) is unexplored, the operation's call and return leave the list and the
// search goes on from there. When no candidate works, the search undoes its last choice and
// tries the next one. Unlinking keeps each node's own links, so undoing is two re-insertions
// (Knuth's dancing links).
//
// The search is resumable: `run` does a bounded number of steps and returns, so that the parts of
// a history can take turns and one that fails quickly ends the check before a hard one finishes.
import { ExploredConfigurations, LinearizedSet } from "./configurations.js";
import { unknown, type Model, type Operation, type StateKey } from "./model.js";

export type Verdict = "linearizable" | "not-linearizable" | "unknown";

interface Event {
  readonly operation: number;
  readonly isCall: boolean;
  /** When it happened: a call's call time, a return's return time. */
  readonly time: number;
  /** A call's return; a return's call. */
  match: Event;
  prev: Event | null;
  next: Event | null;
}

/** A choice the search made and can undo, with what is left to try in its place. */
interface Choice<State> {
  readonly call: Event;
  readonly previous: State;
  readonly successors: readonly State[];
  readonly nextSuccessor: number;
  readonly candidates: readonly Event[];
  readonly candidate: number;
}

/** How many steps between two looks at the clock. */
const stepsPerDeadlineCheck = 4096;

export class PartitionSearch<State, Input, Output> {
  private readonly head: Event;
  private readonly readOnly: readonly boolean[];
  private readonly linearized: LinearizedSet;
  private readonly explored: ExploredConfigurations;
  private readonly stateIds = new Map<StateKey, number>();
  private readonly choices: Choice<State>[] = [];
  private state: State;
  /** The candidates of the current configuration, and the next one to try. */
  private candidates: readonly Event[];
  private candidate = 0;
  private decided: Verdict | undefined;
  private longest: readonly number[] = [];
  private longestState: State;

  constructor(
    private readonly model: Model<State, Input, Output>,
    private readonly operations: readonly Operation<Input, Output>[],
  ) {
    this.head = eventList(operations);
    this.readOnly = operations.map((operation) => model.readOnly?.(operation.input, operation.output) ?? false);
    this.linearized = new LinearizedSet(operations.length);
    this.explored = new ExploredConfigurations(operations.length);
    this.state = this.longestState = model.init();
    this.candidates = this.collectCandidates();
  }

  /** The verdict once decided, else undefined. */
  get verdict(): Verdict | undefined {
    return this.decided;
  }

  /**
   * Indices of operations in linearization order: all of them when linearizable, otherwise the
   * longest legal prefix found so far.
   */
  get linearization(): readonly number[] {
    return this.longest;
  }

  /** The model's state after `linearization`. */
  get linearizationState(): State {
    return this.longestState;
  }

  /** Configurations explored: the work done so far. */
  get exploredCount(): number {
    return this.explored.size;
  }

  /**
   * Searches for at most `maxSteps` model steps, and not past `deadline` (a `performance.now()`
   * time); returns the verdict once decided, undefined when it stopped first.
   */
  run(maxSteps: number, deadline: number): Verdict | undefined {
    const { model, operations } = this;
    let steps = 0;
    while (this.decided === undefined) {
      if (this.head.next === null) {
        this.decided = "linearizable";
        break;
      }
      // Try the current configuration's remaining candidates.
      let moved = false;
      while (this.candidate < this.candidates.length) {
        if (steps >= maxSteps) return undefined;
        if (++steps % stepsPerDeadlineCheck === 0 && performance.now() > deadline) return undefined;
        const call = this.candidates[this.candidate]!;
        const operation = operations[call.operation]!;
        if (this.choose(call, model.step(this.state, operation.input, operation.output), 0, this.candidates, this.candidate)) {
          moved = true;
          break;
        }
        this.candidate++;
      }
      if (moved) continue;
      // None works here: undo the last choice and try what it left.
      const choice = this.choices.pop();
      if (choice === undefined) {
        this.decided = "not-linearizable";
        break;
      }
      relink(choice.call);
      this.linearized.delete(choice.call.operation);
      this.state = choice.previous;
      if (this.choose(choice.call, choice.successors, choice.nextSuccessor, choice.candidates, choice.candidate)) continue;
      this.candidates = choice.candidates;
      this.candidate = choice.candidate + 1;
    }
    return this.decided;
  }

  /**
   * Linearizes `call` into its first successor, from `first` on, that reaches an unexplored
   * configuration, and moves to that configuration; false if there is none.
   */
  private choose(call: Event, successors: readonly State[], first: number, candidates: readonly Event[], candidate: number): boolean {
    this.linearized.add(call.operation);
    for (let i = first; i < successors.length; i++) {
      const successor = successors[i]!;
      if (!this.explored.add(this.linearized, this.stateId(this.model.key(successor)))) continue;
      this.choices.push({ call, previous: this.state, successors, nextSuccessor: i + 1, candidates, candidate });
      this.state = successor;
      unlink(call);
      if (this.choices.length > this.longest.length) {
        this.longest = this.choices.map((choice) => choice.call.operation);
        this.longestState = successor;
      }
      this.candidates = this.collectCandidates();
      this.candidate = 0;
      return true;
    }
    this.linearized.delete(call.operation);
    return false;
  }

  /**
   * The calls before the first return, in call order. A read-only operation (one that never
   * changes the state) that is legal now is the only candidate: if any linearization goes on from
   * here, one goes on with it first — moving it forward past operations that were open with it
   * breaks no real-time order and, changing nothing, changes no later step — so the others need
   * not be tried here. Read-only operations illegal now are left out. (On the etcd histories the
   * search explores half as many configurations with this rule as without.)
   */
  private collectCandidates(): readonly Event[] {
    const candidates: Event[] = [];
    for (let event = this.head.next; event !== null && event.isCall; event = event.next) {
      if (!this.readOnly[event.operation]) {
        candidates.push(event);
        continue;
      }
      const operation = this.operations[event.operation]!;
      if (this.model.step(this.state, operation.input, operation.output).length > 0) return [event];
    }
    return candidates;
  }

  private stateId(key: StateKey): number {
    let id = this.stateIds.get(key);
    if (id === undefined) this.stateIds.set(key, (id = this.stateIds.size));
    return id;
  }
}

/**
 * The sentinel head of the operations' calls and returns in time order. At equal times calls
 * come first, so operations that touch at an instant overlap; a call always precedes its own
 * return, so the list ends in a return.
 */
function eventList<Input, Output>(operations: readonly Operation<Input, Output>[]): Event {
  const events: Event[] = [];
  operations.forEach((operation, index) => {
    if (!Number.isFinite(operation.call) || !(operation.call <= operation.return)) {
      throw new RangeError(`operation ${index} of client ${operation.clientId} has call time ${operation.call} and return time ${operation.return}`);
    }
    // "It did not happen" is covered by placing the operation after all others, which only a
    // return at +∞ allows (see `Model`).
    if (operation.output === unknown && operation.return !== Infinity) {
      throw new RangeError(
        `operation ${index} of client ${operation.clientId} has an unknown output, so its return time must be Infinity, not ${operation.return}`,
      );
    }
    const call: Event = { operation: index, isCall: true, time: operation.call, match: undefined!, prev: null, next: null };
    const returned: Event = { operation: index, isCall: false, time: operation.return, match: call, prev: null, next: null };
    call.match = returned;
    events.push(call, returned);
  });
  // Array.prototype.sort is stable, so ties keep history order.
  events.sort((a, b) => (a.time !== b.time ? (a.time < b.time ? -1 : 1) : Number(b.isCall) - Number(a.isCall)));
  const head: Event = { operation: -1, isCall: false, time: -Infinity, match: undefined!, prev: null, next: null };
  let last = head;
  for (const event of events) {
    last.next = event;
    event.prev = last;
    last = event;
  }
  return head;
}

/** Takes a call and its return out of the list; both keep their own links for `relink`. */
function unlink(call: Event): void {
  remove(call);
  remove(call.match);
}

/** Undoes `unlink`; correct because choices are undone in the reverse order they were made. */
function relink(call: Event): void {
  restore(call.match);
  restore(call);
}

function remove(event: Event): void {
  event.prev!.next = event.next;
  if (event.next !== null) event.next.prev = event.prev;
}

function restore(event: Event): void {
  event.prev!.next = event;
  if (event.next !== null) event.next.prev = event;
}
