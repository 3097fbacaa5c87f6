// Networking: the embedded in-process network and typed streams over it.
export * from "./memory.js";
export * from "./typed.js";
export * from "./frames.js";
export * from "./link.js";
