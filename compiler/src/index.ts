// Public API of the compiler: files (through a host) → diagnostics; later, the checked model,
// fingerprints and emitted files.
export * from "./host.js";
export { NodeHost } from "./node-host.js";
export { collectSourceFiles } from "./sources.js";
export { checkFiles, type CheckedFile, type CheckResult } from "./check.js";
export { compilerVersion } from "./version.js";
export { allCatalogues, findCatalogueEntry } from "./catalogues.js";
