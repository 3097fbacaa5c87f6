// Builds the packages and the coalc bundle once before the suite, so tests that start real
// processes (the CLI, prettier with the plugin) run the code as it is now.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./files.js";

export default function setup(): void {
  // Helpers running one folder of pure-runtime tests may skip the build (it is shared state).
  if (process.env.COAL_SKIP_BUILD === "1") return;
  execFileSync(process.execPath, [join(repoRoot, "node_modules/typescript/bin/tsc"), "-b"], { cwd: repoRoot, stdio: "inherit" });
  execFileSync(process.execPath, [join(repoRoot, "compiler/scripts/bundle.mjs")], { cwd: repoRoot, stdio: "inherit" });
}
