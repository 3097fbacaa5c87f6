// Diagnostics and their quick fixes: the compiler's diagnostics (offsets, fixes as edits) as LSP
// diagnostics and code actions. Related locations and fixes may point into other files, whose
// text the workspace knows.
import type { Diagnostic as CoalDiagnostic, TextEdit as CoalEdit } from "@coal/language";
import { CodeActionKind, DiagnosticSeverity, type CodeAction, type CodeActionParams, type Diagnostic, type TextEdit, type WorkspaceEdit } from "vscode-languageserver";
import type { Session } from "../session.js";
import type { LineIndex } from "../text/positions.js";
import type { Workspace } from "../workspace/workspace.js";

export function toLspDiagnostic(session: Session, workspace: Workspace, path: string, lines: LineIndex, diagnostic: CoalDiagnostic): Diagnostic {
  const related = diagnostic.related.flatMap((info) => {
    const file = info.file ?? path;
    const index = file === path ? lines : workspace.lines(file);
    return index === undefined ? [] : [{ location: { uri: session.uriOf(file), range: index.range(info.range) }, message: info.message }];
  });
  const message = [diagnostic.message, ...diagnostic.notes.map((note) => `note: ${note}`), ...(diagnostic.help === undefined ? [] : [`help: ${diagnostic.help}`])].join("\n");
  return {
    range: lines.range(diagnostic.range),
    severity: diagnostic.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: diagnostic.code,
    source: "coal",
    message,
    ...(related.length === 0 ? {} : { relatedInformation: related }),
  };
}

/** A document's current diagnostics, for `textDocument/publishDiagnostics`. */
export function documentDiagnostics(session: Session, uri: string): Diagnostic[] {
  const found = session.workspaceOf(uri);
  const document = found?.workspace.document(found.path);
  if (found === undefined || document === undefined) return [];
  return document.diagnostics().map((d) => toLspDiagnostic(session, found.workspace, document.path, document.lines, d));
}

/** Turns compiler edits (offsets, optionally in another file) into a workspace edit. */
export function workspaceEdit(session: Session, workspace: Workspace, path: string, edits: readonly CoalEdit[]): WorkspaceEdit | undefined {
  const changes: Record<string, TextEdit[]> = {};
  for (const edit of edits) {
    const file = edit.file ?? path;
    const lines = workspace.lines(file);
    if (lines === undefined) return undefined;
    (changes[session.uriOf(file)] ??= []).push({ range: lines.range(edit.range), newText: edit.newText });
  }
  return { changes };
}

/** The checker's and parser's quick fixes for the diagnostics under the requested range. */
export function codeActions(session: Session, params: CodeActionParams): CodeAction[] {
  const found = session.workspaceOf(params.textDocument.uri);
  const document = found?.workspace.document(found.path);
  if (found === undefined || document === undefined) return [];
  if (params.context.only !== undefined && !params.context.only.some((kind) => kind === CodeActionKind.QuickFix || CodeActionKind.QuickFix.startsWith(kind + "."))) return [];
  const { start, end } = document.lines.offsets(params.range);
  const actions: CodeAction[] = [];
  for (const diagnostic of document.diagnostics()) {
    if (diagnostic.fixes.length === 0 || diagnostic.range.end < start || diagnostic.range.start > end) continue;
    const lsp = toLspDiagnostic(session, found.workspace, document.path, document.lines, diagnostic);
    diagnostic.fixes.forEach((fix, index) => {
      const edit = workspaceEdit(session, found.workspace, document.path, fix.edits);
      if (edit === undefined) return;
      actions.push({ title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [lsp], edit, ...(index === 0 && diagnostic.fixes.length === 1 ? { isPreferred: true } : {}) });
    });
  }
  return actions;
}
