// Tokens → typed syntax tree + syntax diagnostics, with chevrotain (embedded actions, recovery
// on). Parsing never throws and never gives up: every child may be missing, and the tree holds
// whatever was recognised.
//
// Recovery is layered. The pieces users most often leave out — a closing delimiter, a name, a
// value, a type, a comma — are handled here explicitly, without throwing, so the message can
// name the construct and point at its opening. Unexpected tokens at the top level and inside
// braces are skipped by explicit "junk" alternatives, one diagnostic per run. Everything else
// falls to chevrotain: single-token insertion and deletion, then re-synchronisation, where a
// rule that fails returns the partial node it was building (see `recover`).
//
// A note on chevrotain: while it records the grammar it runs every rule body once with dummy
// tokens, so every grammar path goes through its DSL (OR, OPTION, MANY, CONSUME, SUBRULE) and
// plain `if`s only decide what to *report*, never what to consume.
import { EmbeddedActionsParser, type IParserErrorMessageProvider, type IRecognitionException, type IToken, type TokenType } from "chevrotain";
import type * as A from "./ast.js";
import { decodeString, hexDigitCount } from "./lexer.js";
import * as T from "./tokens.js";
import { syntaxDiagnostic } from "../diagnostics/catalogue.js";
import type { Diagnostic, DiagnosticExtras } from "../diagnostics/diagnostic.js";

/** Deepest nesting of brackets and blocks the parser descends into (E0010 beyond). */
export const maxNestingDepth = 64;

type Mutable<N> = { -readonly [K in keyof N]: N[K] };

/** A syntax error as the parser sees it: a diagnostic plus the index of the offending token
 *  (tokens.length for the end of the file), used to drop cascades. */
export interface ParserError {
  readonly diagnostic: Diagnostic;
  readonly tokenIndex: number;
}

/** A node under construction, as `recover` and `depth` see it. */
interface OpenNode {
  start: number;
  end: number;
  kind: string;
  name?: A.Identifier;
}

const K = T.Keyword;

const literalTypes: ReadonlySet<TokenType> = new Set([
  T.StringLiteral,
  T.UnterminatedString,
  T.CurlyQuotedString,
  T.IntegerLiteral,
  T.DecimalLiteral,
  T.HexLiteral,
  T.Duration,
  T.BadNumber,
  K.true,
  K.false,
]);
const startsValueTypes: ReadonlySet<TokenType> = new Set([...literalTypes, T.LParen, T.LBracket]);
const topLevelStarts: ReadonlySet<TokenType> = new Set([
  K.import,
  K.universe,
  K.record,
  K.enum,
  K.measurements,
  K.lattice,
  K.validator,
  K.organism,
  K.confluence,
  K.coalition,
]);
const memberKeywords: ReadonlySet<TokenType> = new Set([K.stream, K.collection, K.content, K.watchdog, K.heartbeat]);
const keywordTypes: ReadonlySet<TokenType> = new Set(Object.values(K));
const openers = new Map<TokenType, TokenType>([
  [T.LBrace, T.RBrace],
  [T.LParen, T.RParen],
  [T.LBracket, T.RBracket],
]);
const closers: ReadonlySet<TokenType> = new Set([T.RBrace, T.RParen, T.RBracket]);
/** Open nodes that stand for one level of brackets or braces. */
const bracketKinds: ReadonlySet<string> = new Set(["Block", "ListExpr", "ParenExpr", "RecordLiteral", "Arguments", "TypeRef"]);

/** How a token is named in messages. */
export function describeToken(token: IToken | undefined): string {
  if (token === undefined || token.tokenType === undefined || Number.isNaN(token.startOffset)) return "the end of the file";
  const type = token.tokenType;
  if (type === T.Identifier) return "`" + token.image + "`";
  if (keywordTypes.has(type)) return "the keyword `" + token.image + "`";
  if (type === T.StringLiteral || type === T.UnterminatedString || type === T.CurlyQuotedString) return "a string";
  if (literalTypes.has(type)) return "`" + (token.image.length > 24 ? token.image.slice(0, 20) + "…" : token.image) + "`";
  return "`" + token.image + "`";
}

function tokenLabel(type: TokenType): string {
  const label = type.LABEL ?? type.name;
  return label;
}

/** What a missing value or type would have belonged to. The parser records it in two fields
 *  before descending (no allocation on the hot path) and builds the words only on error. */
type Where = (name: string) => string;
const where = {
  here: () => "here",
  forName: (name: string) => `for \`${name}\``,
  forField: (name: string) => `for field \`${name}\``,
  forArgument: (name: string) => `for argument \`${name}\``,
  asArgument: () => "as an argument",
  afterColon: () => "after `:`",
  afterUniverse: () => "after `universe`",
  afterEquals: () => "after `=`",
  forValidator: (name: string) => `for validator \`${name}\``,
  insideParens: () => "inside `(…)`",
  forContent: () => "for `content`",
  afterEvery: () => "after `every`",
  forReturn: () => "for the return type",
} satisfies Record<string, Where>;

/** Where a run of skipped tokens sits, which decides what counts as junk and what to say. */
const enum Junk {
  TopLevel,
  Block,
  Record,
  Enum,
  Content,
  RecordLiteral,
}

class CoalParser extends EmbeddedActionsParser {
  // Per-parse state, reset by `run`.
  private text = "";
  private comments: A.Comment[] = [];
  private usedDocs = new Set<number>();
  private errors_: ParserError[] = [];
  /** The tokens of this run (chevrotain's `input` also holds its end-of-file padding while parsing). */
  private tokenCount = 0;
  // Nodes under construction and the rule depth that opened each (parallel arrays: one
  // allocation fewer per node on the hot path).
  private open: OpenNode[] = [];
  private openDepths: number[] = [];
  private junkTokens = new Set<number>();
  // Context handed from a caller to the rule it calls (see `Where`).
  private whereFn: Where = where.here;
  private whereName = "";
  /** Whether the last run met no error at all (chevrotain's or ours). */
  cleanRun = true;

  constructor(readonly recovering: boolean) {
    super(T.parserTokens, {
      recoveryEnabled: recovering,
      maxLookahead: 2,
      errorMessageProvider: messageProvider,
    });
    this.performSelfAnalysis();
  }

  run(text: string, tokens: IToken[], comments: A.Comment[]): { file: A.SourceFile; errors: ParserError[]; usedDocs: Set<number> } {
    this.text = text;
    this.comments = comments;
    this.usedDocs = new Set();
    this.errors_ = [];
    this.open = [];
    this.openDepths = [];
    this.junkTokens = new Set();
    this.input = tokens;
    this.tokenCount = tokens.length;
    messageProvider.parser = this;
    const file = this.sourceFile();
    this.cleanRun = this.errors.length === 0 && this.errors_.length === 0;
    const errors = this.errors_;
    for (const exception of this.errors) errors.push(this.convert(exception));
    const result = { file, errors: errors.length === 0 ? errors : this.dropCascades(errors, tokens), usedDocs: this.usedDocs };
    this.input = [];
    this.text = "";
    this.comments = [];
    return result;
  }

  // -------------------------------------------------------------------------------------------
  // Node bookkeeping

  private get ruleDepth(): number {
    return (this as unknown as { RULE_STACK_IDX: number }).RULE_STACK_IDX;
  }

  // Offsets of a token; the end of the file for chevrotain's EOF token (whose offset is NaN).
  // While recording the grammar, "tokens" may be chevrotain's placeholder objects: tolerate them.
  private offsetOf(token: IToken): number {
    return Number.isNaN(token.startOffset) ? this.text.length : (token.startOffset ?? 0);
  }

  private endOf(token: IToken): number {
    return this.offsetOf(token) + (Number.isNaN(token.startOffset) ? 0 : (token.image?.length ?? 0));
  }

  /** Opens a node at the next token (or at `start`); partial nodes survive re-synchronisation. */
  private begin<N extends A.Node>(kind: N["kind"], start?: number): Mutable<N> {
    const node = { kind, start: start ?? this.offsetOf(this.LA(1)), end: 0 } as unknown as Mutable<N>;
    if (!this.RECORDING_PHASE) {
      this.open.push(node as unknown as OpenNode);
      this.openDepths.push(this.ruleDepth);
    }
    return node;
  }

