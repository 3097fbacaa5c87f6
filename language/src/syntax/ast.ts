// The typed syntax tree. Every node carries its exact source range as UTF-16 offsets
// [start, end) into the file text; every child may be missing, because the parser never fails
// and a half-typed file still yields a tree. Nodes are plain immutable data: no parent pointers,
// no methods, so trees can be compared, dumped and sent across threads.

export interface Range {
  /** Offset of the first character (UTF-16 code units from the start of the file). */
  readonly start: number;
  /** Offset just past the last character. */
  readonly end: number;
}

interface NodeBase extends Range {
  readonly kind: string;
}

// ---------------------------------------------------------------------------------------------
// Names, comments, types

export interface Identifier extends NodeBase {
  readonly kind: "Identifier";
  readonly text: string;
}

/** Consecutive `///` lines in front of a declaration. `text` has the `///` (and one following
 *  space, if any) removed from each line, lines joined with `\n`. */
export interface DocComment extends NodeBase {
  readonly kind: "DocComment";
  readonly text: string;
}

/** A `//` or `/* *\/` comment, or a `///` that documents nothing. Not part of the tree proper:
 *  the parser returns them in source order beside it, and the formatter puts them back. */
export interface Comment extends Range {
  readonly style: "line" | "block" | "doc";
  /** The comment's full source text, delimiters included. */
  readonly text: string;
}

/** `u32`, `EvidencePointer`, `list<u32>`, `map<digest, MemberCard>`. */
export interface TypeRef extends NodeBase {
  readonly kind: "TypeRef";
  readonly name?: Identifier;
  /** Present (possibly empty) when the type was written with `<…>`. */
  readonly args?: readonly TypeRef[];
}

// ---------------------------------------------------------------------------------------------
// Expressions

export type Expr =
  | PathExpr
  | CallExpr
  | RecordLiteral
  | ListExpr
  | ParenExpr
  | BinaryExpr
  | IntegerLiteral
  | DecimalLiteral
  | StringLiteral
  | HexLiteral
  | DurationLiteral
  | TicksLiteral
  | BoolLiteral;

/** A name, optionally qualified: `prophet`, `SuccessorPolicy.HandOffToReputationLeader`. */
export interface PathExpr extends NodeBase {
  readonly kind: "PathExpr";
  readonly segments: readonly Identifier[];
}

/** `ReputationFloor(org, floor: 0.55)`, `blake3("…")`, `pinned(x)`, `Other(detail: "…")`. */
export interface CallExpr extends NodeBase {
  readonly kind: "CallExpr";
  readonly callee: PathExpr;
  readonly args: readonly Argument[];
}

/** One call argument, positional (`org`) or named (`floor: 0.55`). */
export interface Argument extends NodeBase {
  readonly kind: "Argument";
  readonly name?: Identifier;
  readonly value?: Expr;
}

/** `AgentContent { model_family: "…" … }` */
export interface RecordLiteral extends NodeBase {
  readonly kind: "RecordLiteral";
  readonly type: PathExpr;
  readonly fields: readonly Property[];
}

export interface ListExpr extends NodeBase {
  readonly kind: "ListExpr";
  readonly elements: readonly Expr[];
}

export interface ParenExpr extends NodeBase {
  readonly kind: "ParenExpr";
  readonly expr?: Expr;
}

/** `a & b & c` or `a | b`: one node per run of the same operator (`&` binds tighter than `|`).
 *  Operands may be missing where the source has an operator with nothing after it. */
export interface BinaryExpr extends NodeBase {
  readonly kind: "BinaryExpr";
  readonly op: "&" | "|";
  readonly operands: readonly Expr[];
}

/** `42`, `1_000`, `0x2a`, `-7`: the text as written; the checker gives it a value and a type. */
export interface IntegerLiteral extends NodeBase {
  readonly kind: "IntegerLiteral";
  readonly text: string;
}

/** `0.55`, never a float. */
export interface DecimalLiteral extends NodeBase {
  readonly kind: "DecimalLiteral";
  readonly text: string;
}

