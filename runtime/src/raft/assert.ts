// Programmer errors and broken invariants stop the node (TIGER_STYLE): what a peer or the network
// can cause is a value (`Refusal`, `RaftDecodeError`), never one of these.

export class RaftInvariantError extends Error {
  override readonly name = "RaftInvariantError";
}

export function assert(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) throw new RaftInvariantError(typeof message === "string" ? message : message());
}
