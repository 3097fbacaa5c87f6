// Signature help for calls of validators, built-in functions and enum variants with fields: the
// callee's parameters, the one being typed highlighted (by name once named, else by position).
import { nodesAt, compactText, type Target } from "@coal/compiler";
import type * as A from "@coal/language";
import { MarkupKind, type SignatureHelp, type SignatureHelpParams } from "vscode-languageserver";
import type { Session } from "../session.js";

export function signatureHelp(session: Session, request: SignatureHelpParams): SignatureHelp | null {
  const context = session.context(request.textDocument.uri);
  if (context === undefined) return null;
  const offset = context.lines.offset(request.position);
  const text = context.unit.text;
  const chain = nodesAt(context.unit.parsed.file, offset);
  const calls = chain.filter((node): node is A.CallExpr => node.kind === "CallExpr");
  // The innermost call whose parentheses hold the cursor.
  const call = calls.reverse().find((c) => {
    const open = text.indexOf("(", c.callee.end);
    return open >= 0 && open < offset && (text[c.end - 1] !== ")" || offset < c.end);
  });
  if (call === undefined) return null;
  const [first, second] = call.callee.segments;
  const bound = first === undefined ? undefined : context.names.lookup(context.unit, first.text);
  let callee: Target | undefined = bound?.target;
  if (callee?.kind === "enum" && second !== undefined) callee = context.names.members(callee).find((v) => v.name === second.text);
  if (callee === undefined || !(callee.kind === "builtin-validator" || callee.kind === "builtin" || callee.kind === "variant")) return null;
  const params = context.names.members(callee);
  const calleeText = callee.kind === "variant" ? `${callee.container?.name}.${callee.name}` : callee.name;
  let label = `${calleeText}(`;
  const parameters = params.map((param, index) => {
    const piece = compactText(param.unit.text, param.node);
    const start = label.length;
    label += piece + (index < params.length - 1 ? ", " : "");
    const doc = (param.node as A.FieldDecl).doc?.text;
    return { label: [start, start + piece.length] as [number, number], ...(doc === undefined ? {} : { documentation: doc }) };
  });
  label += ")";
  const current = call.args.find((arg) => arg.start <= offset && offset <= arg.end) ?? call.args.find((arg) => arg.start >= offset);
  const commasBefore = call.args.filter((arg) => arg.end < offset && text.slice(arg.end, offset).includes(",")).length;
  let active = current?.name !== undefined ? params.findIndex((p) => p.name === current.name!.text) : -1;
  if (active < 0) {
    // Positional arguments fill parameters in order; after a named one, the next unnamed
    // parameter is the one being written.
    const before = call.args.slice(0, commasBefore);
    const positional = before.filter((arg) => arg.name === undefined).length;
    const named = before.some((arg) => arg.name !== undefined);
    active = named ? params.findIndex((p, index) => index >= positional && !call.args.some((arg) => arg.name?.text === p.name)) : commasBefore;
  }
  const doc = "doc" in callee.node && callee.node.doc !== undefined ? callee.node.doc.text : undefined;
  return {
    signatures: [{ label, parameters, ...(doc === undefined ? {} : { documentation: { kind: MarkupKind.Markdown, value: doc } }) }],
    activeSignature: 0,
    activeParameter: Math.max(0, Math.min(active, params.length - 1)),
  };
}