export interface StringLiteral extends NodeBase {
  readonly kind: "StringLiteral";
  /** The source text, quotes included. */
  readonly text: string;
  /** The decoded value (escapes applied); best effort when the literal has errors. */
  readonly value: string;
}

/** `0x` followed by 64 (digest) or 96 (measurement) hex digits. Shorter hex is an integer. */
export interface HexLiteral extends NodeBase {
  readonly kind: "HexLiteral";
  readonly text: string;
}

/** `500ms`, `2s`, `1h30m`. */
export interface DurationLiteral extends NodeBase {
  readonly kind: "DurationLiteral";
  readonly text: string;
}

/** `30 ticks` */
export interface TicksLiteral extends NodeBase {
  readonly kind: "TicksLiteral";
  readonly count: IntegerLiteral;
}

export interface BoolLiteral extends NodeBase {
  readonly kind: "BoolLiteral";
  readonly value: boolean;
}

// ---------------------------------------------------------------------------------------------
// Blocks: the bodies of lattices, measurements, organisms, confluences, coalitions and the
// nested blocks inside them (`committee { … }`, `atlas { … }`, `strategies { … }`). The parser
// accepts any entry in any block; the checker says which entries belong where.

export type Entry =
  | Property
  | NestedBlock
  | Directive
  | StreamMember
  | CollectionMember
  | ContentMember
  | WatchdogMember
  | HeartbeatMember;

export interface Block extends NodeBase {
  readonly kind: "Block";
  readonly entries: readonly Entry[];
}

/** `role: "forecaster"`, `admission: A & B`, `content: AgentContent { … }` inside a record literal. */
export interface Property extends NodeBase {
  readonly kind: "Property";
  readonly doc?: DocComment;
  readonly name: Identifier;
  readonly value?: Expr;
}

/** `committee { members: 3 }`, `atlas { }`, `strategies { … }` */
export interface NestedBlock extends NodeBase {
  readonly kind: "NestedBlock";
  readonly doc?: DocComment;
  readonly name: Identifier;
  readonly body: Block;
}

/** A bare or called name as an entry: `constitution`, `reputation(org, floor: 0.55)`. */
export interface Directive extends NodeBase {
  readonly kind: "Directive";
  readonly name: Identifier;
  /** Present (possibly empty) when written with parentheses. */
  readonly args?: readonly Argument[];
}

/** `stream forecasts: Forecast` */
export interface StreamMember extends NodeBase {
  readonly kind: "StreamMember";
  readonly doc?: DocComment;
  readonly name?: Identifier;
  readonly type?: TypeRef;
}

/** `collection cards: map<digest, MemberCard>` */
export interface CollectionMember extends NodeBase {
  readonly kind: "CollectionMember";
  readonly doc?: DocComment;
  readonly name?: Identifier;
  readonly type?: TypeRef;
}

/** `content: AgentContent { … }` (typed: `value`) or `content { window: 30 ticks … }` (inline: `fields`). */
export interface ContentMember extends NodeBase {
  readonly kind: "ContentMember";
  readonly doc?: DocComment;
  readonly value?: Expr;
  readonly fields?: readonly ContentField[];
}

/** One field of an inline content block: `window: 30 ticks` or `fee: u32 = 25`. */
export interface ContentField extends NodeBase {
  readonly kind: "ContentField";
  readonly doc?: DocComment;
  readonly name: Identifier;
  readonly type?: TypeRef;
  readonly value?: Expr;
}

/** `watchdog abandonment_watch { retire_after: 2 }` */
export interface WatchdogMember extends NodeBase {
  readonly kind: "WatchdogMember";
  readonly name?: Identifier;
  readonly body?: Block;
}

/** `heartbeat on chronicle every 1d` */
export interface HeartbeatMember extends NodeBase {
  readonly kind: "HeartbeatMember";
  readonly target?: Identifier;
  readonly period?: Expr;
}

// ---------------------------------------------------------------------------------------------
// Top-level items

