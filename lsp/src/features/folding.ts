// Folding: declarations and blocks, record literals, lists and calls spanning lines, runs of
// imports, block comments and runs of line comments.
import { forEachChild } from "@coal/compiler";
import type * as A from "@coal/language";
import { FoldingRangeKind, type FoldingRange, type FoldingRangeParams } from "vscode-languageserver";
import type { Session } from "../session.js";

const foldable = new Set<A.Node["kind"]>(["RecordDecl", "EnumDecl", "ValidatorDecl", "MeasurementsDecl", "LatticeDecl", "OrganismDecl", "ConfluenceDecl", "CoalitionDecl", "NestedBlock", "WatchdogMember", "RecordLiteral", "ListExpr", "CallExpr", "ContentMember", "BinaryExpr"]);

export function foldingRanges(session: Session, params: FoldingRangeParams): FoldingRange[] {
  const context = session.context(params.textDocument.uri);
  if (context === undefined) return [];
  const lines = context.lines;
  const ranges: FoldingRange[] = [];
  const add = (start: number, end: number, kind?: FoldingRangeKind) => {
    const startLine = lines.line(start);
    // The closing line stays visible.
    const endLine = lines.line(end) - (kind === undefined ? 1 : 0);
    if (endLine > startLine && !ranges.some((r) => r.startLine === startLine)) ranges.push({ startLine, endLine, ...(kind === undefined ? {} : { kind }) });
  };
  const visit = (node: A.Node) => {
    if (foldable.has(node.kind)) add(node.start, node.end);
    forEachChild(node, visit);
  };
  const file = context.unit.parsed.file;
  const imports = file.items.filter((item) => item.kind === "ImportDecl");
  if (imports.length > 1) add(imports[0]!.start, imports[imports.length - 1]!.end, FoldingRangeKind.Imports);
  visit(file);
  let run: A.Comment[] = [];
  const flush = () => {
    if (run.length > 1) add(run[0]!.start, run[run.length - 1]!.end, FoldingRangeKind.Comment);
    run = [];
  };
  for (const comment of context.unit.parsed.comments) {
    if (comment.style === "block") {
      flush();
      add(comment.start, comment.end, FoldingRangeKind.Comment);
      continue;
    }
    const previous = run[run.length - 1];
    if (previous !== undefined && lines.line(comment.start) !== lines.line(previous.end) + 1) flush();
    run.push(comment);
  }
  flush();
  return ranges.sort((a, b) => a.startLine - b.startLine);
}
