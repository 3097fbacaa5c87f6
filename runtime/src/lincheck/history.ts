// Records a history as it happens: each invoke and each completion takes the next tick of one
// counter, so the times are exactly the order in which the recorder saw the events.
import { unknown, type Operation } from "./model.js";

/** An invoked operation, waiting for its outcome. Settle it once. */
export interface PendingOperation<Output> {
  /** It completed with `output`. */
  ok(output: Output): void;
  /** Nobody knows whether it took effect (timeout, crash, lost reply): it may, at any later time. */
  unknown(): void;
  /** It definitely did not take effect (e.g. refused before reaching the state machine): left out. */
  fail(): void;
}

interface Entry<Input, Output> {
  readonly clientId: number;
  readonly input: Input;
  readonly call: number;
  outcome: "pending" | "ok" | "unknown" | "failed";
  output: Output | typeof unknown;
  return: number;
}

export class HistoryRecorder<Input, Output> {
  private readonly entries: Entry<Input, Output>[] = [];
  private clock = 0;

  invoke(clientId: number, input: Input): PendingOperation<Output> {
    const entry: Entry<Input, Output> = { clientId, input, call: this.clock++, outcome: "pending", output: unknown, return: Infinity };
    this.entries.push(entry);
    const settle = (outcome: "ok" | "unknown" | "failed", output: Output | typeof unknown): void => {
      if (entry.outcome !== "pending") throw new Error(`operation of client ${clientId} settled twice (${entry.outcome}, then ${outcome})`);
      entry.outcome = outcome;
      entry.output = output;
      if (outcome === "ok") entry.return = this.clock++;
    };
    return {
      ok: (output) => settle("ok", output),
      unknown: () => settle("unknown", unknown),
      fail: () => settle("failed", unknown),
    };
  }

  /**
   * The history so far, in invoke order. Operations still pending count as unknown: a client that
   * has not heard back may yet see its operation take effect.
   */
  operations(): Operation<Input, Output>[] {
    return this.entries
      .filter((entry) => entry.outcome !== "failed")
      .map(({ clientId, input, output, call, return: returned }) => ({ clientId, input, output, call, return: returned }));
  }
}
