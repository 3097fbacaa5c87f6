#!/usr/bin/env -S node --max-semi-space-size=64
// The `coal-lsp` command: the language server over stdio (`npm run build` compiles it).
import { existsSync } from "node:fs";

const main = new URL("../dist/node-main.js", import.meta.url);
if (!existsSync(main)) {
  process.stderr.write("coal-lsp: not built yet: run `npm run build` in the coal repository\n");
  process.exit(2);
}
await import(main.href);
