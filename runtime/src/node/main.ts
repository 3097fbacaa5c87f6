// `coal` from source (tests and development): node --conditions=source --import tsx runtime/src/node/main.ts …
import { coal } from "./cli.js";

process.exit(await coal(process.argv.slice(2)));
