// Bundles the coalc CLI into one file. Loading chevrotain's ES modules one by one (hundreds of
// lodash-es files) costs ~450 ms at every start; bundled, the whole CLI loads in a fraction.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
await build({
  // `coalc.js` plus chunks: the bindings generator (ts-morph, prettier) is a separate chunk that
  // loads only when `coalc build` needs it.
  entryPoints: { coalc: `${root}src/cli/node-main.ts` },
  outdir: `${root}dist/bundle`,
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // Workspace packages resolve to their TypeScript sources.
  conditions: ["source"],
  sourcemap: "linked",
  legalComments: "none",
  logLevel: "warning",
  // Some bundled CommonJS (TypeScript, in ts-morph) needs `require`, `__filename`, `__dirname`.
  banner: {
    js: [
      'import { createRequire as __coalCreateRequire } from "node:module";',
      'import { fileURLToPath as __coalFileURLToPath } from "node:url";',
      'import { dirname as __coalDirname } from "node:path";',
      "const require = __coalCreateRequire(import.meta.url);",
      "const __filename = __coalFileURLToPath(import.meta.url);",
      "const __dirname = __coalDirname(__filename);",
    ].join(" "),
  },
});
