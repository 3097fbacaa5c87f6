// Identity and fingerprints, exactly as spec/02-identity.md defines them. The compiler computes
// every fingerprint through this module and generated bindings re-derive them at load time, so
// both sides cannot disagree. docs/identity.md restates the rules for reimplementers.
export * from "./bytes.js";
export * from "./hash.js";
export * from "./derivation.js";
export * from "./types.js";
export * from "./encode.js";
export * from "./admission.js";
export * from "./fingerprints.js";
export * from "./decode.js";
export * from "./codec.js";
export * from "./selfcheck.js";
