// ReadIndex bookkeeping on the leader (Raft thesis §6.4). A read asked at commit index c is safe
// once a quorum has acknowledged a heartbeat sent after it was asked: then no other leader could
// have committed anything this leader has not, and the application may answer after applying c.
// Heartbeats carry the newest pending request's context; an acknowledgement of it confirms every
// older request too.
import { assert } from "./assert.js";
import type { NodeId, ReadIndexMessage } from "./types.js";

export interface ReadIndexStatus {
  readonly request: ReadIndexMessage;
  /** The leader's commit index when the request arrived. */
  readonly index: number;
  readonly acknowledged: Set<NodeId>;
}

export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  /** Registers a request; a context already pending is ignored (contexts identify requests). */
  add(index: number, request: ReadIndexMessage): void {
    const key = contextKey(request.context);
    if (this.pending.has(key)) return;
    this.pending.set(key, { request, index, acknowledged: new Set() });
    this.queue.push(key);
  }

  /** Records `from`'s acknowledgement of `context`; the set acknowledged so far, if pending. */
  acknowledge(from: NodeId, context: Uint8Array): ReadonlySet<NodeId> | undefined {
    const status = this.pending.get(contextKey(context));
    if (status === undefined) return undefined;
    status.acknowledged.add(from);
    return status.acknowledged;
  }

  /** Removes and returns the request for `context` and every one queued before it. */
  advance(context: Uint8Array): ReadIndexStatus[] {
    const key = contextKey(context);
    const at = this.queue.indexOf(key);
    if (at < 0) return [];
    const done = this.queue.slice(0, at + 1);
    this.queue = this.queue.slice(at + 1);
    return done.map((doneKey) => {
      const status = this.pending.get(doneKey);
      assert(status !== undefined, "a queued read request is pending");
      this.pending.delete(doneKey);
      return status;
    });
  }

  /** The newest pending request's context, which the next heartbeats carry. */
  lastPendingContext(): Uint8Array | undefined {
    const key = this.queue[this.queue.length - 1];
    return key === undefined ? undefined : this.pending.get(key)?.request.context;
  }

  get size(): number {
    return this.queue.length;
  }
}

function contextKey(context: Uint8Array): string {
  let key = "";
  for (const byte of context) key += byte.toString(16).padStart(2, "0");
  return key;
}