  private finish<N extends { start: number; end: number }>(node: N): N {
    if (this.RECORDING_PHASE) return node;
    const top = this.open.pop();
    this.openDepths.pop();
    if (top !== (node as unknown)) throw new Error("parser invariant: unbalanced begin/finish");
    (node as { end: number }).end = Math.max(node.start, this.lastEnd());
    return node;
  }

  /** How many brackets and blocks enclose the parser right now. Derived from the open nodes, which
   *  `recover` keeps consistent, so it cannot drift when a rule fails. */
  private get depth(): number {
    let depth = 0;
    for (const node of this.open) if (bracketKinds.has(node.kind)) depth++;
    return depth;
  }

  private lastEnd(): number {
    const previous = this.LA(0);
    return Number.isNaN(previous.startOffset) ? 0 : previous.startOffset + previous.image.length;
  }

  /** The value a failing rule returns after re-synchronisation: the node it was building, with
   *  whatever children it had completed. Nodes of rules it called that failed with it are dropped. */
  private recover(): never {
    const depth = this.ruleDepth;
    let shallowest: OpenNode | undefined;
    while (this.open.length > 0 && this.openDepths[this.openDepths.length - 1]! >= depth) {
      this.openDepths.pop();
      const node = this.open.pop()!;
      node.end = Math.max(node.start, this.lastEnd());
      shallowest = node;
    }
    return shallowest as never;
  }

  private ident(token: IToken): A.Identifier {
    return { kind: "Identifier", text: token.image ?? "", start: this.offsetOf(token), end: this.endOf(token) };
  }

