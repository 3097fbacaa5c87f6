// The one printer: a syntax tree (without errors) and its comments → prettier's document IR →
// canonical text. `coalc fmt`, the prettier plugin and the language server all print through
// `printDocument`, so they cannot disagree.
//
// Layout rules (docs/language.md, "Formatting"): two-space indentation, 100 columns; top-level
// declarations separated by one blank line (imports stay together); inside braces one member per
// line without commas, blank lines between members kept (at most one); short bodies of records,
// enums, nested blocks and record literals stay on one line (`{ a: 1, b: 2 }`) when they fit and
// the author wrote them on one line; calls, lists and type arguments break one item per line with
// a trailing comma when they do not fit; `&` / `|` chains break before the operator, aligned under
// the value. Literals print exactly as written. Every comment is printed back next to the node it
// was attached to.
import { builders, printer } from "prettier/doc";
import type * as A from "../syntax/ast.js";
import { attachComments, type AttachedComment, type CommentMap } from "./comments.js";

type Doc = builders.Doc;
const { group, indent, align, line, softline, hardline, lineSuffix, lineSuffixBoundary, breakParent, join, ifBreak } = builders;

export interface FormatOptions {
  /** Preferred maximum line width. Default 100. */
  readonly printWidth?: number;
}

export const defaultPrintWidth = 100;

/** The document for a whole file. Exposed for the prettier plugin, which prints it itself. */
export function printDocument(file: A.SourceFile, comments: readonly A.Comment[], text: string): Doc {
  const printer = new Printer(text, attachComments(file, comments, text));
  const doc = printer.file(file);
  printer.assertAllPrinted(comments.length);
  return doc;
}

/** Canonical text for a file without syntax errors. */
export function printFile(file: A.SourceFile, comments: readonly A.Comment[], text: string, options: FormatOptions = {}): string {
  const doc = printDocument(file, comments, text);
  return printer.printDocToString(doc, { printWidth: options.printWidth ?? defaultPrintWidth, tabWidth: 2, useTabs: false }).formatted;
}

class Printer {
  private readonly printed = new Set<AttachedComment>();

  constructor(
    private readonly text: string,
    private readonly comments: CommentMap,
  ) {}

  // -------------------------------------------------------------------------------------------
  // Comments

  /** A node with its leading and trailing comments. `lineStart` says the node begins a line
   *  when printed (members of a block, items of a broken list, top-level items).
   *
   *  A comment that ended its line in the source ends its line in the output. Before a node that
   *  starts a line, it is printed on its own line; before a node that prints mid-line, it moves
   *  the node to a new, indented line after it; after a node, it is deferred to the end of the
   *  line (`lineSuffix`). Comments are emitted strictly in order, and every one except an own-
   *  line trailing comment (which carries its own line break) is preceded by `lineSuffixBoundary`,
   *  which flushes a pending deferred comment first — so comments never merge or change order.
   *  Blank lines around comments are kept only between list elements. */
  private withComments(node: A.Node | undefined, doc: Doc, lineStart = false): Doc {
    if (node === undefined) return doc;
    const attached = this.comments.get(node);
    if (attached === undefined) return doc;
    const parts: Doc[] = [];
    const leading: Doc[] = [];
    for (const comment of attached.leading) {
      this.printed.add(comment);
      const text = commentText(comment);
      if (!endsLine(comment)) {
        leading.push(lineSuffixBoundary, text, " ");
      } else {
        leading.push(lineSuffixBoundary, text, hardline);
        if (lineStart && comment.blankLineAfter && comment.onListElement && comment.placement === "ownLine") leading.push(hardline);
      }
    }
    // A node that prints mid-line, with comments before it that end their lines, moves to a line
    // of its own (indented), after those comments.
    if (!lineStart && attached.leading.some(endsLine)) parts.push(indent([hardline, ...leading, doc]));
    else parts.push(...leading, doc);
    for (const comment of attached.trailing) {
      this.printed.add(comment);
      const text = commentText(comment);
      if (comment.placement === "ownLine") {
        const blank = comment.blankLineBefore && comment.onListElement ? [hardline] : [];
        parts.push(lineSuffix([hardline, ...blank, text]), breakParent);
      } else if (endsLine(comment)) {
        parts.push(lineSuffixBoundary, lineSuffix([" ", text]), breakParent);
      } else {
        parts.push(lineSuffixBoundary, " ", text);
      }
    }
    return parts;
  }

