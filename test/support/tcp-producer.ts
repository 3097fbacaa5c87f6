// A producer in its own OS process, for the TCP tests: prints `{ id, address }` as one JSON line,
// waits for a consumer, sends `count` datums (0, 1, 2, … as one byte each), and stays up until
// its standard input closes.
import { Network } from "@coal/runtime/net";

const [streamId, countText] = process.argv.slice(2);
const node = await Network.tcp({});
const producer = node.produce(streamId!);
process.stdout.write(JSON.stringify({ id: node.id, address: node.address }) + "\n");
await producer.subscribed(1);
for (let i = 0; i < Number(countText); i++) await producer.send(Uint8Array.of(i % 256));
process.stdin.resume();
process.stdin.on("end", () => void node.close().then(() => process.exit(0)));
