// A readable, stable text form of a syntax tree: what the parser tests compare against, and (with
// ranges left out) how the formatter's round-trip check compares two trees.
import type { Node } from "./ast.js";

export interface DumpOptions {
  /** Include `start..end` after each node kind. Default true. */
  readonly ranges?: boolean;
}

const scalarKeys = ["text", "value", "op"] as const;
const skippedKeys = new Set(["kind", "start", "end"]);

export function dumpTree(node: Node, options: DumpOptions = {}): string {
  const lines: string[] = [];
  write(node, "", "", options.ranges ?? true, lines);
  return lines.join("\n") + "\n";
}

function write(node: Node, label: string, indent: string, ranges: boolean, lines: string[]): void {
  let line = indent + label + node.kind;
  if (ranges) line += ` ${node.start}..${node.end}`;
  const record = node as unknown as Record<string, unknown>;
  for (const key of scalarKeys) {
    const value = record[key];
    if (value === undefined || typeof value === "object") continue;
    line += key === "text" ? ` ${JSON.stringify(value)}` : ` ${key}=${JSON.stringify(value)}`;
  }
  lines.push(line);
  const children = Object.keys(record)
    .filter((key) => !skippedKeys.has(key) && typeof record[key] === "object" && record[key] !== null)
    .sort((a, b) => firstStart(record[a]) - firstStart(record[b]) || a.localeCompare(b));
  for (const key of children) {
    const value = record[key];
    if (Array.isArray(value)) {
      if (value.length === 0) {
        lines.push(`${indent}  ${key}: []`);
        continue;
      }
      lines.push(`${indent}  ${key}:`);
      for (const item of value as Node[]) write(item, "- ", indent + "    ", ranges, lines);
    } else if (isNode(value)) {
      write(value, `${key}: `, indent + "  ", ranges, lines);
    }
  }
}

function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && "kind" in value;
}

function firstStart(value: unknown): number {
  if (Array.isArray(value)) return value.length === 0 ? Number.MAX_SAFE_INTEGER : firstStart(value[0]);
  return isNode(value) ? value.start : Number.MAX_SAFE_INTEGER;
}
