// Sequential models for the checker: a compare-and-set register and a string key-value store.
import { partitionBy, unknown, type Model, type Unknown } from "./model.js";

export type RegisterValue = string | number;

/** `cas` swaps in `to` when the register holds `from` (`null`: never written). */
export type RegisterInput =
  | { readonly f: "read" }
  | { readonly f: "write"; readonly value: RegisterValue }
  | { readonly f: "cas"; readonly from: RegisterValue | null; readonly to: RegisterValue };

/**
 * By operation: `read` — the value read (`null`: never written); `write` — nothing to check
 * (`undefined`); `cas` — whether it swapped. A cas that answered `false` happened: it compared,
 * found another value and changed nothing.
 */
export type RegisterOutput = RegisterValue | null | boolean | undefined;

/** One register, initially `null`. */
export const casRegister: Model<RegisterValue | null, RegisterInput, RegisterOutput> = {
  init: () => null,
  step(state, input, output) {
    switch (input.f) {
      case "read":
        return output === unknown || output === state ? [state] : [];
      case "write":
        return [input.value];
      case "cas": {
        const swaps = state === input.from;
        if (output !== unknown && typeof output !== "boolean") throw new TypeError(`a cas outputs a boolean, not ${String(output)}`);
        if (output !== unknown && output !== swaps) return [];
        return [swaps ? input.to : state];
      }
    }
  },
  key: (state) => state,
  readOnly: (input, output) => input.f === "read" || (input.f === "cas" && output === false),
  describeOperation(input, output) {
    switch (input.f) {
      case "read":
        return `read → ${show(output)}`;
      case "write":
        return output === unknown ? `write(${show(input.value)}) → ?` : `write(${show(input.value)})`;
      case "cas":
        return `cas(${show(input.from)}, ${show(input.to)}) → ${show(output)}`;
    }
  },
  describeState: (state) => show(state),
};

/** `append` concatenates to the key's value; a key never written reads as "". */
export type KvInput =
  | { readonly f: "get"; readonly key: string }
  | { readonly f: "put"; readonly key: string; readonly value: string }
  | { readonly f: "append"; readonly key: string; readonly value: string };

/** By operation: `get` — the value read; `put` and `append` — nothing to check (`undefined`). */
export type KvOutput = string | undefined;

/**
 * A map from string keys to strings, initially empty. Partitioned by key, so each part touches
 * one key and the state is just that key's value: a string, which is its own memo key, where a
 * whole map would need serialising at every step.
 */
export const kvStore: Model<string, KvInput, KvOutput> = {
  init: () => "",
  step(state, input, output) {
    switch (input.f) {
      case "get":
        return output === unknown || output === state ? [state] : [];
      case "put":
        return [input.value];
      case "append":
        return [state + input.value];
    }
  },
  key: (state) => state,
  readOnly: (input) => input.f === "get",
  partition: (operations) => partitionBy(operations, (input) => input.key),
  describeOperation(input, output) {
    switch (input.f) {
      case "get":
        return `get(${show(input.key)}) → ${show(output)}`;
      case "put":
      case "append":
        return `${input.f}(${show(input.key)}, ${show(input.value)})${output === unknown ? " → ?" : ""}`;
    }
  },
  describeState: (state) => show(state),
};

function show(value: RegisterOutput | Unknown): string {
  if (value === unknown) return "?";
  if (value === undefined) return "ok";
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}