  /** Dangling comments of `node`, each on its own line (for empty bodies and files). */
  private dangling(node: A.Node): Doc[] {
    const attached = this.comments.get(node)?.dangling ?? [];
    return attached.map((comment) => {
      this.printed.add(comment);
      return [lineSuffixBoundary, commentText(comment)];
    });
  }

  /** Comments that stay on the line of `node`'s opening delimiter. */
  private afterOpen(node: A.Node): Doc[] {
    const attached = this.comments.get(node)?.afterOpen ?? [];
    return attached.flatMap((comment) => {
      this.printed.add(comment);
      return [lineSuffixBoundary, lineSuffix([" ", commentText(comment)]), breakParent];
    });
  }

  private hasDangling(node: A.Node): boolean {
    return (this.comments.get(node)?.dangling.length ?? 0) > 0;
  }

  private hasDanglingEndingLine(node: A.Node): boolean {
    return (this.comments.get(node)?.dangling ?? []).some(endsLine);
  }

  /** Where a node's printed text effectively starts/ends, its own-line comments included. */
  private fullStart(node: A.Node): number {
    const leading = this.comments.get(node)?.leading ?? [];
    return leading.length === 0 ? node.start : Math.min(node.start, leading[0]!.comment.start);
  }

  private fullEnd(node: A.Node): number {
    const trailing = this.comments.get(node)?.trailing ?? [];
    return trailing.length === 0 ? node.end : Math.max(node.end, trailing[trailing.length - 1]!.comment.end);
  }

  /** A blank line in the source between two siblings (commas between them ignored). */
  private blankLineBetween(previous: A.Node, next: A.Node): boolean {
    return /\n[ \t\r,]*\n/.test(this.text.slice(this.fullEnd(previous), this.fullStart(next)));
  }

  // -------------------------------------------------------------------------------------------
  // File and declarations

  file(file: A.SourceFile): Doc {
    const parts: Doc[] = [];
    file.items.forEach((item, index) => {
      if (index > 0) {
        const previous = file.items[index - 1]!;
        const bothImports = previous.kind === "ImportDecl" && item.kind === "ImportDecl";
        parts.push(hardline);
        if (!bothImports || this.blankLineBetween(previous, item)) parts.push(hardline);
      }
      parts.push(this.item(item));
    });
    const dangling = this.dangling(file);
    if (dangling.length > 0) {
      if (parts.length > 0) parts.push(hardline, hardline);
      parts.push(join(hardline, dangling));
    }
    if (parts.length > 0) parts.push(hardline);
    return parts;
  }

  private item(item: A.Item): Doc {
    return this.withComments(item, [this.docComment(this.itemDoc(item)), this.itemBody(item)], true);
  }

  private itemDoc(item: A.Item): A.DocComment | undefined {
    return item.kind === "ImportDecl" || item.kind === "UniverseDecl" ? undefined : item.doc;
  }

  private docComment(doc: A.DocComment | undefined): Doc {
    if (doc === undefined) return "";
    const lines = doc.text.split("\n").map((text) => (text.length === 0 ? "///" : "/// " + text.trimEnd()));
    return [join(hardline, lines), hardline];
  }

