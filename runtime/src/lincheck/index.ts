// @coal/runtime/lincheck: a linearizability checker (Wing–Gong search with Lowe's memo and
// per-key partitioning) for histories recorded from clients of a replicated service.
export { unknown, partitionBy, type Unknown, type Operation, type Model, type StateKey } from "./model.js";
export { checkOperations, type CheckOptions, type CheckResult, type PartitionResult, type Verdict } from "./check.js";
export { HistoryRecorder, type PendingOperation } from "./history.js";
export { casRegister, kvStore, type RegisterValue, type RegisterInput, type RegisterOutput, type KvInput, type KvOutput } from "./models.js";
export { describeResult } from "./report.js";
