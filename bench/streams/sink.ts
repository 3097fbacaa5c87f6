// The receiving side of bench/streams, in its own OS process (as a consumer is in any deployment):
// started by run.ts with a mode and a count, it reports "ready" once it can receive and "done"
// when the last datum (or byte) has arrived, over the IPC channel.
//
//   sink.ts raw <port> <bytes> | coal <peer id> <address> <stream id> <datums> | nats <port> <datums>
import { connect, type Socket } from "node:net";
import { connect as natsConnect } from "nats";
import { Network } from "@coal/runtime/net";

const [mode, ...args] = process.argv.slice(2);
const report = (message: string) => process.send!(message);

if (mode === "raw") {
  const [port, bytes] = [Number(args[0]), Number(args[1])];
  let received = 0;
  const socket: Socket = connect(port, "127.0.0.1", () => report("ready"));
  socket.on("data", (chunk) => {
    if ((received += chunk.length) >= bytes) {
      report("done");
      socket.destroy();
      process.disconnect?.();
    }
  });
} else if (mode === "coal") {
  const [peer, address, streamId, count] = [args[0]!, args[1]!, args[2]!, Number(args[3])];
  const node = await Network.tcp({ bootstrap: [{ id: peer, address }] });
  const consumer = node.consume(streamId, { capacity: 1 << 20 });
  report("ready");
  let n = 0;
  for await (const _ of consumer) if (++n === count) break;
  report("done");
  await node.close();
  process.disconnect?.();
} else if (mode === "nats") {
  const [port, count] = [Number(args[0]), Number(args[1])];
  const subscriber = await natsConnect({ servers: `127.0.0.1:${port}` });
  const subscription = subscriber.subscribe("bench");
  await subscriber.flush();
  report("ready");
  let n = 0;
  for await (const _ of subscription) if (++n === count) break;
  report("done");
  await subscriber.close();
  process.disconnect?.();
}
