// Attaches every comment to a node, so the printer can put it back where it was: before the
// node that follows it (leading), after the node that precedes it (trailing), or inside a node
// that has nothing else around it (dangling). This is prettier's model; the placement decides
// how a comment is printed (on its own line, at the end of a line, or between tokens).
import type { Comment, Node } from "../syntax/ast.js";

export type Placement = "ownLine" | "endOfLine" | "inline";

export interface AttachedComment {
  readonly comment: Comment;
  readonly placement: Placement;
  /** A blank line separates this comment from what precedes it in the source. */
  readonly blankLineBefore: boolean;
  /** A blank line separates this comment from what follows it in the source. */
  readonly blankLineAfter: boolean;
}

export interface NodeComments {
  readonly leading: AttachedComment[];
  readonly trailing: AttachedComment[];
  readonly dangling: AttachedComment[];
}

export type CommentMap = Map<Node, NodeComments>;

const childCache = new WeakMap<Node, readonly Node[]>();

/** The node's children in source order (doc comments excluded: they print with their node). */
export function childNodes(node: Node): readonly Node[] {
  const cached = childCache.get(node);
  if (cached !== undefined) return cached;
  const children: Node[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === "doc") continue;
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) children.push(item);
    } else if (isNode(value)) {
      children.push(value);
    }
  }
  children.sort((a, b) => a.start - b.start);
  childCache.set(node, children);
  return children;
}

function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && "kind" in value;
}

export function attachComments(root: Node, comments: readonly Comment[], text: string): CommentMap {
  const map: CommentMap = new Map();
  const entry = (node: Node): NodeComments => {
    let found = map.get(node);
    if (found === undefined) {
      found = { leading: [], trailing: [], dangling: [] };
      map.set(node, found);
    }
    return found;
  };

  for (const comment of comments) {
    let enclosing: Node = root;
    let preceding: Node | undefined;
    let following: Node | undefined;
    // Descend to the innermost node that contains the comment.
    for (;;) {
      preceding = undefined;
      following = undefined;
      let inner: Node | undefined;
      for (const child of childNodes(enclosing)) {
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

    const attached: AttachedComment = {
      comment,
      placement: placementOf(comment, text),
      blankLineBefore: blankLineBefore(text, comment.start),
      blankLineAfter: blankLineAfter(text, comment.end),
    };
    if (attached.placement === "endOfLine") {
      if (preceding !== undefined) entry(preceding).trailing.push(attached);
      else if (following !== undefined) entry(following).leading.push(attached);
      else entry(enclosing).dangling.push(attached);
    } else if (attached.placement === "ownLine") {
      if (following !== undefined) entry(following).leading.push(attached);
      else if (preceding !== undefined) entry(preceding).trailing.push(attached);
      else entry(enclosing).dangling.push(attached);
    } else {
      if (following !== undefined) entry(following).leading.push(attached);
      else if (preceding !== undefined) entry(preceding).trailing.push(attached);
      else entry(enclosing).dangling.push(attached);
    }
  }
  return map;
}

function placementOf(comment: Comment, text: string): Placement {
  let before = comment.start - 1;
  while (before >= 0 && (text[before] === " " || text[before] === "\t")) before--;
  if (before < 0 || text[before] === "\n" || text[before] === "\r") return "ownLine";
  let after = comment.end;
  while (after < text.length && (text[after] === " " || text[after] === "\t")) after++;
  if (after >= text.length || text[after] === "\n" || text[after] === "\r" || comment.style !== "block") return "endOfLine";
  return "inline";
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