  /** Doc comments (`///`) directly in front of the next token. */
  private docBefore(): A.DocComment | undefined {
    if (this.RECORDING_PHASE || this.comments.length === 0) return undefined;
    const target = this.offsetOf(this.LA(1));
    // Fast path: no `/` between the previous token and this one means no comment at all.
    const text = this.text;
    let slash = false;
    for (let i = this.lastEnd(); i < target; i++) {
      if (text.charCodeAt(i) === 47) {
        slash = true;
        break;
      }
    }
    if (!slash) return undefined;
    const comments = this.comments;
    // The last comment ending at or before the target.
    let low = 0;
    let high = comments.length - 1;
    let index = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (comments[mid]!.end <= target) {
        index = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    let first = -1;
    let next = target;
    for (let i = index; i >= 0; i--) {
      const comment = comments[i]!;
      if (comment.style !== "doc" || !isBlank(this.text, comment.end, next)) break;
      first = i;
      next = comment.start;
    }
    if (first < 0) return undefined;
    const lines: string[] = [];
    for (let i = first; i <= index; i++) {
      this.usedDocs.add(i);
      lines.push(comments[i]!.text.slice(3).replace(/^ /, ""));
    }
    return { kind: "DocComment", text: lines.join("\n"), start: comments[first]!.start, end: comments[index]!.end };
  }

  private setWhere(fn: Where, name = ""): void {
    this.whereFn = fn;
    this.whereName = name;
  }

  // -------------------------------------------------------------------------------------------
  // Reporting

  private report(diagnostic: Diagnostic, token: IToken = this.LA(1)): void {
    if (this.RECORDING_PHASE) return;
    this.errors_.push({ diagnostic, tokenIndex: this.indexOf(token) });
  }

  private indexOf(token: IToken): number {
    // The parser reports at LA(1) or LA(0).
    const length = this.tokenCount;
    if (Number.isNaN(token.startOffset)) return length;
    const currentIndex = (this as unknown as { currIdx: number }).currIdx + 1;
    // The end of the file is index `length`. Not `input.length`: while parsing, chevrotain pads
    // the input with end-of-file sentinels, and an index past the real tokens made `parse` take
    // every gap in the token stream (a dropped character anywhere) for this error's echo.
    return Math.min(token === this.LA(1) ? currentIndex : currentIndex - 1, length);
  }

  private tokenRange(token: IToken): A.Range {
    const start = this.offsetOf(token);
    return { start, end: Math.max(start, this.endOf(token)) };
  }

  /** Where to point when something is missing: the end of the previous token if the next one is
   *  on a later line (so the caret sits where the thing was left out), else the next token. */
  private missingRange(): A.Range {
    const next = this.LA(1);
    const previous = this.LA(0);
    if (!Number.isNaN(previous.startOffset)) {
      const previousEnd = this.endOf(previous);
      const nextStart = this.offsetOf(next);
      if (Number.isNaN(next.startOffset) || this.text.slice(previousEnd, nextStart).includes("\n")) {
        return { start: previousEnd, end: previousEnd };
      }
    }
    return this.tokenRange(next);
  }

  /** E0103 for a missing value (E0106 if a keyword sits where the value should be). */
  private reportMissingValue(whereFn: Where, whereName: string, extras: DiagnosticExtras = {}): void {
    const found = this.LA(1);
    const keyword = keywordTypes.has(found.tokenType) && !topLevelStarts.has(found.tokenType) && !memberKeywords.has(found.tokenType);
    this.report(
      keyword
        ? syntaxDiagnostic("E0106", { keyword: "`" + found.image + "`" }, this.tokenRange(found))
        : syntaxDiagnostic("E0103", { where: whereFn(whereName), found: describeToken(found) }, this.missingRange(), extras),
      found,
    );
  }

  /** Guards an OPTION or MANY whose lookahead is the one token type `type` (or `other`): while
   *  chevrotain records the grammar it is always taken, so the grammar is unchanged. A failed
   *  OPTION does nothing, and a failed MANY does nothing but recovery bookkeeping, so skipping
   *  the call when the next token cannot match is exactly equivalent and much cheaper. MANYs
   *  pass `many`: they are skipped only when recovery is off. */
  private may(type: TokenType, other?: TokenType, many = false): boolean {
    if (this.RECORDING_PHASE || (many && this.recovering)) return true;
    const next = this.LA(1).tokenType;
    return next === type || next === other;
  }

  // -------------------------------------------------------------------------------------------
  // Lookahead predicates (decide what to report; the grammar still goes through the DSL)

  private startsValue(offset = 1): boolean {
    const type = this.LA(offset).tokenType;
    if (type === T.Identifier) return this.LA(offset + 1).tokenType !== T.Colon;
    return startsValueTypes.has(type);
  }

  /** `builtin name(`: the contextual start of a built-in function's signature. */
  private startsBuiltin(): boolean {
    return this.LA(1).tokenType === T.Identifier && this.LA(1).image === "builtin" && this.LA(2).tokenType === T.Identifier;
  }

  private startsEntry(): boolean {
    const type = this.LA(1).tokenType;
    return type === T.Identifier || memberKeywords.has(type);
  }

  private isJunk(junk: Junk): boolean {
    const token = this.LA(1);
    if (token.tokenType === T.Identifier) return junk === Junk.TopLevel && !this.startsBuiltin();
    if (Number.isNaN(token.startOffset)) return false;
    const type = token.tokenType;
    if (topLevelStarts.has(type)) return false;
    switch (junk) {
      case Junk.TopLevel:
        return true;
      case Junk.Block:
        return type !== T.RBrace && type !== T.Identifier && !memberKeywords.has(type);
      default:
        return type !== T.RBrace && type !== T.Identifier;
    }
  }

  /** Skips tokens while they are junk in this place, with one diagnostic for the run (at its
   *  first token). Called from loop gates, so skipping is invisible to the grammar: no grammar
   *  path consumes "any token", which keeps chevrotain's lookahead analysis small. */
  private skipJunk(junk: Junk, what: string): true {
    if (this.RECORDING_PHASE || !this.isJunk(junk)) return true;
    const first = this.LA(1);
    this.report(this.junkDiagnostic(junk, what, first), first);
    do {
      this.junkTokens.add(this.indexOf(this.LA(1)));
      this.SKIP_TOKEN();
    } while (this.isJunk(junk));
    return true;
  }

  private junkDiagnostic(junk: Junk, what: string, token: IToken): Diagnostic {
    const range = this.tokenRange(token);
    const found = describeToken(token);
    switch (junk) {
      case Junk.TopLevel:
        return unexpectedAtTopLevel(token, range);
      case Junk.Block:
        return syntaxDiagnostic("E0107", { what, found }, range);
      case Junk.Record:
        return syntaxDiagnostic("E0107", { what, found }, range, { help: "a record holds fields written `name: type`" });
      case Junk.Enum:
        return syntaxDiagnostic("E0107", { what, found }, range, { help: "an enum holds variants: `Low`, or `Other(label: string)`" });
      case Junk.Content:
        return syntaxDiagnostic("E0107", { what, found }, range, { help: "content holds fields written `name: value` or `name: type = value`" });
      case Junk.RecordLiteral:
        return syntaxDiagnostic("E0107", { what, found }, range, { help: "a record literal holds fields written `name: value`" });
    }
  }

  /** Past the nesting limit: skip to the partner of `opening` without descending, report once. */
  private skipNested(opening: IToken): void {
    this.report(syntaxDiagnostic("E0010", { limit: String(maxNestingDepth) }, this.tokenRange(opening)), opening);
    let balance = 1;
    while (balance > 0 && !Number.isNaN(this.LA(1).startOffset)) {
      const type = this.LA(1).tokenType;
      if (openers.has(type) || type === T.LAngle) balance++;
      else if (closers.has(type) || type === T.RAngle) balance--;
      this.junkTokens.add(this.indexOf(this.LA(1)));
      this.SKIP_TOKEN();
    }
  }

  private tooDeep(): boolean {
    return !this.RECORDING_PHASE && this.depth > maxNestingDepth;
  }

  // -------------------------------------------------------------------------------------------
  // Shared pieces (each takes the DSL occurrence index its caller assigns)

  /** The closing delimiter; if it is missing, one E0101 pointing back at the opening. */
  private close(index: number, closer: TokenType, opening: IToken, what: string): void {
    const token = this.option(index, () => this.consume(index, closer));
    if (token === undefined && !this.RECORDING_PHASE) {
      const found = this.LA(1);
      this.report(
        syntaxDiagnostic("E0101", { close: tokenLabel(closer), what, found: describeToken(found) }, this.missingRange(), {
          related: [{ message: `${tokenLabel(opening.tokenType)} opened here`, range: this.tokenRange(opening) }],
        }),
        found,
      );
    }
  }

  /** An optional comma after an item of a comma-separated list. Returns whether the list goes
   *  on. Without a comma, another item continues the list (E0108, a missing comma) only if the
   *  list's closer is still ahead; otherwise the list ends here and `close` reports the closer. */
  private separator(index: number, nextItem: boolean, what: string, closer: TokenType): boolean {
    const comma = this.option(index, () => this.consume(index, T.Comma));
    if (this.RECORDING_PHASE || comma !== undefined) return true;
    if (!nextItem || !this.closerAhead(closer)) return false;
    this.report(
      syntaxDiagnostic("E0108", { expected: "`,`", what, found: describeToken(this.LA(1)) }, this.missingRange(), {
        help: "separate the items with commas",
      }),
    );
    return true;
  }

  /** Whether `closer` comes before the enclosing construct ends (another closer, a top-level
   *  keyword or the end of the file), looking past balanced brackets. Used on error paths only. */
  private closerAhead(closer: TokenType): boolean {
    let balance = 0;
    for (let i = 1; i < 4096; i++) {
      const token = this.LA(i);
      const type = token.tokenType;
      if (Number.isNaN(token.startOffset) || (balance === 0 && topLevelStarts.has(type))) return false;
      if (openers.has(type) || (type === T.LAngle && closer === T.RAngle)) balance++;
      else if (closers.has(type) || (type === T.RAngle && closer === T.RAngle)) {
        if (balance === 0) return type === closer;
        balance--;
      }
    }
    return false;
  }

  /** The name after a declaring keyword. A keyword used as a name is taken and reported (E0106);
   *  anything else is left in place, with E0105. */
  private nameOrMissing(index: number, what: string): A.Identifier | undefined {
    const next = this.LA(1);
    if (!this.RECORDING_PHASE && next.tokenType !== T.Identifier) {
      const after = this.LA(2).tokenType;
      // A declaring keyword right after another is taken as a name only if what follows says so
      // (`record record {`); otherwise it starts the next declaration.
      const nameLike = topLevelStarts.has(next.tokenType) ? after === T.LBrace || after === T.Equals : followsName(after);
      if (keywordTypes.has(next.tokenType) && nameLike) {
        this.report(syntaxDiagnostic("E0106", { keyword: "`" + next.image + "`" }, this.tokenRange(next), { help: `choose another name, such as \`${next.image}_\`` }), next);
        this.junkTokens.add(this.indexOf(next));
        this.SKIP_TOKEN();
        return this.ident(next);
      }
      this.report(syntaxDiagnostic("E0105", { what, found: describeToken(next) }, this.missingRange()), next);
      return undefined;
    }
    return this.ident(this.consume(index, T.Identifier));
  }

  /** A type, or nothing with E0104 (the caller has set `where`). */
  private typeOrMissing(index: number): A.TypeRef | undefined {
    // A name followed by `:` is the next field, not this field's type.
    if (!this.RECORDING_PHASE && (this.LA(1).tokenType !== T.Identifier || this.LA(2).tokenType === T.Colon)) {
      const found = this.LA(1);
      this.report(
        keywordTypes.has(found.tokenType) && !topLevelStarts.has(found.tokenType)
          ? syntaxDiagnostic("E0106", { keyword: "`" + found.image + "`" }, this.tokenRange(found))
          : syntaxDiagnostic("E0104", { where: this.whereFn(this.whereName), found: describeToken(found) }, this.missingRange()),
        found,
      );
      return undefined;
    }
    return this.subrule(index, this.typeRef);
  }

  /** The `:` after a name; if it is missing, one E0100 naming it, with a fix that inserts it. */
  private colonAfter(index: number, name: A.Identifier | undefined): void {
    const colon = this.option(index, () => this.consume(index, T.Colon));
    if (colon !== undefined || this.RECORDING_PHASE) return;
    const at = name?.end ?? this.offsetOf(this.LA(1));
    const range = { start: at, end: at };
    this.report(
      syntaxDiagnostic("E0100", { expected: name === undefined ? "`:`" : "`:` after `" + name.text + "`", found: describeToken(this.LA(1)) }, range, {
        fixes: [{ title: "Insert `:`", edits: [{ range, newText: ":" }] }],
      }),
    );
  }

  // -------------------------------------------------------------------------------------------
  // File and top-level items

  private itemAlternatives: { GATE?: () => boolean; ALT: () => A.Item }[] | undefined;

  private sourceFile = this.RULE(
    "sourceFile",
    (): A.SourceFile => {
      const file = this.begin<A.SourceFile>("SourceFile", 0);
      const items: A.Item[] = [];
      file.items = items;
      this.MANY({
        GATE: () => this.skipJunk(Junk.TopLevel, ""),
        DEF: () => {
          push(
            items,
            this.OR(
              (this.itemAlternatives ??= [
                { ALT: () => this.SUBRULE(this.importDecl) },
                { ALT: () => this.SUBRULE(this.universeDecl) },
                { ALT: () => this.SUBRULE(this.recordDecl) },
                { ALT: () => this.SUBRULE(this.enumDecl) },
                { ALT: () => this.SUBRULE(this.validatorDecl) },
                { GATE: () => this.startsBuiltin(), ALT: () => this.SUBRULE(this.builtinDecl) },
                { ALT: () => this.SUBRULE(this.blockDecl) },
              ]),
            ),
          );
        },
      });
      this.finish(file);
      file.end = this.text.length;
      return file;
    },
    { recoveryValueFunc: () => this.recover() },
  );

  private importDecl = this.RULE(
    "importDecl",
    (): A.ImportDecl => {
      const node = this.begin<A.ImportDecl>("ImportDecl");
      const names: A.ImportName[] = [];
      node.names = names;
      this.CONSUME(K.import);
      const opening = this.CONSUME(T.LBrace);
      let more = true;
      this.MANY({
        GATE: () => more && this.LA(1).tokenType === T.Identifier,
        DEF: () => {
          const name = this.begin<A.ImportName>("ImportName");
          name.name = this.ident(this.CONSUME(T.Identifier));
          this.OPTION(() => {
            this.CONSUME(K.as);
            const alias = this.nameOrMissing(1, "the imported name");
            if (alias !== undefined) name.alias = alias;
          });
          names.push(this.finish(name));
          more = this.separator(2, this.LA(1).tokenType === T.Identifier, "imported names", T.RBrace);
        },
      });
      this.close(3, T.RBrace, opening, "the imported names");
      const from = this.OPTION4(() => this.CONSUME(K.from));
      if (from === undefined && !this.RECORDING_PHASE) {
        this.report(syntaxDiagnostic("E0100", { expected: '`from "…"` naming the file to import from', found: describeToken(this.LA(1)) }, this.missingRange()));
      }
      this.OPTION5(() => {
        node.from = this.stringLiteral(this.CONSUME(T.StringLiteral));
      });
      if (from !== undefined && node.from === undefined && !this.RECORDING_PHASE) {
        this.report(syntaxDiagnostic("E0100", { expected: "a string naming the file to import from", found: describeToken(this.LA(1)) }, this.missingRange()));
      }
      return this.finish(node);
    },
    { recoveryValueFunc: () => this.recover() },
  );

  private universeDecl = this.RULE(
    "universeDecl",
    (): A.UniverseDecl => {
      const node = this.begin<A.UniverseDecl>("UniverseDecl");
      this.CONSUME(K.universe);
      this.setWhere(where.afterUniverse);
      const value = this.SUBRULE(this.value);
      if (value !== undefined) node.value = value;
      return this.finish(node);
    },
    { recoveryValueFunc: () => this.recover() },
  );

  private recordDecl = this.RULE(
    "recordDecl",
    (): A.RecordDecl => {
      const doc = this.docBefore();
      const node = this.begin<A.RecordDecl>("RecordDecl");
      if (doc !== undefined) node.doc = doc;
      const fields: A.FieldDecl[] = [];
      node.fields = fields;
      this.CONSUME(K.record);
      const name = this.nameOrMissing(1, "the record");
      if (name !== undefined) node.name = name;
      const what = name === undefined ? "the record" : `record \`${name.text}\``;
      const opening = this.CONSUME(T.LBrace);
      this.MANY({
        GATE: () => this.skipJunk(Junk.Record, what),
        DEF: () => {
          push(fields, this.SUBRULE(this.fieldDecl));
          if (this.may(T.Comma)) this.OPTION(() => this.CONSUME(T.Comma));
        },
      });
      this.close(2, T.RBrace, opening, what);
      return this.finish(node);
    },
    { recoveryValueFunc: () => this.recover() },
  );

  /** `name: type`, in records and in enum variants. */
  private fieldDecl = this.RULE(
    "fieldDecl",
    (): A.FieldDecl => {
      const doc = this.docBefore();
      const node = this.begin<A.FieldDecl>("FieldDecl");
      if (doc !== undefined) node.doc = doc;
      node.name = this.ident(this.CONSUME(T.Identifier));
      this.colonAfter(2, node.name);
      this.setWhere(where.forField, node.name.text);
      const type = this.typeOrMissing(1);
      if (type !== undefined) node.type = type;
      return this.finish(node);
    },
    { recoveryValueFunc: () => this.recover() },
  );

  private enumDecl = this.RULE(
    "enumDecl",
    (): A.EnumDecl => {
      const doc = this.docBefore();
      const node = this.begin<A.EnumDecl>("EnumDecl");
      if (doc !== undefined) node.doc = doc;
      const variants: A.VariantDecl[] = [];
      node.variants = variants;
      this.CONSUME(K.enum);
      const name = this.nameOrMissing(1, "the enum");
      if (name !== undefined) node.name = name;
      const what = name === undefined ? "the enum" : `enum \`${name.text}\``;
      const opening = this.CONSUME(T.LBrace);
      this.MANY({
        GATE: () => this.skipJunk(Junk.Enum, what),
        DEF: () => {
          push(variants, this.SUBRULE(this.variantDecl));
          if (this.may(T.Comma)) this.OPTION(() => this.CONSUME(T.Comma));
        },
      });
      this.close(2, T.RBrace, opening, what);
      return this.finish(node);
    },
    { recoveryValueFunc: () => this.recover() },
  );

  private variantDecl = this.RULE(
    "variantDecl",
    (): A.VariantDecl => {
      const doc = this.docBefore();
      const node = this.begin<A.VariantDecl>("VariantDecl");
      if (doc !== undefined) node.doc = doc;
      node.name = this.ident(this.CONSUME(T.Identifier));
      this.OPTION(() => {
        const opening = this.CONSUME(T.LParen);
        const fields: A.FieldDecl[] = [];
        node.fields = fields;
        let more = true;
        this.MANY({
          GATE: () => more && this.LA(1).tokenType === T.Identifier,
          DEF: () => {
            push(fields, this.SUBRULE(this.fieldDecl));
            more = this.separator(2, this.LA(1).tokenType === T.Identifier, "the fields of a variant", T.RParen);
          },
        });
        this.close(3, T.RParen, opening, `the fields of variant \`${node.name.text}\``);
      });
      return this.finish(node);
    },
    { recoveryValueFunc: () => this.recover() },
  );

  private validatorDecl = this.RULE(
    "validatorDecl",
    (): A.ValidatorDecl => {
      const doc = this.docBefore();
      const node = this.begin<A.ValidatorDecl>("ValidatorDecl");
      if (doc !== undefined) node.doc = doc;
      this.CONSUME(K.validator);
      const name = this.nameOrMissing(1, "the validator");
      if (name !== undefined) node.name = name;
      // A signature (`validator Freshness(org: citizen, age: duration)`) needs no body.
      this.OPTION(() => {
        node.params = this.SUBRULE(this.parameterList, { ARGS: [name === undefined ? "the validator's parameters" : `the parameters of \`${name.text}\``] });
      });
      const withBody = (): void => {
        this.CONSUME(T.Equals);
        if (name === undefined) this.setWhere(where.afterEquals);
        else this.setWhere(where.forValidator, name.text);
        const value = this.SUBRULE(this.value);
        if (value !== undefined) node.value = value;
      };
      if (node.params === undefined) withBody();
      else this.OPTION2(withBody);
      return this.finish(node);
    },
    { recoveryValueFunc: () => this.recover() },
  );

  private builtinDecl = this.RULE(
    "builtinDecl",
    (): A.BuiltinDecl => {
      const doc = this.docBefore();
      const node = this.begin<A.BuiltinDecl>("BuiltinDecl");
      if (doc !== undefined) node.doc = doc;
      node.params = [];
      this.CONSUME(T.Identifier); // `builtin`
      const name = this.nameOrMissing(1, "the built-in function");
      if (name !== undefined) node.name = name;
      node.params = this.SUBRULE(this.parameterList, { ARGS: [name === undefined ? "the parameters" : `the parameters of \`${name.text}\``] });
      this.colonAfter(1, undefined);
      this.setWhere(where.forReturn);
      const returns = this.typeOrMissing(2);
      if (returns !== undefined) node.returns = returns;
      return this.finish(node);
    },
    { recoveryValueFunc: () => this.recover() },
  );

  /** `(name: type, …)`: a signature's parameters. */
  private parameterList = this.RULE(
    "parameterList",
    (what: string): A.FieldDecl[] => {
      const fields: A.FieldDecl[] = [];
      const opening = this.CONSUME(T.LParen);
      let more = true;
      this.MANY({
        GATE: () => more && this.LA(1).tokenType === T.Identifier,
        DEF: () => {
          push(fields, this.SUBRULE(this.fieldDecl));
          more = this.separator(1, this.LA(1).tokenType === T.Identifier, "parameters", T.RParen);
        },
      });
      this.close(2, T.RParen, opening, what);
      return fields;
    },
    { recoveryValueFunc: () => [] },
  );

  /** measurements, lattice, organism, confluence, coalition: a keyword, a name and a block. */
  private blockDecl = this.RULE(
    "blockDecl",
    (): A.MeasurementsDecl | A.LatticeDecl | A.OrganismDecl | A.ConfluenceDecl | A.CoalitionDecl => {
      const doc = this.docBefore();
      const node = this.begin<A.OrganismDecl>("OrganismDecl");
      if (doc !== undefined) node.doc = doc;
      const keyword = this.OR([
        { ALT: () => this.CONSUME(K.measurements) },
        { ALT: () => this.CONSUME(K.lattice) },
        { ALT: () => this.CONSUME(K.organism) },
        { ALT: () => this.CONSUME(K.confluence) },
        { ALT: () => this.CONSUME(K.coalition) },
      ]);
      (node as { kind: string }).kind = declKindOf.get(keyword.tokenType) ?? "OrganismDecl";
      const name = this.nameOrMissing(1, `the ${keyword.image}`);
      if (name !== undefined) node.name = name;
      const what = name === undefined ? `the ${keyword.image}` : `${keyword.image} \`${name.text}\``;
      const body = this.SUBRULE(this.block, { ARGS: [what] });
      if (body !== undefined) node.body = body;
      return this.finish(node);
    },
    { recoveryValueFunc: () => this.recover() },
  );

  // -------------------------------------------------------------------------------------------
  // Blocks and their entries

  private entryAlternatives: { ALT: () => A.Entry }[] | undefined;

  private block = this.RULE(
    "block",
    (what: string): A.Block => {
      const node = this.begin<A.Block>("Block");
      const entries: A.Entry[] = [];
      node.entries = entries;
      const opening = this.CONSUME(T.LBrace);
      if (this.tooDeep()) {
        this.skipNested(opening);
        return this.finish(node);
      }
      this.MANY({
        GATE: () => this.skipJunk(Junk.Block, what),
        DEF: () => {
          push(
            entries,
            this.OR(
              (this.entryAlternatives ??= [
                { ALT: () => this.SUBRULE(this.streamOrCollection) },
                { ALT: () => this.SUBRULE(this.contentMember) },
                { ALT: () => this.SUBRULE(this.watchdogMember) },
                { ALT: () => this.SUBRULE(this.heartbeatMember) },
                { ALT: () => this.SUBRULE(this.namedEntry) },
              ]),
            ),
          );
          if (this.may(T.Comma)) this.OPTION(() => this.CONSUME(T.Comma));
        },
      });
      this.close(3, T.RBrace, opening, what);
      return this.finish(node);
    },
    { recoveryValueFunc: () => this.recover() },
  );

  /** An entry that starts with a name: `name: value`, `name { … }`, `name(args)` or `name`. */
  private namedEntry = this.RULE(
    "namedEntry",
    (): A.Property | A.NestedBlock | A.Directive => {
      const doc = this.docBefore();
      type Draft = Omit<Mutable<A.Property>, "kind"> & Partial<Omit<Mutable<A.NestedBlock>, "kind">> & Partial<Omit<Mutable<A.Directive>, "kind">>;
      const node = this.begin<A.Property>("Property") as unknown as Draft;
      const kind = node as unknown as { kind: string };
      kind.kind = "Directive";
      const name = this.ident(this.CONSUME(T.Identifier));
      node.name = name;
      // One-token alternatives without gates: chevrotain compiles those to a table lookup.
      this.OPTION(() =>
        this.OR([
          {
            ALT: () => {
              this.CONSUME(T.Colon);
              kind.kind = "Property";
              this.setWhere(where.forName, name.text);
              const value = this.SUBRULE1(this.value);
              if (value !== undefined) node.value = value;
            },
          },
          {
            ALT: () => {
              kind.kind = "NestedBlock";
              const body = this.SUBRULE(this.block, { ARGS: [`the \`${name.text}\` block`] });
              if (body !== undefined) node.body = body;
            },
          },
          {
            ALT: () => {
              node.args = this.SUBRULE(this.argumentList, { ARGS: [name.text] });
            },
          },
        ]),
      );
      // `role "forecaster"`: a value where `:` belongs. Take it, report the colon. (The `if`
      // skips a call whose gate would fail anyway; see `may`.)
      if (this.RECORDING_PHASE || kind.kind === "Directive") this.OPTION2({
        GATE: () => kind.kind === "Directive" && node.args === undefined && (literalTypes.has(this.LA(1).tokenType) || this.LA(1).tokenType === T.LBracket),
        DEF: () => {
          kind.kind = "Property";
          if (!this.RECORDING_PHASE) {
            const range = { start: name.end, end: name.end };
            this.report(
              syntaxDiagnostic("E0100", { expected: "`:` after `" + name.text + "`", found: describeToken(this.LA(1)) }, range, {
                fixes: [{ title: "Insert `:`", edits: [{ range, newText: ":" }] }],
              }),
            );
          }
          node.value = this.SUBRULE2(this.value);
        },
      });
      if (doc !== undefined && kind.kind !== "Directive") node.doc = doc;
      return this.finish(node) as unknown as A.Property | A.NestedBlock | A.Directive;
    },
    { recoveryValueFunc: () => this.recover() },
  );

  private streamOrCollection = this.RULE(
    "streamOrCollection",
    (): A.StreamMember | A.CollectionMember => {
      const doc = this.docBefore();
      const node = this.begin<A.StreamMember>("StreamMember");
      if (doc !== undefined) node.doc = doc;
      const keyword = this.OR([{ ALT: () => this.CONSUME(K.stream) }, { ALT: () => this.CONSUME(K.collection) }]);
      if (keyword.tokenType === K.collection) (node as { kind: string }).kind = "CollectionMember";
      const name = this.nameOrMissing(1, `the ${keyword.image}`);
      if (name !== undefined) node.name = name;
      this.colonAfter(3, name);
      this.setWhere(name === undefined ? where.here : where.forName, name?.text);
      const type = this.typeOrMissing(2);
      if (type !== undefined) node.type = type;
      return this.finish(node);
    },
    { recoveryValueFunc: () => this.recover() },
  );

  private contentMember = this.RULE(
    "contentMember",
    (): A.ContentMember => {
      const doc = this.docBefore();
      const node = this.begin<A.ContentMember>("ContentMember");
      if (doc !== undefined) node.doc = doc;
      this.CONSUME(K.content);
      const next = this.LA(1).tokenType;
      if (!this.RECORDING_PHASE && next !== T.Colon && next !== T.LBrace) {
        this.report(
          syntaxDiagnostic("E0100", { expected: "`:` (a typed record) or `{` (inline fields) after `content`", found: describeToken(this.LA(1)) }, this.missingRange(), {
            help: "write `content: AgentContent { … }` or `content { name: value … }`",
          }),
        );
        return this.finish(node);
      }
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.Colon);
            this.setWhere(where.forContent);
            const value = this.SUBRULE(this.value);
            if (value !== undefined) node.value = value;
          },
        },
        {
          ALT: () => {
            const opening = this.CONSUME(T.LBrace);
            const fields: A.ContentField[] = [];
            node.fields = fields;
            this.MANY({
              GATE: () => this.skipJunk(Junk.Content, "the `content` block"),
              DEF: () => {
                push(fields, this.SUBRULE(this.contentField));
                if (this.may(T.Comma)) this.OPTION(() => this.CONSUME(T.Comma));
              },
            });
            this.close(3, T.RBrace, opening, "the `content` block");
          },
        },
      ]);
      return this.finish(node);
    },
    { recoveryValueFunc: () => this.recover() },
  );

  /** `window: 30 ticks` or `fee: u32 = 25`: a type is a name followed by `<` or `=`. */
  private contentField = this.RULE(
    "contentField",
    (): A.ContentField => {
      const doc = this.docBefore();
      const node = this.begin<A.ContentField>("ContentField");
      if (doc !== undefined) node.doc = doc;
      node.name = this.ident(this.CONSUME(T.Identifier));
      this.colonAfter(3, node.name);
      this.OPTION({
        GATE: () => this.LA(1).tokenType === T.Identifier && (this.LA(2).tokenType === T.LAngle || this.LA(2).tokenType === T.Equals),
        DEF: () => {
          node.type = this.SUBRULE(this.typeRef);
          this.CONSUME(T.Equals);
        },
      });
      this.setWhere(where.forName, node.name.text);
      const value = this.SUBRULE(this.value);
      if (value !== undefined) node.value = value;
      return this.finish(node);
    },
    { recoveryValueFunc: () => this.recover() },
  );

  private watchdogMember = this.RULE(
    "watchdogMember",
    (): A.WatchdogMember => {
      const node = this.begin<A.WatchdogMember>("WatchdogMember");
      this.CONSUME(K.watchdog);
      const name = this.nameOrMissing(1, "the watchdog (the organism that watches)");
      if (name !== undefined) node.name = name;
      this.OPTION(() => {
        const body = this.SUBRULE(this.block, { ARGS: ["the `watchdog` block"] });
        if (body !== undefined) node.body = body;
      });
      return this.finish(node);
    },
    { recoveryValueFunc: () => this.recover() },
  );

  private heartbeatMember = this.RULE(
    "heartbeatMember",
    (): A.HeartbeatMember => {
      const node = this.begin<A.HeartbeatMember>("HeartbeatMember");
      this.CONSUME(K.heartbeat);
      this.CONSUME(K.on);
      const target = this.nameOrMissing(1, "the heartbeat's target (`chronicle`)");
      if (target !== undefined) node.target = target;
      this.CONSUME(K.every);
      this.setWhere(where.afterEvery);
      const period = this.SUBRULE(this.value);
      if (period !== undefined) node.period = period;
      return this.finish(node);
    },
    { recoveryValueFunc: () => this.recover() },
  );

  // -------------------------------------------------------------------------------------------
  // Types

  private typeRef = this.RULE(
    "typeRef",
    (): A.TypeRef => {
      const node = this.begin<A.TypeRef>("TypeRef");
      const name = this.ident(this.CONSUME(T.Identifier));
      node.name = name;
      if (this.may(T.LAngle)) this.OPTION(() => {
        const opening = this.CONSUME(T.LAngle);
        const args: A.TypeRef[] = [];
        node.args = args;
        if (this.tooDeep()) {
          this.skipNested(opening);
          return;
        }
        let more = true;
        this.MANY({
          GATE: () => more && this.LA(1).tokenType === T.Identifier,
          DEF: () => {
            push(args, this.SUBRULE(this.typeRef));
            more = this.separator(2, this.LA(1).tokenType === T.Identifier, "type arguments", T.RAngle);
          },
        });
        if (args.length === 0 && !this.RECORDING_PHASE) {
          const found = this.LA(1);
          this.report(syntaxDiagnostic("E0104", { where: `as an argument of \`${name.text}\``, found: describeToken(found) }, this.missingRange()), found);
        }
        this.close(3, T.RAngle, opening, `the type arguments of \`${name.text}\``);
      });
      return this.finish(node);
    },
    { recoveryValueFunc: () => this.recover() },
  );

  // -------------------------------------------------------------------------------------------
  // Values

  /** A value (operands joined by `&` and `|`, `&` binding tighter), or nothing with E0103. A name
   *  followed by `:` is the next field, not a value. The caller has set `where`. */
  private value = this.RULE(
    "value",
    (): A.Expr | undefined => {
      const whereFn = this.whereFn;
      const whereName = this.whereName;
      if (!this.RECORDING_PHASE && !this.startsValue()) {
        this.reportMissingValue(whereFn, whereName);
        return undefined;
      }
      const start = this.offsetOf(this.LA(1));
      const first = this.OR(this.primaries());
      let operands: (A.Expr | undefined)[] | undefined;
      let operators: IToken[] | undefined;
      if (this.may(T.Amp, T.Pipe, true)) this.MANY(() => {
        const operator = this.OR2([{ ALT: () => this.CONSUME(T.Amp) }, { ALT: () => this.CONSUME(T.Pipe) }]);
        let operand: A.Expr | undefined;
        this.OPTION({ GATE: () => this.startsValue(), DEF: () => (operand = this.SUBRULE(this.primary)) });
        if (operand === undefined && !this.RECORDING_PHASE) {
          this.reportMissingValue(where.here, "", { help: "remove the operator, or add the clause it joins" });
          // Say which operator: rebuild the message with its text.
          const last = this.errors_[this.errors_.length - 1];
          if (last?.diagnostic.code === "E0103") {
            this.errors_[this.errors_.length - 1] = {
              ...last,
              diagnostic: syntaxDiagnostic("E0103", { where: "after `" + operator.image + "`", found: describeToken(this.LA(1)) }, last.diagnostic.range, {
                help: "remove the operator, or add the clause it joins",
              }),
            };
          }
        }
        (operands ??= [first]).push(operand);
        (operators ??= []).push(operator);
      });
      if (operators === undefined || operands === undefined || this.RECORDING_PHASE) return first;
      return this.buildBinary(start, operands, operators);
    },
    { recoveryValueFunc: () => this.recover() },
  );

  private primary = this.RULE(
    "primary",
    (): A.Expr => this.OR(this.primaries()),
    { recoveryValueFunc: () => this.recover() },
  );

  private primaryAlternatives: { ALT: () => A.Expr }[] | undefined;

  /** The alternatives of a single operand, shared by `value` and `primary`. Their DSL calls use
   *  occurrence indices 7 and up, which those two rules do not use themselves. */
  private primaries(): { ALT: () => A.Expr }[] {
    return (this.primaryAlternatives ??= [
      { ALT: () => this.stringLiteral(this.CONSUME7(T.StringLiteral)) },
      { ALT: () => this.literal("DecimalLiteral", this.CONSUME7(T.DecimalLiteral)) },
      { ALT: () => this.literal("DurationLiteral", this.CONSUME7(T.Duration)) },
      { ALT: () => this.literal("IntegerLiteral", this.CONSUME7(T.BadNumber)) },
      {
        ALT: () => {
          const token = this.CONSUME7(T.HexLiteral);
          return hexDigitCount(token.image ?? "") <= 16 ? this.literal("IntegerLiteral", token) : this.literal("HexLiteral", token);
        },
      },
      {
        ALT: () => {
          const count = this.literal("IntegerLiteral", this.CONSUME7(T.IntegerLiteral));
          const ticks = this.may(K.ticks) ? this.OPTION7(() => this.CONSUME7(K.ticks)) : undefined;
          if (ticks === undefined) return count;
          return { kind: "TicksLiteral", count, start: count.start, end: this.endOf(ticks) } satisfies A.TicksLiteral;
        },
      },
      { ALT: () => ({ kind: "BoolLiteral", value: true, ...this.tokenRange(this.CONSUME7(K.true)) }) satisfies A.BoolLiteral },
      { ALT: () => ({ kind: "BoolLiteral", value: false, ...this.tokenRange(this.CONSUME7(K.false)) }) satisfies A.BoolLiteral },
      { ALT: () => this.SUBRULE7(this.parenExpr) },
      { ALT: () => this.SUBRULE7(this.listExpr) },
      { ALT: () => this.pathAndAfter() },
    ]);
  }

  /** A name (`a.b.c`), then a call's arguments or a record's fields if they follow. */
  private pathAndAfter(): A.PathExpr | A.CallExpr | A.RecordLiteral {
    const path = this.begin<A.PathExpr>("PathExpr");
    const segments: A.Identifier[] = [this.ident(this.CONSUME7(T.Identifier))];
    path.segments = segments;
    if (this.may(T.Dot, undefined, true)) this.MANY7(() => {
      this.CONSUME7(T.Dot);
      const segment = this.OPTION8(() => this.CONSUME8(T.Identifier));
      if (segment !== undefined) segments.push(this.ident(segment));
      else if (!this.RECORDING_PHASE) {
        const found = this.LA(1);
        this.report(syntaxDiagnostic("E0105", { what: "the member after `.`", found: describeToken(found) }, this.missingRange()), found);
      }
    });
    this.finish(path);
    // One-token alternatives without an empty one: chevrotain compiles those to a table lookup.
    const after = !this.may(T.LParen, T.LBrace) ? undefined : this.OPTION9(() =>
      this.OR7([
        {
          ALT: () => {
            const args = this.SUBRULE7(this.argumentList, { ARGS: [segments.map((segment) => segment.text).join(".")] });
            return { kind: "CallExpr", callee: path, args, start: path.start, end: this.lastEnd() } satisfies A.CallExpr;
          },
        },
        { ALT: () => this.SUBRULE7(this.recordFields, { ARGS: [path] }) },
      ]),
    );
    return after ?? path;
  }

  private buildBinary(start: number, operands: (A.Expr | undefined)[], operators: IToken[]): A.Expr {
    // Split into runs joined by `&`; the runs are joined by `|`.
    const orOperands: A.Expr[] = [];
    let run: A.Expr[] = [];
    let runStart = start;
    let runEnd = operands[0]?.end ?? start;
    const endRun = (): void => {
      if (run.length === 1) orOperands.push(run[0]!);
      else if (run.length > 1) orOperands.push({ kind: "BinaryExpr", op: "&", operands: run, start: runStart, end: runEnd });
      run = [];
    };
    const first = operands[0];
    if (first !== undefined) run.push(first);
    operators.forEach((operator, index) => {
      const operand = operands[index + 1];
      if (operator.tokenType === T.Pipe) {
        endRun();
        runStart = operand?.start ?? this.endOf(operator);
        runEnd = runStart;
      }
      if (operand !== undefined) {
        run.push(operand);
        runEnd = operand.end;
      } else if (operator.tokenType === T.Amp) {
        runEnd = this.endOf(operator);
      }
    });
    endRun();
    const end = Math.max(operands.reduce((max, operand) => Math.max(max, operand?.end ?? 0), 0), this.endOf(operators[operators.length - 1]!));
    if (!operators.some((operator) => operator.tokenType === T.Pipe)) {
      const only = orOperands[0];
      if (only !== undefined && only.kind === "BinaryExpr" && only.op === "&") return { ...only, end };
      return { kind: "BinaryExpr", op: "&", operands: orOperands, start, end };
    }
    return { kind: "BinaryExpr", op: "|", operands: orOperands, start, end };
  }

  private literal<K extends "IntegerLiteral" | "DecimalLiteral" | "HexLiteral" | "DurationLiteral">(kind: K, token: IToken) {
    return { kind, text: token.image ?? "", start: this.offsetOf(token), end: this.endOf(token) } as Extract<A.Expr, { kind: K }>;
  }

  private stringLiteral(token: IToken): A.StringLiteral {
    const text = token.image ?? "";
    return {
      kind: "StringLiteral",
      text,
      value: this.RECORDING_PHASE ? "" : text.includes("\\") || !text.endsWith('"') || text.length < 2 ? decodeString(text, token.startOffset) : text.slice(1, -1),
      start: this.offsetOf(token),
      end: this.endOf(token),
    };
  }

  private parenExpr = this.RULE(
    "parenExpr",
    (): A.ParenExpr => {
      const node = this.begin<A.ParenExpr>("ParenExpr");
      const opening = this.CONSUME(T.LParen);
      if (this.tooDeep()) {
        this.skipNested(opening);
        return this.finish(node);
      }
      this.setWhere(where.insideParens);
      const inner = this.SUBRULE(this.value);
      if (inner !== undefined) node.expr = inner;
      this.close(1, T.RParen, opening, "the parenthesis");
      return this.finish(node);
    },
    { recoveryValueFunc: () => this.recover() },
  );

  private listExpr = this.RULE(
    "listExpr",
    (): A.ListExpr => {
      const node = this.begin<A.ListExpr>("ListExpr");
      const elements: A.Expr[] = [];
      node.elements = elements;
      const opening = this.CONSUME(T.LBracket);
      if (this.tooDeep()) {
        this.skipNested(opening);
        return this.finish(node);
      }
      let more = true;
      this.MANY({
        GATE: () => more && this.startsValue(),
        DEF: () => {
          push(elements, this.SUBRULE(this.value));
          more = this.separator(1, this.startsValue(), "list items", T.RBracket);
        },
      });
      this.close(2, T.RBracket, opening, "the list");
      return this.finish(node);
    },
    { recoveryValueFunc: () => this.recover() },
  );

  /** `(a, name: b)`: positional and named arguments. */
  private argumentList = this.RULE(
    "argumentList",
    (callee: string): A.Argument[] => {
      const args: A.Argument[] = [];
      // Not a node of its own, but a bracket: opened so `depth` and `recover` see it.
      const marker = this.begin<A.Block>("Arguments" as "Block");
      const opening = this.CONSUME(T.LParen);
      if (this.tooDeep()) {
        this.skipNested(opening);
        this.finish(marker);
        return args;
      }
      let more = true;
      this.MANY({
        GATE: () => more && this.LA(1).tokenType !== T.RParen && (this.startsValue() || this.LA(1).tokenType === T.Identifier),
        DEF: () => {
          const node = this.begin<A.Argument>("Argument");
          this.OPTION({
            GATE: () => this.LA(2).tokenType === T.Colon,
            DEF: () => {
              node.name = this.ident(this.CONSUME(T.Identifier));
              this.CONSUME(T.Colon);
            },
          });
          if (node.name === undefined) this.setWhere(where.asArgument);
          else this.setWhere(where.forArgument, node.name.text);
          const value = this.SUBRULE(this.value);
          if (value !== undefined) node.value = value;
          args.push(this.finish(node));
          more = this.separator(1, this.startsValue() || this.LA(1).tokenType === T.Identifier, "arguments", T.RParen);
        },
      });
      this.close(2, T.RParen, opening, `the arguments of \`${callee}\``);
      this.finish(marker);
      return args;
    },
    { recoveryValueFunc: () => (this.recover(), []) },
  );

  private recordFields = this.RULE(
    "recordFields",
    (type: A.PathExpr): A.RecordLiteral => {
      const node = this.begin<A.RecordLiteral>("RecordLiteral", type?.start);
      node.type = type;
      const fields: A.Property[] = [];
      node.fields = fields;
      const what = `the record literal \`${type?.segments.map((segment) => segment.text).join(".")}\``;
      const opening = this.CONSUME(T.LBrace);
      if (this.tooDeep()) {
        this.skipNested(opening);
        return this.finish(node);
      }
      this.MANY({
        GATE: () => this.skipJunk(Junk.RecordLiteral, what),
        DEF: () => {
          const doc = this.docBefore();
          const field = this.begin<A.Property>("Property");
          if (doc !== undefined) field.doc = doc;
          field.name = this.ident(this.CONSUME(T.Identifier));
          this.colonAfter(5, field.name);
          this.setWhere(where.forField, field.name.text);
          const value = this.SUBRULE(this.value);
          if (value !== undefined) field.value = value;
          fields.push(this.finish(field));
          if (this.may(T.Comma)) this.OPTION(() => this.CONSUME(T.Comma));
        },
      });
      this.close(3, T.RBrace, opening, what);
      return this.finish(node);
    },
    { recoveryValueFunc: () => this.recover() },
  );

  // -------------------------------------------------------------------------------------------
  // Chevrotain's own errors, and cascades

  private convert(exception: IRecognitionException): ParserError {
    const token = exception.token;
    const tokens = this.input as IToken[];
    const index = tokenIndexAt(tokens, token);
    for (const skipped of (exception as { resyncedTokens?: IToken[] }).resyncedTokens ?? []) {
      this.junkTokens.add(tokenIndexAt(tokens, skipped));
    }
    const diagnostic = recognitionDiagnostic(parsePayload(exception.message), token, this.text.length);
    return { diagnostic, tokenIndex: index < 0 ? tokens.length : index };
  }

  /** Keeps the first error of every cascade: an error is reported only if at least one token was
   *  parsed normally since the previous one. */
  private dropCascades(errors: ParserError[], tokens: IToken[]): ParserError[] {
    errors.sort((a, b) => a.tokenIndex - b.tokenIndex || a.diagnostic.range.start - b.diagnostic.range.start);
    const kept: ParserError[] = [];
    let previous = -1;
    const bad = new Set<number>([...this.junkTokens, ...errors.map((error) => error.tokenIndex)]);
    for (const error of errors) {
      if (kept.length > 0) {
        let goodBetween = false;
        for (let i = previous + 1; i < error.tokenIndex && i < tokens.length; i++) {
          if (!bad.has(i)) {
            goodBetween = true;
            break;
          }
        }
        if (!goodBetween) continue;
      }
      kept.push(error);
      previous = error.tokenIndex;
    }
    return kept;
  }

  /** Words for "where we are", from the innermost open node; used by chevrotain's messages. */
  describeContext(): string | undefined {
    for (let i = this.open.length - 1; i >= 0; i--) {
      const node = this.open[i]!;
      const name = node.name?.text;
      switch (node.kind) {
        case "ImportDecl":
          return "in the import";
        case "RecordDecl":
          return name === undefined ? "in the record" : `in record \`${name}\``;
        case "EnumDecl":
          return name === undefined ? "in the enum" : `in enum \`${name}\``;
        case "ValidatorDecl":
          return name === undefined ? "in the validator" : `in validator \`${name}\``;
        case "BuiltinDecl":
          return name === undefined ? "in the built-in function" : `in built-in \`${name}\``;
        case "StreamMember":
          return name === undefined ? "in the stream" : `in stream \`${name}\``;
        case "CollectionMember":
          return name === undefined ? "in the collection" : `in collection \`${name}\``;
        case "HeartbeatMember":
          return "in `heartbeat on … every …`";
        case "MeasurementsDecl":
        case "LatticeDecl":
        case "OrganismDecl":
        case "ConfluenceDecl":
        case "CoalitionDecl": {
          const keyword = node.kind.replace("Decl", "").toLowerCase();
          return name === undefined ? `in the ${keyword}` : `in ${keyword} \`${name}\``;
        }
        default:
          continue;
      }
    }
    return undefined;
  }
}