  private itemBody(item: A.Item): Doc {
    switch (item.kind) {
      case "ImportDecl":
        return this.importDecl(item);
      case "UniverseDecl":
        return ["universe ", this.valueAligned("universe ".length, item.value)];
      case "RecordDecl":
        return ["record ", this.identifier(item.name), " ", this.braced(item, item.fields, (field) => this.fieldDecl(field), true)];
      case "EnumDecl":
        return ["enum ", this.identifier(item.name), " ", this.braced(item, item.variants, (variant) => this.variantDecl(variant), true)];
      case "ValidatorDecl": {
        const params = item.params === undefined ? "" : this.parameters(item, item.params);
        if (item.params !== undefined && item.value === undefined) return ["validator ", this.identifier(item.name), params];
        const head = `validator ${item.name?.text ?? ""} = `;
        return ["validator ", this.identifier(item.name), params, " = ", this.valueAligned(head.length, item.value)];
      }
      case "BuiltinDecl":
        return ["builtin ", this.identifier(item.name), this.parameters(item, item.params), ": ", this.type(item.returns)];
      case "MeasurementsDecl":
      case "LatticeDecl":
      case "OrganismDecl":
      case "ConfluenceDecl":
      case "CoalitionDecl":
        return [declarationKeyword[item.kind], " ", this.identifier(item.name), " ", this.block(item.body, false)];
    }
  }

  private importDecl(item: A.ImportDecl): Doc {
    const names = item.names.map((name) =>
      this.withComments(name, name.alias === undefined ? this.identifier(name.name) : [this.identifier(name.name), " as ", this.identifier(name.alias)], true),
    );
    const from = item.from === undefined ? "" : [" from ", this.expr(item.from)];
    const afterOpen = this.afterOpen(item);
    if (names.length === 0 && afterOpen.length > 0) return ["import {", ...afterOpen, indent(this.dangling(item).map((comment) => [hardline, comment])), hardline, "}", from];
    if (names.length === 0) return ["import {", ...this.danglingInline(item), "}", from];
    return group(["import {", ...afterOpen, indent([line, join([",", line], names)]), ifBreak(","), line, "}", from]);
  }

  private danglingInline(node: A.Node): Doc[] {
    if (!this.hasDangling(node)) return [" "];
    if (!this.hasDanglingEndingLine(node)) return [" ", join(" ", this.dangling(node)), " "];
    return [indent([hardline, join(hardline, this.dangling(node))]), hardline];
  }

  private fieldDecl(field: A.FieldDecl): Doc {
    return [this.docComment(field.doc), this.identifier(field.name), ": ", this.type(field.type)];
  }

  private parameters(owner: A.Node, params: readonly A.FieldDecl[]): Doc {
    return this.bracketed("(", ")", owner, params.map((field) => this.withComments(field, this.fieldDecl(field), true)));
  }

  private variantDecl(variant: A.VariantDecl): Doc {
    const name = this.identifier(variant.name);
    if (variant.fields === undefined) return [this.docComment(variant.doc), name];
    return [this.docComment(variant.doc), name, this.bracketed("(", ")", variant, variant.fields.map((field) => this.withComments(field, this.fieldDecl(field), true)))];
  }

  // -------------------------------------------------------------------------------------------
  // Blocks and entries

  /** `{ … }` around members: one per line; or, when `flatAllowed` and the author wrote the body
   *  on one line, `{ a, b }` if it fits. Empty: `{ }`. */
  private braced<N extends A.Node>(owner: A.Node, members: readonly N[], print: (member: N) => Doc, flatAllowed: boolean): Doc {
    const afterOpen = this.afterOpen(owner);
    if (members.length === 0) {
      const dangling = this.dangling(owner);
      if (dangling.length === 0 && afterOpen.length === 0) return "{ }";
      if (dangling.length === 0) return ["{", ...afterOpen, hardline, "}"];
      return ["{", ...afterOpen, indent([hardline, join(hardline, dangling)]), hardline, "}"];
    }
    const printed: Doc[] = [];
    members.forEach((member, index) => {
      if (index > 0) {
        printed.push(ifBreak("", ","), line);
        if (this.blankLineBetween(members[index - 1]!, member)) printed.push(softline);
      }
      printed.push(this.withComments(member, print(member), true));
    });
    const dangling = this.dangling(owner);
    if (dangling.length > 0) printed.push(hardline, join(hardline, dangling));
    const authoredFlat = !this.text.slice(owner.start, members[0]!.start).includes("\n");
    return group(["{", ...afterOpen, indent([line, ...printed]), line, "}"], { shouldBreak: !flatAllowed || !authoredFlat });
  }

