// Publishes a forecast a second on the TCP network through the generated bindings.
//   npx coalc build examples/forecasts && node --import tsx examples/forecasts/publish.ts [count]
// Prints `<peer id>@<host:port>` for the subscriber to bootstrap from.
import { Network } from "@coal/runtime/net";
import { oracle } from "./coal-out/weather.js";

const count = Number(process.argv[2] ?? Infinity);
const node = await Network.tcp({ listen: { port: Number(process.env["PORT"] ?? 0) } });
const forecasts = oracle.forecasts.producer(node);
console.log(`${node.id}@${node.address}`);
await forecasts.subscribed(1);
for (let i = 0; i < count; i++) {
  const rain = 16384 + ((i * 7919) % 32768);
  await forecasts.send({ subject: "rain", horizon: 4, distribution: [rain, 65536 - rain], evidence: { source: new Uint8Array(32), surface: new Uint8Array(32), seq: BigInt(i), commit: new Uint8Array(32) } });
  console.log(`published forecast ${i}: P(rain) = ${(rain / 65536).toFixed(3)}`);
  if (i + 1 < count) await new Promise((resolve) => setTimeout(resolve, Number(process.env["INTERVAL_MS"] ?? 1000)));
}
await new Promise((resolve) => setTimeout(resolve, 200));
await node.close();
