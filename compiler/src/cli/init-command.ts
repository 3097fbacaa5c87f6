// `coalc init [dir]`: a starter workspace — a manifest with one organism and a coalition, a
// package.json wired to the coal packages this coalc came from, and an integrator script that
// publishes and reads a datum through the generated bindings — plus the commands that build and
// run it. It never overwrites: a directory that already holds any of the files is refused.
import { exitCodes, UsageError, type CliIo } from "./io.js";

const manifest = (name: string) => `// ${name}: a starter coalition. \`coalc check\` checks it, \`coalc build\` writes the manifest,
// the lock file and the TypeScript bindings (coal-out/${name}.ts) that run.ts imports.
import { EvidencePointer } from "std/types"

/// A reading an organism publishes.
record Reading {
  subject: string
  value: u32
  evidence: EvidencePointer
}

organism sensor {
  role: "sensor"
  instance: "${name}.sensor"
  shape: standalone
  content { unit: "celsius", period: 1s }
  stream readings: Reading
}

coalition ${name} {
  name: "${name}.coalition"
  organisms: [sensor]
  atlas { }
}
`;

const script = (name: string) => `// Publishes one reading and reads it back through the generated bindings, on the embedded
// network (swap Network.memory() for Network.tcp({...}) to run across machines).
import { Network } from "@coal/runtime/net";
import { sensor, ${name} } from "./coal-out/${name}.js";

const net = Network.memory();
const producer = sensor.readings.producer(net.join());
const readings = sensor.readings.subscribe(net.join());
await producer.subscribed(1);
await producer.send({ subject: "greenhouse", value: 21, evidence: { source: new Uint8Array(32), surface: new Uint8Array(32), seq: 1n, commit: new Uint8Array(32) } });
for await (const reading of readings) {
  console.log(\`received \${reading.subject} = \${reading.value} on \${sensor.readings.id.slice(0, 16)}… (coalition \${${name}.ids.coalition_id.slice(0, 16)}…)\`);
  break;
}
process.exit(0);
`;

export function initCommand(positionals: readonly string[], io: CliIo): number {
  if (positionals.length > 1) throw new UsageError("`init` takes at most one directory");
  const host = io.host;
  const directory = positionals[0] ?? ".";
  const base = (host.isAbsolute(directory) ? directory : host.join(directory)).split(/[\\/]/).filter((s) => s !== "" && s !== ".").pop() ?? "starter";
  const name = base.toLowerCase().replace(/[^a-z0-9_]+/g, "_").replace(/^[^a-z]+/, "") || "starter";
  if (host.stat(directory) === "file") throw new UsageError(`\`${directory}\` is a file, not a directory`, { showHelp: false });
  const files = { [`${name}.coal`]: manifest(name), "run.ts": script(name), "package.json": packageJson(name, io.stdlibRoot, host) };
  const existing = Object.keys(files).filter((file) => host.stat(host.join(directory, file)) !== undefined);
  if (existing.length > 0) throw new UsageError(`\`${directory}\` already has ${existing.map((f) => `\`${f}\``).join(", ")}; init never overwrites`, { showHelp: false });
  for (const [file, text] of Object.entries(files)) io.writeFile(host.join(directory, file), text);
  io.stdout.write(
    [
      `coalc: created ${Object.keys(files).join(", ")} in ${directory}`,
      "",
      "Next:",
      ...(directory === "." ? [] : [`  cd ${directory}`]),
      "  npm install          # links the coal packages this coalc came from",
      "  npx coalc build      # checks the manifest, writes coal-out/ and coal.lock.json",
      "  npm start            # runs run.ts: publishes a reading and reads it back",
      "",
    ].join("\n"),
  );
  return exitCodes.ok;
}

/** The coal packages sit side by side (in a checkout, or under node_modules/@coal). */
function packageJson(name: string, stdlibRoot: string, host: CliIo["host"]): string {
  const packages = host.dirname(host.dirname(stdlibRoot));
  const link = (pkg: string) => `file:${host.join(packages, pkg)}`;
  return (
    JSON.stringify(
      {
        name,
        private: true,
        type: "module",
        scripts: { build: "coalc build", start: "node --conditions=source --import tsx run.ts" },
        dependencies: { "@coal/runtime": link("runtime") },
        devDependencies: { "@coal/compiler": link("compiler"), "@coal/stdlib": link("stdlib"), tsx: "^4.20.0" },
      },
      null,
      2,
    ) + "\n"
  );
}
