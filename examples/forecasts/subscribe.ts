// Subscribes to the oracle's forecasts through the generated bindings, bootstrapping from the
// publisher printed by publish.ts:
//   node --import tsx examples/forecasts/subscribe.ts <peer id>@<host:port> [count]
import { Network } from "@coal/runtime/net";
import { ids, oracle } from "./coal-out/weather.js";

const [target, countText] = process.argv.slice(2);
const at = target?.indexOf("@") ?? -1;
if (target === undefined || at < 0) {
  console.error("usage: subscribe.ts <peer id>@<host:port> [count]");
  process.exit(2);
}
const count = Number(countText ?? Infinity);
const node = await Network.tcp({ bootstrap: [{ id: target.slice(0, at), address: target.slice(at + 1) }] });
console.log(`subscribing to ${ids.citizens.oracle.surface.forecasts.slice(0, 16)}… (coalition ${ids.coalition.coalition_id.slice(0, 16)}…)`);
let received = 0;
for await (const forecast of oracle.forecasts.subscribe(node)) {
  console.log(`received forecast ${forecast.evidence.seq}: ${forecast.subject} in ${forecast.horizon} ticks, P = ${(forecast.distribution[0]! / 65536).toFixed(3)}`);
  if (++received === count) break;
}
await node.close();
