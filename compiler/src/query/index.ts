// Queries for editors over a loaded program, in the compiler's own terms (offsets, syntax nodes,
// model parts): the language server translates them to LSP and nothing here knows LSP.
export { forEachChild, nodesAt, itemAt, itemStart, compactText, descendants } from "./syntax.js";
export { NameIndex, blockRecords, type Target, type TargetKind, type Occurrence, type Binding, type TypeView } from "./names.js";
export { sliceProgram, checkItems, workspaceCodes, type SliceRoot } from "./slice.js";
export { describe, fingerprintsOf, explainFingerprint, type Description, type Fingerprint } from "./describe.js";
export { complete, type Completions, type CompletionCandidate, type CompletionKind, type CompleteOptions } from "./complete.js";
