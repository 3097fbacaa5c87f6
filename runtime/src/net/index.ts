// Networking: the embedded in-process network and typed streams over it.
export * from "./memory.js";
export * from "./typed.js";
export * from "./frames.js";
export * from "./link.js";
export * from "./tcp.js";
export * from "./tickets.js";
export * from "./jwt.js";

import { memoryNetwork } from "./memory.js";
import { tcpNetwork } from "./tcp.js";

/** `Network.memory()`: peers in this process. `Network.tcp(options)`: a peer of a TCP network. */
export const Network = { memory: memoryNetwork, tcp: tcpNetwork };
