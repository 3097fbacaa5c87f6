// Runs the fuzzer for longer than CI does:
//   npm run fuzz -- [--runs N] [--seed S] [--mode generated|mutated|checker|both|all]
// Prints the seed and the shrunk counterexample on failure (exit 1), or the number of inputs,
// how many were valid, and the slowest input on success.
import fc from "fast-check";
import { parseArgs } from "node:util";
import { checkCompiles, checkInput } from "./properties.js";
import { generatedFile, mutatedFile } from "./inputs.js";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "200000" }, seed: { type: "string" }, mode: { type: "string", default: "both" } },
});
const runs = Number(values.runs);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
const modes = values.mode === "both" ? ["generated", "mutated"] : values.mode === "all" ? ["generated", "mutated", "checker"] : [values.mode!];

let failed = false;
for (const mode of modes) {
  let valid = 0;
  let unsettled = 0;
  let slowest = 0;
  const arbitrary = mode === "generated" ? generatedFile : mode === "checker" ? fc.oneof(generatedFile, mutatedFile) : mutatedFile;
  const result = fc.check(
    fc.property(arbitrary, (text) => {
      if (mode === "checker") {
        const started = performance.now();
        if (!checkCompiles(text).errors) valid++;
        slowest = Math.max(slowest, performance.now() - started);
        return;
      }
      const outcome = checkInput(text);
      if (outcome.valid) valid++;
      if (!outcome.settled) unsettled++;
      slowest = Math.max(slowest, outcome.milliseconds);
    }),
    { numRuns: runs, seed },
  );
  if (result.failed) {
    failed = true;
    console.log(`${mode}: FAILED (seed ${seed}, path ${result.counterexamplePath})`);
    console.log(JSON.stringify(result.counterexample?.[0]));
    console.log(String(result.errorInstance instanceof Error ? result.errorInstance.message : result.errorInstance));
  } else {
    console.log(`${mode}: ${runs} inputs passed (${valid} valid, ${unsettled} left unformatted), slowest ${slowest.toFixed(1)} ms, seed ${seed}`);
  }
}
process.exitCode = failed ? 1 : 0;
