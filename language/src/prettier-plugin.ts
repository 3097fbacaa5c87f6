// A prettier plugin for .coal, so `prettier --write "**/*.coal"` works. It is a thin adapter:
// parsing is `parse`, printing is `printDocument` — the very printer `coalc fmt` uses — and
// prettier lays the document out with the user's prettier options (printWidth defaults to 100,
// as in `coalc fmt`). A file with syntax errors is refused with its first error, and prettier
// leaves it untouched.
//
//   // .prettierrc.json
//   { "plugins": ["@coal/language/prettier"] }
import type { Plugin } from "prettier";
import type { SourceFile, Comment } from "./syntax/ast.js";
import { parse } from "./syntax/parse.js";
import { LineMap } from "./text/line-map.js";
import { defaultPrintWidth, printDocument } from "./format/printer.js";

/** What the plugin's parser hands prettier: the tree, plus what printing needs. The comments sit
 *  under a key prettier does not know, because the printer places them itself. */
interface CoalAst extends SourceFile {
  readonly coalComments: readonly Comment[];
  readonly coalText: string;
}

class CoalSyntaxError extends SyntaxError {
  constructor(
    message: string,
    readonly loc: { start: { line: number; column: number } },
  ) {
    super(message);
  }
}

const plugin: Plugin<CoalAst> = {
  languages: [
    {
      name: "coal",
      parsers: ["coal"],
      extensions: [".coal"],
      vscodeLanguageIds: ["coal"],
    },
  ],
  parsers: {
    coal: {
      astFormat: "coal-ast",
      parse(text) {
        const result = parse(text);
        const error = result.diagnostics.find((diagnostic) => diagnostic.severity === "error");
        if (error !== undefined) {
          const position = new LineMap(text).position(error.range.start);
          throw new CoalSyntaxError(`${error.message} [${error.code}]`, { start: { line: position.line, column: position.column } });
        }
        return { ...result.file, coalComments: result.comments, coalText: text };
      },
      locStart: (node) => node.start,
      locEnd: (node) => node.end,
    },
  },
  printers: {
    "coal-ast": {
      print(path) {
        const ast = path.node;
        return printDocument(ast, ast.coalComments, ast.coalText);
      },
    },
  },
  defaultOptions: {
    printWidth: defaultPrintWidth,
    tabWidth: 2,
  },
};

export default plugin;
export const { languages, parsers, printers, defaultOptions } = plugin;