/** The index of `token` in `tokens` (by offset; tokens are in order), or tokens.length for EOF. */
function tokenIndexAt(tokens: readonly IToken[], token: IToken): number {
  if (Number.isNaN(token.startOffset)) return tokens.length;
  let low = 0;
  let high = tokens.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const offset = tokens[mid]!.startOffset;
    if (offset === token.startOffset) return mid;
    if (offset < token.startOffset) low = mid + 1;
    else high = mid - 1;
  }
  return tokens.length;
}

function push<N>(list: N[], node: N | undefined): void {
  if (node !== undefined) list.push(node);
}

function isBlank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    if (code !== 32 && code !== 9 && code !== 10 && code !== 13) return false;
  }
  return true;
}

/** After a keyword misused as a name, the tokens that suggest it really was meant as one. */
function followsName(type: TokenType): boolean {
  return type === T.LBrace || type === T.Colon || type === T.Equals || type === T.LParen || type === T.Comma || type === T.RBrace;
}

const declKindOf = new Map<TokenType, A.Declaration["kind"]>([
  [K.measurements, "MeasurementsDecl"],
  [K.lattice, "LatticeDecl"],
  [K.organism, "OrganismDecl"],
  [K.confluence, "ConfluenceDecl"],
  [K.coalition, "CoalitionDecl"],
]);