  private block(block: A.Block | undefined, flatAllowed: boolean): Doc {
    if (block === undefined) return "{ }";
    return this.withComments(block, this.braced(block, block.entries, (entry) => this.entry(entry), flatAllowed));
  }

  private entry(entry: A.Entry): Doc {
    switch (entry.kind) {
      case "Property": {
        const name = entry.name.text;
        return [this.docComment(entry.doc), this.identifier(entry.name), ": ", this.valueAligned(name.length + 2, entry.value)];
      }
      case "NestedBlock":
        return [this.docComment(entry.doc), this.identifier(entry.name), " ", this.block(entry.body, true)];
      case "Directive":
        return entry.args === undefined ? this.identifier(entry.name) : [this.identifier(entry.name), this.args(entry, entry.args)];
      case "StreamMember":
        return [this.docComment(entry.doc), "stream ", this.identifier(entry.name), ": ", this.type(entry.type)];
      case "CollectionMember":
        return [this.docComment(entry.doc), "collection ", this.identifier(entry.name), ": ", this.type(entry.type)];
      case "ContentMember":
        if (entry.fields === undefined) return [this.docComment(entry.doc), "content: ", this.valueAligned("content: ".length, entry.value)];
        return [this.docComment(entry.doc), "content ", this.braced(entry, entry.fields, (field) => this.contentField(field), true)];
      case "WatchdogMember":
        return entry.body === undefined ? ["watchdog ", this.identifier(entry.name)] : ["watchdog ", this.identifier(entry.name), " ", this.block(entry.body, true)];
      case "HeartbeatMember":
        return ["heartbeat on ", this.identifier(entry.target), " every ", this.expr(entry.period)];
    }
  }

  private contentField(field: A.ContentField): Doc {
    const name = field.name.text;
    if (field.type === undefined) return [this.docComment(field.doc), this.identifier(field.name), ": ", this.valueAligned(name.length + 2, field.value)];
    return [this.docComment(field.doc), this.identifier(field.name), ": ", this.type(field.type), " = ", this.expr(field.value)];
  }

  // -------------------------------------------------------------------------------------------
  // Types and expressions

  private identifier(identifier: A.Identifier | undefined): Doc {
    return identifier === undefined ? "" : this.withComments(identifier, identifier.text);
  }

  private type(type: A.TypeRef | undefined, lineStart = false): Doc {
    if (type === undefined) return "";
    const name = this.identifier(type.name);
    const doc = type.args === undefined ? name : [name, this.bracketed("<", ">", type, type.args.map((arg) => this.type(arg, true)))];
    return this.withComments(type, doc, lineStart);
  }

  /** A value after `name: ` (or `= `): operator chains that break align under its first column. */
  private valueAligned(column: number, value: A.Expr | undefined): Doc {
    // Operands line up under the first one; the operator sits in the two columns before them.
    if (value?.kind === "BinaryExpr") return align(Math.max(0, column - 2), this.expr(value));
    return this.expr(value);
  }

  private expr(expr: A.Expr | undefined, lineStart = false): Doc {
    if (expr === undefined) return "";
    return this.withComments(expr, this.exprBody(expr), lineStart);
  }

