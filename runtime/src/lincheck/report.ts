// A check's result as text, for a failing test or a simulator run to print: where the search got
// furthest, the state it reached, and the operations none of which could come next.
import type { CheckResult, PartitionResult } from "./check.js";
import { unknown, type Model, type Operation } from "./model.js";

export function describeResult<State, Input, Output>(model: Model<State, Input, Output>, result: CheckResult<State, Input, Output>): string {
  const total = result.partitions.reduce((sum, part) => sum + part.operations.length, 0);
  const summary = `${result.verdict}: ${total} operations in ${result.partitions.length} part${result.partitions.length === 1 ? "" : "s"}`;
  const failure = result.failure;
  if (failure === undefined) return summary;
  return [summary, ...describeFailure(model, failure, result.partitions.indexOf(failure))].join("\n");
}

function describeFailure<State, Input, Output>(model: Model<State, Input, Output>, part: PartitionResult<State, Input, Output>, index: number): string[] {
  const linearized = new Set(part.linearization);
  const rest = part.operations.filter((operation) => !linearized.has(operation));
  // The candidates the search had at its furthest point: calls not after the first open return.
  const firstReturn = rest.reduce((first, operation) => Math.min(first, operation.return), Infinity);
  const candidates = rest.filter((operation) => operation.call <= firstReturn);
  const state = model.describeState?.(part.state) ?? String(part.state);
  const line = (operation: Operation<Input, Output>): string => {
    const times = `[${operation.call}, ${operation.return === Infinity ? "∞" : operation.return}]`;
    const what =
      model.describeOperation?.(operation.input, operation.output) ??
      `${JSON.stringify(operation.input)} → ${operation.output === unknown ? "?" : JSON.stringify(operation.output)}`;
    return `  ${times} client ${operation.clientId}: ${what}`;
  };
  return [
    `part ${index + 1} (${part.operations.length} operations) is not linearizable`,
    `longest linearizable prefix (${part.linearization.length} operations), ending in state ${state}:`,
    ...part.linearization.map(line),
    `none of these can come next:`,
    ...candidates.map(line),
  ];
}
