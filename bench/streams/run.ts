// bench/streams: 1 KiB datums, one producer → one consumer over TCP loopback, through coal's TCP
// network (authenticated, encrypted links), against raw Node TCP writing the same bytes (batched)
// and a NATS server (Debian `nats-server`) in the same run. Bars (issue #4): ≥ 0.5× raw TCP,
// ≥ 1.0× NATS.
//
// Each system runs twice: sender and receiver in one process (one core does everything), and
// the receiver in its own OS process (`sink.ts`), as producers and consumers are deployed.
//
//   npm run bench:streams [-- --datums 100000 --size 1024]
import { fork, spawn, type ChildProcess } from "node:child_process";
import { cpus } from "node:os";
import { createServer, connect, type AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { connect as natsConnect } from "nats";
import { id, toHex } from "@coal/runtime/identity";
import { Network } from "@coal/runtime/net";

const { values } = parseArgs({ options: { datums: { type: "string", default: "100000" }, size: { type: "string", default: "1024" } } });
const count = Number(values.datums);
const size = Number(values.size);
const payload = new Uint8Array(size).fill(42);

/** A receiver in its own process; resolves once it reports "ready", with a promise of "done". */
async function sink(...args: string[]): Promise<{ done: Promise<void>; child: ChildProcess }> {
  const child = fork(new URL("./sink.ts", import.meta.url), args, { execArgv: ["--conditions=source", "--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await new Promise<void>((resolve, reject) => {
    child.on("message", (message) => (message === "ready" ? resolve() : message === "done" ? done() : undefined));
    child.once("exit", (code) => reject(new Error(`the sink exited with ${code}`)));
  });
  return { done: finished, child };
}

async function rawTcp(separate: boolean): Promise<number> {
  const total = count * (size + 4);
  const frame = Buffer.alloc(size + 4);
  frame.writeUInt32LE(size);
  frame.set(payload, 4);
  const batch = Buffer.concat(Array.from({ length: 64 }, () => frame));
  let received = 0;
  let done!: () => void;
  let finished = new Promise<void>((resolve) => (done = resolve));
  let socket!: import("node:net").Socket;
  const server = createServer();
  const accepted = new Promise<void>((resolve) => {
    server.on("connection", (s) => {
      socket = s;
      resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  let child: ChildProcess | undefined;
  if (separate) {
    const receiver = await sink("raw", String(port), String(total));
    finished = receiver.done;
    child = receiver.child;
    await accepted;
  } else {
    // Here the connecting side sends and the accepted side counts.
    const sender = connect(port, "127.0.0.1");
    await accepted;
    socket.on("data", (chunk) => ((received += chunk.length) >= total ? done() : undefined));
    socket = sender;
  }
  const started = performance.now();
  for (let sent = 0; sent < count; sent += 64) {
    const chunk = sent + 64 <= count ? batch : batch.subarray(0, (count - sent) * frame.length);
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once("drain", resolve));
  }
  await finished;
  const ms = performance.now() - started;
  socket.destroy();
  server.close();
  child?.kill();
  return ms;
}

async function coal(separate: boolean): Promise<number> {
  const streamId = toHex(id("bench.streams"));
  const producerNode = await Network.tcp({});
  const producer = producerNode.produce(streamId, { capacity: 4096, lagTimeoutMs: 60_000 });
  let receiving: Promise<void>;
  let close: () => Promise<void> | void;
  if (separate) {
    const receiver = await sink("coal", producerNode.id, producerNode.address, streamId, String(count));
    receiving = receiver.done;
    close = () => void receiver.child.kill();
  } else {
    const consumerNode = await Network.tcp({ bootstrap: [{ id: producerNode.id, address: producerNode.address }] });
    const consumer = consumerNode.consume(streamId, { capacity: 1 << 20 });
    receiving = (async () => {
      let n = 0;
      for await (const _ of consumer) if (++n === count) break;
    })();
    close = () => consumerNode.close();
  }
  await producer.subscribed(1);
  const started = performance.now();
  for (let i = 0; i < count; i++) await producer.send(payload);
  await receiving;
  const ms = performance.now() - started;
  await Promise.all([producerNode.close(), close()]);
  return ms;
}

async function nats(separate: boolean): Promise<number | string> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  let server: ChildProcess;
  try {
    server = spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
    await new Promise((resolve, reject) => {
      server.once("error", reject);
      setTimeout(resolve, 300);
    });
  } catch {
    return "skipped: nats-server is not installed (apt-get install nats-server)";
  }
  try {
    const publisher = await natsConnect({ servers: `127.0.0.1:${port}` });
    let receiving: Promise<void>;
    let close: () => Promise<void> | void;
    if (separate) {
      const receiver = await sink("nats", String(port), String(count));
      receiving = receiver.done;
      close = () => void receiver.child.kill();
    } else {
      const subscriber = await natsConnect({ servers: `127.0.0.1:${port}` });
      const subscription = subscriber.subscribe("bench");
      await subscriber.flush();
      receiving = (async () => {
        let n = 0;
        for await (const _ of subscription) if (++n === count) break;
      })();
      close = () => subscriber.close();
    }
    const started = performance.now();
    for (let i = 0; i < count; i++) publisher.publish("bench", payload);
    await publisher.flush();
    await receiving;
    const ms = performance.now() - started;
    await Promise.all([publisher.close(), close()]);
    return ms;
  } finally {
    server.kill();
  }
}

const cpu = cpus();
console.log(`bench/streams: ${count} datums of ${size} bytes, one producer → one consumer on loopback; ${cpu.length} × ${cpu[0]?.model ?? "unknown CPU"}; Node ${process.version}`);
const rate = (ms: number) => `${((count * size) / 1e6 / (ms / 1000)).toFixed(1)} MB/s, ${Math.round(count / (ms / 1000))} datums/s`;
await rawTcp(false); // warm-up
for (const separate of [false, true]) {
  const raw = await rawTcp(separate);
  const ours = await coal(separate);
  const natsMs = await nats(separate);
  console.log(separate ? "receiver in its own process:" : "sender and receiver in one process:");
  console.log(`  raw TCP (batched)  ${raw.toFixed(0).padStart(6)} ms   ${rate(raw)}`);
  console.log(`  coal TCP streams   ${ours.toFixed(0).padStart(6)} ms   ${rate(ours)}`);
  if (typeof natsMs === "number") console.log(`  NATS               ${natsMs.toFixed(0).padStart(6)} ms   ${rate(natsMs)}`);
  else console.log(`  NATS               ${natsMs}`);
  console.log(`  coal vs raw TCP: ${(raw / ours).toFixed(2)}× its throughput   (bar ≥ 0.5×: ${raw / ours >= 0.5 ? "met" : "NOT met"})`);
  if (typeof natsMs === "number") console.log(`  coal vs NATS: ${(natsMs / ours).toFixed(2)}× its throughput   (bar ≥ 1.0×: ${natsMs / ours >= 1 ? "met" : "NOT met"})`);
}
process.exit(0);
