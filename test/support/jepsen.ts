// Parsers for the Jepsen histories in ../shared/testdata/jepsen (formats and semantics in its
// README), turned into checker operations through the runtime's own HistoryRecorder, so reading
// them also exercises the recorder. For validation only; the runtime never reads Jepsen files.
import { join } from "node:path";
import {
  HistoryRecorder,
  type KvInput,
  type KvOutput,
  type Operation,
  type PendingOperation,
  type RegisterInput,
  type RegisterOutput,
} from "@coal/runtime/lincheck";
import { sharedRoot } from "./files.js";

export const jepsenRoot = join(sharedRoot, "testdata", "jepsen");

type EventType = "invoke" | "ok" | "fail" | "info";

/** Pairs each process's invoke with its next completion; one pending operation per process. */
class Processes<Input, Output> {
  readonly recorder = new HistoryRecorder<Input, Output>();
  private readonly pending = new Map<number, PendingOperation<Output>>();

  constructor(private readonly where: (line: number) => string) {}

  invoke(process: number, input: Input, line: number): void {
    if (this.pending.has(process)) throw new Error(`${this.where(line)}: process ${process} invokes twice`);
    this.pending.set(process, this.recorder.invoke(process, input));
  }

  complete(process: number, line: number): PendingOperation<Output> {
    const pending = this.pending.get(process);
    if (pending === undefined) throw new Error(`${this.where(line)}: process ${process} completes an operation it never invoked`);
    this.pending.delete(process);
    return pending;
  }
}

const etcdLine = /^INFO\s+jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:(read|write|cas)\s+(.*?)\s*$/;

/**
 * An etcd register log. `:fail` of a cas is a compare that found another value (output false);
 * `:fail` of a read or write did not happen and is dropped; `:info` is unknown (return at +∞).
 */
export function parseEtcdLog(text: string, name: string): Operation<RegisterInput, RegisterOutput>[] {
  const processes = new Processes<RegisterInput, RegisterOutput>((line) => `${name}:${line}`);
  text.split("\n").forEach((source, index) => {
    if (source.trim() === "") return;
    const line = index + 1;
    const match = etcdLine.exec(source);
    if (match === null) throw new Error(`${name}:${line}: not a Jepsen etcd log line: ${source}`);
    const [, processText, type, f, value] = match as unknown as [string, string, EventType, RegisterInput["f"], string];
    const process = Number(processText);
    if (type === "invoke") {
      processes.invoke(process, registerInput(f, value, `${name}:${line}`), line);
      return;
    }
    const pending = processes.complete(process, line);
    if (type === "info") pending.unknown();
    else if (type === "fail") {
      if (f === "cas") pending.ok(false);
      else pending.fail();
    } else if (f === "read") pending.ok(value === "nil" ? null : integer(value, `${name}:${line}`));
    else pending.ok(f === "cas" ? true : undefined);
  });
  return processes.recorder.operations();
}

function registerInput(f: RegisterInput["f"], value: string, where: string): RegisterInput {
  switch (f) {
    case "read":
      return { f };
    case "write":
      return { f, value: integer(value, where) };
    case "cas": {
      const pair = /^\[(-?\d+) (-?\d+)\]$/.exec(value);
      if (pair === null) throw new Error(`${where}: a cas takes [old new], not ${value}`);
      return { f, from: Number(pair[1]), to: Number(pair[2]) };
    }
  }
}

function integer(text: string, where: string): number {
  if (!/^-?\d+$/.test(text)) throw new Error(`${where}: expected an integer, not ${text}`);
  return Number(text);
}

const kvLine = /^\{:process (\d+), :type :(invoke|ok|fail|info), :f :(get|put|append), :key ("(?:[^"\\]|\\.)*"), :value (nil|"(?:[^"\\]|\\.)*")\}$/;

/** A key-value EDN history. `:fail` did not happen and is dropped; `:info` is unknown. */
export function parseKvHistory(text: string, name: string): Operation<KvInput, KvOutput>[] {
  const processes = new Processes<KvInput, KvOutput>((line) => `${name}:${line}`);
  text.split("\n").forEach((source, index) => {
    if (source.trim() === "") return;
    const line = index + 1;
    const match = kvLine.exec(source.trim());
    if (match === null) throw new Error(`${name}:${line}: not a key-value history line: ${source}`);
    const [, processText, type, f, keyText, valueText] = match as unknown as [string, string, EventType, KvInput["f"], string, string];
    const process = Number(processText);
    // EDN strings escape like JSON's for everything these histories hold.
    const key = JSON.parse(keyText) as string;
    const value = valueText === "nil" ? undefined : (JSON.parse(valueText) as string);
    if (type === "invoke") {
      if (f !== "get" && value === undefined) throw new Error(`${name}:${line}: ${f} without a value`);
      processes.invoke(process, f === "get" ? { f, key } : { f, key, value: value! }, line);
      return;
    }
    const pending = processes.complete(process, line);
    if (type === "info") pending.unknown();
    else if (type === "fail") pending.fail();
    // A get of a key never written may print nil; the model reads it as "".
    else pending.ok(f === "get" ? (value ?? "") : undefined);
  });
  return processes.recorder.operations();
}
