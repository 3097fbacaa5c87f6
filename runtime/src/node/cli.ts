// The `coal` command: `coal node …` runs a node (see runner.ts), `coal key …` makes a key file.
// A user's mistake is one line on stderr and exit code 2; a running node logs JSON lines.
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { peerKeyFromSeed } from "../net/link.js";
import { NodeConfigError, NodeRunner, readKeyFile, type NodeConfig } from "./runner.js";

const usage = `coal: run coalition committees

Usage:
  coal key --out <file>            Write a new key file (an Ed25519 seed) and print its peer id
  coal key --show <file>           Print the peer id of a key file
  coal node --manifest <file> --data-dir <dir> --key <file> --listen <host:port>
            --members <id,id,…> [--module almanac|chronicle|atlas|compute]…
            [--machine <organism>=<module.js>]… [--bootstrap <id>@<host:port>]…
            [--advertise <host:port>] [--metrics <host:port>] [--tick-ms n] [--election-ticks n]
            [--clients any|<id,id,…>] [--tdx-root <root.pem>]
`;

class UsageError extends Error {}

function hostPort(text: string, what: string): { host: string; port: number } {
  const at = text.lastIndexOf(":");
  const port = Number(text.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${what} must be host:port, not \`${text}\``);
  return { host: text.slice(0, at), port };
}

export async function coal(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === "key") {
      const { values } = parseArgs({ args: [...rest], options: { out: { type: "string" }, show: { type: "string" } }, strict: true });
      if (values.show !== undefined) {
        process.stdout.write(`${peerKeyFromSeed(readKeyFile(values.show)).id}\n`);
        return 0;
      }
      if (values.out === undefined) throw new UsageError("`coal key` needs --out <file> or --show <file>");
      if (existsSync(values.out)) throw new UsageError(`${values.out} exists; a key file is never overwritten`);
      const seed = randomBytes(32);
      writeFileSync(values.out, seed.toString("hex") + "\n", { mode: 0o600 });
      process.stdout.write(`${peerKeyFromSeed(seed).id}\n`);
      return 0;
    }
    if (command === "node") {
      const { values } = parseArgs({
        args: [...rest],
        options: {
          manifest: { type: "string" },
          "data-dir": { type: "string" },
          key: { type: "string" },
          listen: { type: "string" },
          advertise: { type: "string" },
          bootstrap: { type: "string", multiple: true },
          module: { type: "string", multiple: true },
          members: { type: "string" },
          machine: { type: "string", multiple: true },
          metrics: { type: "string" },
          "tick-ms": { type: "string" },
          "election-ticks": { type: "string" },
          clients: { type: "string" },
          "tdx-root": { type: "string" },
        },
        strict: true,
      });
      for (const required of ["manifest", "data-dir", "key", "listen", "members"] as const) if (values[required] === undefined) throw new UsageError(`\`coal node\` needs --${required}`);
      const modules = (values.module ?? []).map((m) => {
        if (m !== "almanac" && m !== "chronicle" && m !== "atlas" && m !== "compute") throw new UsageError(`unknown module \`${m}\` (almanac, chronicle, atlas, compute)`);
        return m;
      });
      const machines = Object.fromEntries(
        (values.machine ?? []).map((entry) => {
          const at = entry.indexOf("=");
          if (at <= 0) throw new UsageError(`--machine takes <organism>=<module.js>, not \`${entry}\``);
          return [entry.slice(0, at), entry.slice(at + 1)];
        }),
      );
      const bootstrap = (values.bootstrap ?? []).map((entry) => {
        const at = entry.indexOf("@");
        if (at <= 0) throw new UsageError(`--bootstrap takes <peer id>@<host:port>, not \`${entry}\``);
        hostPort(entry.slice(at + 1), "--bootstrap's address");
        return { id: entry.slice(0, at), address: entry.slice(at + 1) };
      });
      const members = values.members!.split(",").filter((m) => m !== "");
      for (const member of members) if (!/^[0-9a-f]{64}$/.test(member)) throw new UsageError(`--members takes peer ids (64 hex digits), not \`${member}\``);
      let clients: "any" | string[] | undefined;
      if (values.clients !== undefined) {
        clients = values.clients === "any" ? "any" : values.clients.split(",").filter((c) => c !== "");
        if (clients !== "any") for (const client of clients) if (!/^[0-9a-f]{64}$/.test(client)) throw new UsageError(`--clients takes \`any\` or peer ids (64 hex digits), not \`${client}\``);
      }
      const config: NodeConfig = {
        manifest: values.manifest!,
        dataDir: values["data-dir"]!,
        keyFile: values.key!,
        listen: hostPort(values.listen!, "--listen"),
        ...(values.advertise === undefined ? {} : { advertise: values.advertise }),
        bootstrap,
        modules,
        members,
        machines,
        ...(values.metrics === undefined ? {} : { metrics: hostPort(values.metrics, "--metrics") }),
        ...(clients === undefined ? {} : { clients }),
        ...(values["tdx-root"] === undefined ? {} : { tdxRoot: values["tdx-root"] }),
        ...(values["tick-ms"] === undefined ? {} : { tickMs: Number(values["tick-ms"]) }),
        ...(values["election-ticks"] === undefined ? {} : { electionTicks: Number(values["election-ticks"]) }),
      };
      const runner = await NodeRunner.start(config);
      await new Promise<void>((resolve) => {
        const stop = () => void runner.stop().then(resolve);
        process.once("SIGTERM", stop);
        process.once("SIGINT", stop);
      });
      return 0;
    }
    process.stderr.write(usage);
    return command === undefined || command === "--help" || command === "-h" ? 0 : 2;
  } catch (error) {
    // Mistakes and the environment's refusals (a port in use, a directory not writable): one line.
    if (error instanceof UsageError || error instanceof NodeConfigError || typeof (error as { code?: unknown }).code === "string") {
      process.stderr.write(`coal: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
}