const tokenTypeByName = new Map(T.parserTokens.map((type) => [type.name, type]));
function labelOf(name: string): string {
  const type = tokenTypeByName.get(name);
  return type === undefined ? name : tokenLabel(type);
}

const declarationKeywords = ["import", "universe", "record", "enum", "measurements", "lattice", "validator", "organism", "confluence", "coalition"];

function unexpectedAtTopLevel(token: IToken, range: A.Range): Diagnostic {
  const close = token.tokenType === T.RBrace ? "this `}` closes nothing: remove it, or check the block above for an extra one" : undefined;
  if (close !== undefined) return syntaxDiagnostic("E0102", { found: describeToken(token) }, range, { help: close });
  if (token.tokenType === T.Identifier) {
    const suggestion = closest(token.image, declarationKeywords);
    if (suggestion !== undefined) {
      return syntaxDiagnostic("E0102", { found: describeToken(token) }, range, {
        help: `did you mean \`${suggestion}\`?`,
        fixes: [{ title: `Replace with \`${suggestion}\``, edits: [{ range, newText: suggestion }] }],
      });
    }
  }
  return syntaxDiagnostic("E0102", { found: describeToken(token) }, range, {
    help: "declarations start with `record`, `enum`, `measurements`, `lattice`, `validator`, `organism`, `confluence` or `coalition`",
  });
}

