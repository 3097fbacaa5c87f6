// Bundles the extension for packaging: the client (CommonJS, as VS Code loads it; `vscode` is
// the host's), the language server (lsp/src/node-main.ts, one ES module) and a copy of the
// standard library the server is pointed at, so the .vsix needs nothing else installed.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const repo = fileURLToPath(new URL("../../..", import.meta.url));
const common = { bundle: true, platform: "node", target: "node20", conditions: ["source"], legalComments: "none", logLevel: "warning", sourcemap: false };

rmSync(`${root}dist`, { recursive: true, force: true });
await build({ ...common, entryPoints: [`${root}src/extension.ts`], outfile: `${root}dist/extension.cjs`, format: "cjs", external: ["vscode"] });
await build({
  ...common,
  entryPoints: [`${repo}lsp/src/node-main.ts`],
  outfile: `${root}dist/server.mjs`,
  format: "esm",
  // Bundled CommonJS (the protocol libraries) needs `require`.
  banner: { js: 'import { createRequire as __coalCreateRequire } from "node:module"; const require = __coalCreateRequire(import.meta.url);' },
});
// The full-check worker, where the server looks for it (next to it, under workspace/).
await build({
  ...common,
  entryPoints: [`${repo}lsp/src/workspace/full-check-worker.ts`],
  outfile: `${root}dist/workspace/full-check-worker.js`,
  format: "esm",
  banner: { js: 'import { createRequire as __coalCreateRequire } from "node:module"; const require = __coalCreateRequire(import.meta.url);' },
});
mkdirSync(`${root}std`, { recursive: true });
for (const name of readdirSync(`${repo}stdlib/std`)) if (name.endsWith(".coal")) copyFileSync(`${repo}stdlib/std/${name}`, `${root}std/${name}`);
console.log("bundled editors/vscode: dist/extension.cjs, dist/server.mjs, dist/workspace/full-check-worker.js, std/");
