// Attaches every comment to a node, so the printer can put it back where it was: before the
// node that follows it (leading), after the node that precedes it (trailing), inside a node that
// has nothing else around it (dangling), or right after a node's opening delimiter.
//
// The rules are chosen so that printing and re-attaching give the same result (the formatter is
// idempotent): a comment between two *list siblings* (block members, items, arguments, operands)
// that ends its line trails the first; a comment between two *parts* of one construct (a name and
// its value, `from` and the path) leads the second, wherever it was, because the printer may put
// the second part on the same line as the first.
import type { Comment, Node } from "../syntax/ast.js";

export type Placement = "ownLine" | "endOfLine" | "inline";

export interface AttachedComment {
  readonly comment: Comment;
  readonly placement: Placement;
  /** Only whitespace and a line break follow the comment in the source. */
  readonly followedByNewline: boolean;
  /** A blank line separates this comment from what precedes / follows it in the source. */
  readonly blankLineBefore: boolean;
  readonly blankLineAfter: boolean;
  /** The node it is attached to is an element of a list (so blank lines around it are kept). */
  readonly onListElement: boolean;
}

export interface NodeComments {
  readonly leading: AttachedComment[];
  readonly trailing: AttachedComment[];
  readonly dangling: AttachedComment[];
  /** End-of-line comments right after the node's opening `{` or `[`. */
  readonly afterOpen: AttachedComment[];
}

export type CommentMap = Map<Node, NodeComments>;

interface Children {
  readonly nodes: readonly Node[];
  /** The property each child came from, and whether that property is a list. */
  readonly key: Map<Node, string>;
  readonly inList: Set<Node>;
}

const childCache = new WeakMap<Node, Children>();

function children(node: Node): Children {
  const cached = childCache.get(node);
  if (cached !== undefined) return cached;
  const nodes: Node[] = [];
  const key = new Map<Node, string>();
  const inList = new Set<Node>();
  for (const [name, value] of Object.entries(node)) {
    if (name === "doc") continue;
    if (Array.isArray(value)) {
      for (const item of value) {
        if (!isNode(item)) continue;
        nodes.push(item);
        key.set(item, name);
        inList.add(item);
      }
    } else if (isNode(value)) {
      nodes.push(value);
      key.set(value, name);
    }
  }
  nodes.sort((a, b) => a.start - b.start);
  const result = { nodes, key, inList };
  childCache.set(node, result);
  return result;
}

/** The node's children in source order (doc comments excluded: they print with their node). */
export function childNodes(node: Node): readonly Node[] {
  return children(node).nodes;
}

function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && "kind" in value;
}

