// A minimal LSP client over a child process's standard streams, for the benchmark and the tests
// that drive a real server process: requests with ids, notifications, raw (malformed) bytes, and
// waiting for a notification that matches.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** A minimal LSP client over a child process's stdio. */
export class StdioClient {
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private readonly listeners = new Set<(message: { method: string; params: unknown }) => void>();
  readonly notifications: { method: string; params: unknown }[] = [];
  stderr = "";

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on("data", (chunk: Buffer) => this.receive(chunk));
    child.stderr.on("data", (chunk: Buffer) => (this.stderr += chunk.toString("utf8")));
  }

  /** Starts `node <argv…>`, by default the built `coal-lsp --stdio` with the young-generation
   *  size its `#!` line gives it (editors run it through that line). */
  static start(argv: string[] = ["--max-semi-space-size=64", join(repoRoot, "lsp/bin/coal-lsp.mjs"), "--stdio"]): StdioClient {
    return new StdioClient(spawn(process.execPath, argv, { stdio: "pipe" }));
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf("\r\n\r\n");
      if (headerEnd < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, headerEnd).toString("ascii"))?.[1]);
      if (this.buffer.length < headerEnd + 4 + length) return;
      const message = JSON.parse(this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString("utf8"));
      this.buffer = this.buffer.subarray(headerEnd + 4 + length);
      if (message.id !== undefined && message.method === undefined) {
        const waiting = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error !== undefined) waiting?.reject(Object.assign(new Error(message.error.message), { code: message.error.code }));
        else waiting?.resolve(message.result);
      } else if (message.method !== undefined && message.id !== undefined) {
        // A request from the server (registerCapability, …): accept it.
        this.sendRaw(JSON.stringify({ jsonrpc: "2.0", id: message.id, result: null }));
      } else if (message.method !== undefined) {
        this.notifications.push(message);
        for (const listener of this.listeners) listener(message);
      }
    }
  }

  sendRaw(body: string, header?: string): void {
    this.child.stdin.write(header ?? `Content-Length: ${Buffer.byteLength(body, "utf8")}\r\n\r\n`);
    this.child.stdin.write(body);
  }

  request<T = unknown>(method: string, params: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.sendRaw(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
    });
  }

  notify(method: string, params: unknown): void {
    this.sendRaw(JSON.stringify({ jsonrpc: "2.0", method, params }));
  }

  /** The next notification matching `predicate` (or one already received since `after`). */
  waitFor<T = unknown>(method: string, predicate: (params: T) => boolean, timeoutMs = 20_000): Promise<T> {
    const already = this.notifications.find((n) => n.method === method && predicate(n.params as T));
    if (already !== undefined) return Promise.resolve(already.params as T);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${method}; stderr:\n${this.stderr}`)), timeoutMs);
      const listener = (message: { method: string; params: unknown }) => {
        if (message.method === method && predicate(message.params as T)) {
          clearTimeout(timer);
          this.listeners.delete(listener);
          resolve(message.params as T);
        }
      };
      this.listeners.add(listener);
    });
  }

  exited(): Promise<number | null> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) resolve(this.child.exitCode);
      else this.child.once("exit", (code) => resolve(code));
    });
  }
}

