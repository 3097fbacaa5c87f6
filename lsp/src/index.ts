// Public API of the language server: start it on a connection, or call its features directly
// (the tests do, on in-memory workspaces).
export { startServer, capabilities, type ServerOptions } from "./server.js";
export { Session, fileUris, type SessionOptions, type FileContext } from "./session.js";
export { Workspace, WorkspaceSet, Document, type PathMapper, type WorkspaceOptions } from "./workspace/workspace.js";
export { OverlayHost } from "./workspace/overlay-host.js";
export { reparse, shift, incrementalMinLength, type Reparsed } from "./workspace/reparse.js";
export { LineIndex, applyContentChanges, type OffsetEdit, type OffsetRange } from "./text/positions.js";
export { codeActions, documentDiagnostics, toLspDiagnostic } from "./features/diagnostics.js";
export { completion } from "./features/completion.js";
export { hover, inlayHints, codeLenses, resolveCodeLens, explainAt, explainCommand } from "./features/fingerprints.js";
export { definition, references, prepareRename, rename } from "./features/navigation.js";
export { documentSymbols, workspaceSymbols } from "./features/symbols.js";
export { semanticTokens, semanticTokensLegend, tokenTypes, tokenModifiers, lexicalType } from "./features/semantic-tokens.js";
export { foldingRanges } from "./features/folding.js";
export { formatting } from "./features/formatting.js";
export { signatureHelp } from "./features/signature-help.js";
export { serverVersion } from "./version.js";
