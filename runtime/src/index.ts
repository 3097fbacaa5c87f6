// @coal/runtime: what generated bindings import at run time.
export * as identity from "./identity/index.js";
export * as net from "./net/index.js";