  private exprBody(expr: A.Expr): Doc {
    switch (expr.kind) {
      case "PathExpr":
        return join(".", expr.segments.map((segment) => this.identifier(segment)));
      case "CallExpr":
        return [this.expr(expr.callee), this.args(expr, expr.args)];
      case "RecordLiteral":
        return [this.expr(expr.type), " ", this.braced(expr, expr.fields, (field) => this.recordField(field), true)];
      case "ListExpr":
        return this.bracketed("[", "]", expr, expr.elements.map((element) => this.expr(element, true)));
      case "ParenExpr":
        // Operators inside break under the first operand, one column in from the `(`.
        return ["(", align(1, this.expr(expr.expr)), ")"];
      case "BinaryExpr":
        return group(this.binary(expr));
      case "TicksLiteral":
        return [this.expr(expr.count), " ticks"];
      case "BoolLiteral":
        return expr.value ? "true" : "false";
      default:
        return expr.text;
    }
  }

  /** `a & b & c`: breaks before each operator. Nested runs of the other operator keep their own
   *  group, so `a & b | c & d` breaks at `|` first. */
  private binary(expr: A.BinaryExpr): Doc[] {
    const parts: Doc[] = [];
    expr.operands.forEach((operand, index) => {
      const printed = operand.kind === "BinaryExpr" ? this.withComments(operand, group(this.binary(operand))) : this.expr(operand);
      if (index > 0) parts.push(line, expr.op, " ");
      parts.push(printed);
    });
    return parts;
  }

  private recordField(field: A.Property): Doc {
    return [this.docComment(field.doc), this.identifier(field.name), ": ", this.valueAligned(field.name.text.length + 2, field.value)];
  }

  private args(owner: A.Node, args: readonly A.Argument[]): Doc {
    return this.bracketed(
      "(",
      ")",
      owner,
      args.map((arg) =>
        this.withComments(arg, arg.name === undefined ? this.expr(arg.value) : [this.identifier(arg.name), ": ", this.valueAligned(arg.name.text.length + 2, arg.value)], true),
      ),
    );
  }

  /** Comma-separated items in brackets: flat if it fits, else one per line with a trailing comma. */
  private bracketed(open: string, close: string, owner: A.Node, items: Doc[]): Doc {
    const afterOpen = owner.kind === "ListExpr" ? this.afterOpen(owner) : [];
    if (items.length === 0) {
      if (!this.hasDangling(owner) && afterOpen.length === 0) return open + close;
      if (afterOpen.length > 0) {
        const dangling = this.dangling(owner);
        return dangling.length === 0 ? [open, ...afterOpen, hardline, close] : [open, ...afterOpen, indent([hardline, join(hardline, dangling)]), hardline, close];
      }
      if (this.hasDanglingEndingLine(owner)) return [open, indent([hardline, join(hardline, this.dangling(owner))]), hardline, close];
      return [open, join(" ", this.dangling(owner)), close];
    }
    return group([open, ...afterOpen, indent([softline, join([",", line], items)]), ifBreak(","), softline, close]);
  }

  /** Every comment must have been printed; a miss is a printer bug, never the user's. */
  assertAllPrinted(total: number): void {
    if (this.printed.size !== total) throw new Error(`formatter invariant: printed ${this.printed.size} of ${total} comments`);
  }
}

const declarationKeyword = {
  MeasurementsDecl: "measurements",
  LatticeDecl: "lattice",
  OrganismDecl: "organism",
  ConfluenceDecl: "confluence",
  CoalitionDecl: "coalition",
} as const;

/** A line comment, or a block comment that ended its line in the source. */
function endsLine(attached: AttachedComment): boolean {
  return attached.comment.style !== "block" || attached.followedByNewline;
}

/** A comment's text as printed. A `///` that documents nothing (W0001) is printed as `//`, its
 *  own quick fix: the formatter may move a comment next to a declaration, and must never turn
 *  it into that declaration's documentation. */
function commentText(attached: AttachedComment): string {
  const { text, style } = attached.comment;
  if (style === "block") return text;
  if (style === "doc") return "//" + text.slice(3).trimEnd();
  return text.trimEnd();
}
