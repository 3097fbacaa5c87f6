#!/usr/bin/env node
// The `coal` command (node runner, key files). Runs the built runtime; `npm run build` first.
import { existsSync } from "node:fs";

const cli = new URL("../dist/node/cli.js", import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write("coal: not built yet: run `npm run build` in the coal repository\n");
  process.exit(2);
}
const { coal } = await import(cli.href);
process.exit(await coal(process.argv.slice(2)));