/** The candidate within edit distance 2 (and less than half the word), if one is unique-best. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.min(3, Math.ceil(word.length / 2));
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + cost);
      // Adjacent transposition (Damerau).
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, diagonal);
      diagonal = above;
    }
  }
  return row[b.length]!;
}

// Chevrotain builds its error messages through this provider; we return a small JSON payload
// and turn it into a catalogued diagnostic in `convert`.
export interface Payload {
  readonly kind: "mismatch" | "no-viable" | "redundant";
  readonly expected?: string;
  readonly context?: string;
}

const messageProvider: IParserErrorMessageProvider & { parser?: CoalParser } = {
  buildMismatchTokenMessage({ expected }) {
    return JSON.stringify({ kind: "mismatch", expected: expected.name, context: messageProvider.parser?.describeContext() } satisfies Payload);
  },
  buildNotAllInputParsedMessage() {
    return JSON.stringify({ kind: "redundant", context: messageProvider.parser?.describeContext() } satisfies Payload);
  },
  buildNoViableAltMessage() {
    return JSON.stringify({ kind: "no-viable", context: messageProvider.parser?.describeContext() } satisfies Payload);
  },
  buildEarlyExitMessage() {
    return JSON.stringify({ kind: "no-viable", context: messageProvider.parser?.describeContext() } satisfies Payload);
  },
};

/** The diagnostic for an error chevrotain raised itself (the explicit checks above catch the
 *  common mistakes first; this is the fallback for everything else). */
