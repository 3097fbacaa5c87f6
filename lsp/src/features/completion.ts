// Completion: the compiler's candidates for the cursor, as LSP items replacing the word typed.
import { complete, type CompletionKind } from "@coal/compiler";
import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem, type CompletionList, type CompletionParams } from "vscode-languageserver";
import type { Session } from "../session.js";

const kinds: Readonly<Record<CompletionKind, CompletionItemKind>> = {
  keyword: CompletionItemKind.Keyword,
  entry: CompletionItemKind.Property,
  field: CompletionItemKind.Field,
  variant: CompletionItemKind.EnumMember,
  parameter: CompletionItemKind.Variable,
  type: CompletionItemKind.TypeParameter,
  value: CompletionItemKind.Value,
  file: CompletionItemKind.File,
  record: CompletionItemKind.Struct,
  enum: CompletionItemKind.Enum,
  validator: CompletionItemKind.Function,
  "builtin-validator": CompletionItemKind.Function,
  builtin: CompletionItemKind.Function,
  measurements: CompletionItemKind.Constant,
  lattice: CompletionItemKind.Module,
  organism: CompletionItemKind.Class,
  confluence: CompletionItemKind.Class,
  coalition: CompletionItemKind.Module,
};

export function completion(session: Session, params: CompletionParams): CompletionList {
  const context = session.context(params.textDocument.uri);
  if (context === undefined) return { isIncomplete: false, items: [] };
  const offset = context.lines.offset(params.position);
  const result = complete(context.names, context.unit, offset, { files: context.workspace.files() });
  const range = context.lines.range(result.replace);
  const items: CompletionItem[] = result.items.map((candidate, index) => ({
    label: candidate.label,
    kind: kinds[candidate.kind],
    ...(candidate.detail === undefined ? {} : { detail: candidate.detail }),
    ...(candidate.documentation === undefined ? {} : { documentation: { kind: MarkupKind.Markdown, value: candidate.documentation } }),
    sortText: String(index).padStart(4, "0"),
    filterText: candidate.label,
    insertTextFormat: InsertTextFormat.PlainText,
    textEdit: { range, newText: candidate.insertText ?? candidate.label },
  }));
  return { isIncomplete: false, items };
}