export type Item =
  | ImportDecl
  | UniverseDecl
  | RecordDecl
  | EnumDecl
  | ValidatorDecl
  | BuiltinDecl
  | MeasurementsDecl
  | LatticeDecl
  | OrganismDecl
  | ConfluenceDecl
  | CoalitionDecl;

/** Every item that introduces a name. */
export type Declaration = Exclude<Item, ImportDecl | UniverseDecl>;

/** `import { A, B as C } from "std/types"` */
export interface ImportDecl extends NodeBase {
  readonly kind: "ImportDecl";
  readonly names: readonly ImportName[];
  readonly from?: StringLiteral;
}

export interface ImportName extends NodeBase {
  readonly kind: "ImportName";
  readonly name: Identifier;
  readonly alias?: Identifier;
}

/** `universe "mosaik.universe"` or `universe 0x…` */
export interface UniverseDecl extends NodeBase {
  readonly kind: "UniverseDecl";
  readonly value?: Expr;
}

export interface RecordDecl extends NodeBase {
  readonly kind: "RecordDecl";
  readonly doc?: DocComment;
  readonly name?: Identifier;
  readonly fields: readonly FieldDecl[];
}

/** `subject: string` in a record, or `label: string` in an enum variant. */
export interface FieldDecl extends NodeBase {
  readonly kind: "FieldDecl";
  readonly doc?: DocComment;
  readonly name: Identifier;
  readonly type?: TypeRef;
}

export interface EnumDecl extends NodeBase {
  readonly kind: "EnumDecl";
  readonly doc?: DocComment;
  readonly name?: Identifier;
  readonly variants: readonly VariantDecl[];
}

/** `Low` or `Other(label: string)` */
export interface VariantDecl extends NodeBase {
  readonly kind: "VariantDecl";
  readonly doc?: DocComment;
  readonly name: Identifier;
  /** Present (possibly empty) when written with parentheses. */
  readonly fields?: readonly FieldDecl[];
}

/** `validator operator_acl = Jwt(issuer: "ops.signals", key: 0x…)`, or in the standard
 *  library a built-in validator's signature: `validator Freshness(org: citizen, age: duration)`. */
export interface ValidatorDecl extends NodeBase {
  readonly kind: "ValidatorDecl";
  readonly doc?: DocComment;
  readonly name?: Identifier;
  /** Present (possibly empty) when written with parentheses. */
  readonly params?: readonly FieldDecl[];
  readonly value?: Expr;
}

/** A built-in function's signature, in the standard library: `builtin blake3(text: string): digest`.
 *  `builtin` is not a keyword; it declares only at the start of a top-level item. */
export interface BuiltinDecl extends NodeBase {
  readonly kind: "BuiltinDecl";
  readonly doc?: DocComment;
  readonly name?: Identifier;
  readonly params: readonly FieldDecl[];
  readonly returns?: TypeRef;
}

interface BlockDeclBase extends NodeBase {
  readonly doc?: DocComment;
  readonly name?: Identifier;
  readonly body?: Block;
}

export interface MeasurementsDecl extends BlockDeclBase {
  readonly kind: "MeasurementsDecl";
}
export interface LatticeDecl extends BlockDeclBase {
  readonly kind: "LatticeDecl";
}
export interface OrganismDecl extends BlockDeclBase {
  readonly kind: "OrganismDecl";
}
export interface ConfluenceDecl extends BlockDeclBase {
  readonly kind: "ConfluenceDecl";
}
export interface CoalitionDecl extends BlockDeclBase {
  readonly kind: "CoalitionDecl";
}

export interface SourceFile extends NodeBase {
  readonly kind: "SourceFile";
  readonly items: readonly Item[];
}

/** Every node kind, for exhaustive switches. */
export type Node =
  | SourceFile
  | Item
  | ImportName
  | FieldDecl
  | VariantDecl
  | Block
  | Entry
  | ContentField
  | Expr
  | Argument
  | TypeRef
  | Identifier
  | DocComment;

export type NodeKind = Node["kind"];