export function attachComments(root: Node, comments: readonly Comment[], text: string): CommentMap {
  const map: CommentMap = new Map();
  const entry = (node: Node): NodeComments => {
    let found = map.get(node);
    if (found === undefined) {
      found = { leading: [], trailing: [], dangling: [], afterOpen: [] };
      map.set(node, found);
    }
    return found;
  };

  interface Decision {
    readonly comment: Comment;
    readonly enclosing: Node;
    readonly preceding: Node | undefined;
    readonly following: Node | undefined;
    readonly placement: Placement;
    target: Node;
    slot: keyof NodeComments;
  }
  const decisions: Decision[] = [];

  for (const comment of comments) {
    let enclosing: Node = root;
    let preceding: Node | undefined;
    let following: Node | undefined;
    // Descend to the innermost node that contains the comment.
    for (;;) {
      preceding = undefined;
      following = undefined;
      let inner: Node | undefined;
      for (const child of children(enclosing).nodes) {
        if (child.start <= comment.start && comment.end <= child.end && child.end > child.start) {
          inner = child;
          break;
        }
        if (child.end <= comment.start) preceding = child;
        else if (child.start >= comment.end && following === undefined) following = child;
      }
      if (inner === undefined) break;
      enclosing = inner;
    }

    const placement = placementOf(comment, text);
    const { key, inList } = children(enclosing);
    const siblings = preceding !== undefined && following !== undefined && inList.has(preceding) && key.get(preceding) === key.get(following);
    let target: Node;
    let slot: keyof NodeComments;
    if (placement === "endOfLine" && preceding !== undefined && (following === undefined || siblings)) {
      [target, slot] = [preceding, "trailing"];
    } else if (placement === "endOfLine" && preceding === undefined && opensHere(text, comment.start)) {
      [target, slot] = [enclosing, "afterOpen"];
    } else if (following !== undefined) {
      [target, slot] = [following, "leading"];
    } else if (preceding !== undefined) {
      [target, slot] = [preceding, "trailing"];
    } else {
      [target, slot] = [enclosing, "dangling"];
    }
    decisions.push({ comment, enclosing, preceding, following, placement, target, slot });
  }

  // Comments in one gap (same enclosing node, same neighbours) keep their order: everything up
  // to the last one that trails the preceding node trails it too (the rest lead the next node).
  for (let start = 0; start < decisions.length; ) {
    let end = start + 1;
    const first = decisions[start]!;
    while (end < decisions.length && sameGap(decisions[end]!, first)) end++;
    let lastTrailing = -1;
    for (let i = start; i < end; i++) if (decisions[i]!.slot === "trailing") lastTrailing = i;
    for (let i = start; i < lastTrailing; i++) {
      const decision = decisions[i]!;
      if (decision.slot === "leading" && decision.preceding !== undefined) [decision.target, decision.slot] = [decision.preceding, "trailing"];
    }
    // Only the first comment of a gap can sit right after the opening delimiter; a later one
    // joins the comment before it, so printing keeps their order.
    for (let i = start + 1; i < end; i++) {
      const decision = decisions[i]!;
      const previous = decisions[i - 1]!;
      if (decision.slot === "afterOpen" && previous.slot !== "afterOpen") [decision.target, decision.slot] = [previous.target, previous.slot];
    }
    start = end;
  }

  for (const { comment, enclosing, placement, target, slot } of decisions) {
    entry(target)[slot].push({
      comment,
      placement,
      followedByNewline: followedByNewline(text, comment.end),
      blankLineBefore: blankLineBefore(text, comment.start),
      blankLineAfter: blankLineAfter(text, comment.end),
      onListElement: slot === "afterOpen" || slot === "dangling" ? false : isListElement(target, enclosing, root),
    });
  }
  return map;
}

function sameGap(a: { enclosing: Node; preceding: Node | undefined; following: Node | undefined }, b: typeof a): boolean {
  return a.enclosing === b.enclosing && a.preceding === b.preceding && a.following === b.following;
}

function isListElement(node: Node, enclosing: Node, root: Node): boolean {
  // The target is a child of `enclosing` (or `enclosing` itself for dangling comments).
  if (children(enclosing).inList.has(node)) return true;
  return node === root;
}

/** The comment sits right after an opening `{` or `[` (only spaces between). */
function opensHere(text: string, offset: number): boolean {
  let i = offset - 1;
  while (i >= 0 && (text[i] === " " || text[i] === "\t")) i--;
  return text[i] === "{" || text[i] === "[";
}

function placementOf(comment: Comment, text: string): Placement {
  let before = comment.start - 1;
  while (before >= 0 && (text[before] === " " || text[before] === "\t")) before--;
  if (before < 0 || text[before] === "\n" || text[before] === "\r") return "ownLine";
  if (comment.style !== "block" || followedByNewline(text, comment.end)) return "endOfLine";
  return "inline";
}

function followedByNewline(text: string, offset: number): boolean {
  let after = offset;
  while (after < text.length && (text[after] === " " || text[after] === "\t")) after++;
  return after >= text.length || text[after] === "\n" || text[after] === "\r";
}

/** Whether the whitespace before `offset` holds a blank line. */
export function blankLineBefore(text: string, offset: number): boolean {
  let newlines = 0;
  for (let i = offset - 1; i >= 0; i--) {
    const char = text[i];
    if (char === "\n") {
      if (++newlines === 2) return true;
    } else if (char !== " " && char !== "\t" && char !== "\r") return false;
  }
  return false;
}

/** Whether the whitespace after `offset` holds a blank line. */
export function blankLineAfter(text: string, offset: number): boolean {
  let newlines = 0;
  for (let i = offset; i < text.length; i++) {
    const char = text[i];
    if (char === "\n") {
      if (++newlines === 2) return true;
    } else if (char !== " " && char !== "\t" && char !== "\r") return false;
  }
  return false;
}
