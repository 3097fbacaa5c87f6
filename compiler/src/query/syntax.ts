// Walking syntax trees for editor queries: every node's children in source order, and the chain
// of nodes around an offset. Trees are plain data without parent pointers, so "where am I" is
// answered by descending from the file once per query.
import type * as A from "@coal/language";

/** Calls `visit` for each direct child of `node`, in source order. */
export function forEachChild(node: A.Node, visit: (child: A.Node) => void): void {
  const each = (children: readonly A.Node[] | undefined) => children?.forEach(visit);
  const one = (child: A.Node | undefined) => {
    if (child !== undefined) visit(child);
  };
  switch (node.kind) {
    case "SourceFile":
      return each(node.items);
    case "ImportDecl":
      each(node.names);
      return one(node.from);
    case "ImportName":
      one(node.name);
      return one(node.alias);
    case "UniverseDecl":
      return one(node.value);
    case "RecordDecl":
      one(node.doc);
      one(node.name);
      return each(node.fields);
    case "EnumDecl":
      one(node.doc);
      one(node.name);
      return each(node.variants);
    case "VariantDecl":
      one(node.doc);
      one(node.name);
      return each(node.fields);
    case "FieldDecl":
      one(node.doc);
      one(node.name);
      return one(node.type);
    case "ValidatorDecl":
      one(node.doc);
      one(node.name);
      each(node.params);
      return one(node.value);
    case "BuiltinDecl":
      one(node.doc);
      one(node.name);
      each(node.params);
      return one(node.returns);
    case "MeasurementsDecl":
    case "LatticeDecl":
    case "OrganismDecl":
    case "ConfluenceDecl":
    case "CoalitionDecl":
      one(node.doc);
      one(node.name);
      return one(node.body);
    case "Block":
      return each(node.entries);
    case "Property":
      one(node.doc);
      one(node.name);
      return one(node.value);
    case "NestedBlock":
      one(node.doc);
      one(node.name);
      return one(node.body);
    case "Directive":
      one(node.name);
      return each(node.args);
    case "StreamMember":
    case "CollectionMember":
      one(node.doc);
      one(node.name);
      return one(node.type);
    case "ContentMember":
      one(node.doc);
      one(node.value);
      return each(node.fields);
    case "ContentField":
      one(node.doc);
      one(node.name);
      one(node.type);
      return one(node.value);
    case "WatchdogMember":
      one(node.name);
      return one(node.body);
    case "HeartbeatMember":
      one(node.target);
      return one(node.period);
    case "TypeRef":
      one(node.name);
      return each(node.args);
    case "PathExpr":
      return each(node.segments);
    case "CallExpr":
      one(node.callee);
      return each(node.args);
    case "Argument":
      one(node.name);
      return one(node.value);
    case "RecordLiteral":
      one(node.type);
      return each(node.fields);
    case "ListExpr":
      return each(node.elements);
    case "ParenExpr":
      return one(node.expr);
    case "BinaryExpr":
      return each(node.operands);
    case "TicksLiteral":
      return one(node.count);
    case "IntegerLiteral":
    case "DecimalLiteral":
    case "StringLiteral":
    case "HexLiteral":
    case "DurationLiteral":
    case "BoolLiteral":
    case "Identifier":
    case "DocComment":
      return;
  }
}

/**
 * The nodes whose range holds `offset`, outermost first. A range's end counts as inside, so a
 * cursor just after a half-typed name still finds that name.
 */
export function nodesAt(root: A.Node, offset: number): A.Node[] {
  const chain: A.Node[] = [root];
  let current: A.Node = root;
  for (;;) {
    let next: A.Node | undefined;
    forEachChild(current, (child) => {
      // The first match wins: at a boundary, the node that ends at the cursor is the one typed.
      if (next === undefined && child.start <= offset && offset <= child.end) next = child;
    });
    if (next === undefined) return chain;
    chain.push(next);
    current = next;
  }
}

/** Where a top-level item's text starts, its doc comment included. */
export function itemStart(item: A.Item): number {
  return "doc" in item && item.doc !== undefined ? Math.min(item.doc.start, item.start) : item.start;
}

/** The top-level item whose text (doc comment included) holds `offset`, if any. */
export function itemAt(file: A.SourceFile, offset: number): A.Item | undefined {
  let low = 0;
  let high = file.items.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const item = file.items[mid]!;
    if (offset < itemStart(item)) high = mid - 1;
    else if (offset > item.end) low = mid + 1;
    else return item;
  }
  return undefined;
}

/** The source text of a node on one line: whitespace runs collapsed, none inside brackets,
 *  trailing commas dropped (`Tdx(\n  baseline: …,\n)` → `Tdx(baseline: …)`). */
export function compactText(text: string, range: A.Range): string {
  return text
    .slice(range.start, range.end)
    .replace(/\s+/g, " ")
    .replace(/([(<\[]) /g, "$1")
    .replace(/,? ([)>\]])/g, "$1")
    .trim();
}

/** Every node under `root` (itself included), depth first, in source order. */
export function descendants(root: A.Node): A.Node[] {
  const out: A.Node[] = [];
  const visit = (node: A.Node) => {
    out.push(node);
    forEachChild(node, visit);
  };
  visit(root);
  return out;
}
