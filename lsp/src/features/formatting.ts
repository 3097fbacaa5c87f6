// Formatting through the one printer `coalc fmt` and the prettier plugin use. A file with syntax
// errors is never reformatted: no edits.
import { format } from "@coal/language";
import type { DocumentFormattingParams, TextEdit } from "vscode-languageserver";
import type { Session } from "../session.js";

export function formatting(session: Session, params: DocumentFormattingParams): TextEdit[] {
  const context = session.context(params.textDocument.uri);
  if (context === undefined) return [];
  const text = context.unit.text;
  const formatted = format(text).text;
  if (formatted === undefined || formatted === text) return [];
  // One edit over the whole text: the printer's output is canonical, not a diff of the input.
  return [{ range: context.lines.range({ start: 0, end: text.length }), newText: formatted }];
}
