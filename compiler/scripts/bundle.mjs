// Bundles the coalc CLI into one file. Loading chevrotain's ES modules one by one (hundreds of
// lodash-es files) costs ~450 ms at every start; bundled, the whole CLI loads in a fraction.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
await build({
  entryPoints: [`${root}src/cli/node-main.ts`],
  outfile: `${root}dist/coalc.js`,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // Workspace packages resolve to their TypeScript sources.
  conditions: ["source"],
  sourcemap: "linked",
  legalComments: "none",
  logLevel: "warning",
  // Some bundled CommonJS needs `require`.
  banner: { js: 'import { createRequire as __coalCreateRequire } from "node:module"; const require = __coalCreateRequire(import.meta.url);' },
});
