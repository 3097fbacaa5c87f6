// Typed streams, as generated bindings expose them: `prophet.forecasts.subscribe(peer)` yields
// decoded values; a datum that fails to decode is counted and dropped, never passed on.
import type { Codec } from "../identity/codec.js";
import { DecodeError } from "../identity/decode.js";
import type { Consumer, ConsumerStats, Producer, ProducerOptions, ProducerStats, StreamPeer } from "./memory.js";

export interface TypedProducer<T> {
  send(value: T): Promise<void>;
  subscribed(n: number): Promise<void>;
  stats(): ProducerStats;
  close(): void;
}

export interface TypedSubscription<T> extends AsyncIterable<T> {
  stats(): ConsumerStats & { readonly undecodable: Readonly<Record<string, number>> };
  close(): void;
}

export interface StreamHandle<T> {
  /** The StreamId, hex. */
  readonly id: string;
  readonly codec: Codec<T>;
  producer(peer: StreamPeer, options?: ProducerOptions): TypedProducer<T>;
  subscribe(peer: StreamPeer): TypedSubscription<T>;
}

export function stream<T>(id: string, codec: Codec<T>): StreamHandle<T> {
  return {
    id,
    codec,
    producer(peer, options) {
      const raw: Producer = peer.produce(id, options);
      return {
        send: (value) => raw.send(codec.encode(value)),
        subscribed: (n) => raw.subscribed(n),
        stats: () => raw.stats(),
        close: () => raw.close(),
      };
    },
    subscribe(peer) {
      const raw: Consumer = peer.consume(id);
      const undecodable: Record<string, number> = {};
      return {
        async *[Symbol.asyncIterator]() {
          for await (const bytes of raw) {
            try {
              yield codec.decode(bytes);
            } catch (error) {
              if (!(error instanceof DecodeError)) throw error;
              undecodable[error.reason] = (undecodable[error.reason] ?? 0) + 1;
            }
          }
        },
        stats: () => ({ ...raw.stats(), undecodable: { ...undecodable } }),
        close: () => raw.close(),
      };
    },
  };
}

/** A stream handle bound to a peer: `subscribe()` and `producer(options)` without repeating it. */
export interface BoundStream<T> {
  readonly id: string;
  producer(options?: ProducerOptions): TypedProducer<T>;
  subscribe(): TypedSubscription<T>;
}

export function bound<T>(handle: StreamHandle<T>, peer: StreamPeer): BoundStream<T> {
  return { id: handle.id, producer: (options) => handle.producer(peer, options), subscribe: () => handle.subscribe(peer) };
}
