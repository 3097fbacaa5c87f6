// Public API of the compiler: files (through a host) → diagnostics; later, the checked model,
// fingerprints and emitted files.
export * from "./host.js";
export { NodeHost, defaultStdlibRoot } from "./node-host.js";
export { collectSourceFiles } from "./sources.js";
export { compilerVersion } from "./version.js";
export { allCatalogues, findCatalogueEntry } from "./catalogues.js";
export { compile, findWorkspaceRoot, type CompileOptions, type Compilation } from "./compile.js";
export { loadProgram, stdModules, type Program, type SourceUnit, type ProgramOptions } from "./program.js";
export { checkProgram, type CheckedProgram } from "./checker/checker.js";
export { checkerCatalogue, checkerDiagnostic, type CheckerCode } from "./catalogue.js";
export { Fingerprinter, fingerprintReport } from "./fingerprints.js";
export type * from "./model.js";
export * from "./query/index.js";
