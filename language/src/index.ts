// Public API of the language layer: text → syntax tree, diagnostics and formatted text.
export * from "./syntax/ast.js";
export { parse, defaultMaxFileLength, type ParseOptions, type ParseResult } from "./syntax/parse.js";
export { dumpTree, type DumpOptions } from "./syntax/dump.js";
export { lex, type LexResult } from "./syntax/lexer.js";
export { keywordNames, allTokens, type KeywordName } from "./syntax/tokens.js";
export * from "./diagnostics/diagnostic.js";
export { syntaxCatalogue, syntaxDiagnostic, type SyntaxCode } from "./diagnostics/catalogue.js";
export { format, type FormatResult } from "./format/format.js";
export { printFile, printDocument, defaultPrintWidth, type FormatOptions } from "./format/printer.js";
export { LineMap, lineIndexOf, lineStarts, type Position } from "./text/line-map.js";
export { renderDiagnostic, renderDiagnostics, diagnosticToJson, type JsonDiagnostic, type SourceLookup, type RenderOptions } from "./diagnostics/render.js";
