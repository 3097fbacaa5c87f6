// Public API of the language layer: text → syntax tree, diagnostics and formatted text.
export * from "./syntax/ast.js";
export { parse, defaultMaxFileLength, type ParseOptions, type ParseResult } from "./syntax/parse.js";
export { dumpTree, type DumpOptions } from "./syntax/dump.js";
export { lex, type LexResult } from "./syntax/lexer.js";
export { keywordNames, type KeywordName } from "./syntax/tokens.js";
export * from "./diagnostics/diagnostic.js";
export { syntaxCatalogue, syntaxDiagnostic, type SyntaxCode } from "./diagnostics/catalogue.js";
