// Builds the packages and the coalc bundle once before the suite, so tests that start real
// processes (the CLI, prettier with the plugin) run the code as it is now.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./files.js";

export default function setup(): void {
  execFileSync(process.execPath, [join(repoRoot, "node_modules/typescript/bin/tsc"), "-b"], { cwd: repoRoot, stdio: "inherit" });
  execFileSync(process.execPath, [join(repoRoot, "compiler/scripts/bundle.mjs")], { cwd: repoRoot, stdio: "inherit" });
}
