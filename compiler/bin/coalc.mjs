#!/usr/bin/env -S node --max-semi-space-size=64
// The `coalc` command. A larger young generation makes parsing large workspaces ~1.7× faster
// (bench/parse); the CLI itself is one bundled file built by `npm run build`.
import { existsSync } from "node:fs";

const bundle = new URL("../dist/bundle/coalc.js", import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write("coalc: not built yet: run `npm run build` in the coal repository\n");
  process.exit(2);
}
await import(bundle.href);