export function recognitionDiagnostic(payload: Payload, token: IToken, textLength: number): Diagnostic {
  const found = describeToken(token);
  const start = Number.isNaN(token.startOffset) ? textLength : token.startOffset;
  const range = { start, end: Number.isNaN(token.startOffset) ? start : start + token.image.length };
  if (payload.kind === "mismatch" && payload.expected === "Identifier" && keywordTypes.has(token.tokenType)) {
    return syntaxDiagnostic("E0106", { keyword: "`" + token.image + "`" }, range);
  }
  if (payload.kind === "mismatch") {
    const expected = payload.expected === undefined ? "something else" : labelOf(payload.expected);
    return syntaxDiagnostic("E0100", { expected: expected + (payload.context ? ` ${payload.context}` : ""), found }, range);
  }
  return syntaxDiagnostic("E0109", { found, where: payload.context ?? "here" }, range);
}

function parsePayload(message: string): Payload {
  try {
    return JSON.parse(message) as Payload;
  } catch {
    return { kind: "no-viable" };
  }
}

let fastParser: CoalParser | undefined;
let recoveringParser: CoalParser | undefined;

/** Parses a token vector. Two instances of the same grammar, built once each (grammar analysis
 *  is the expensive part) and reused — parsing is synchronous, so they serve every caller:
 *  files are parsed first with chevrotain's recovery off, which costs nothing on valid input
 *  (nearly every file of a large workspace), and parsed again with recovery on only if that
 *  first pass met any error. On valid input both give the same tree, since recovery never acts. */
export function parseTokens(text: string, tokens: IToken[], comments: A.Comment[]): ReturnType<CoalParser["run"]> {
  fastParser ??= new CoalParser(false);
  const first = fastParser.run(text, tokens, comments);
  if (first.errors.length === 0 && fastParser.cleanRun) return first;
  recoveringParser ??= new CoalParser(true);
  return recoveringParser.run(text, tokens, comments);
}

export type { CoalParser };
