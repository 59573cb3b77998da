import type { AppendAck, MessageHeaders } from './bus.js';
import { BusError } from './errors.js';
import { type DurableConfig, MemoryDurable } from './memory-durable.js';
import { MemoryStream } from './memory-stream.js';
import { defaultStreams, type StreamDefinitions, type StreamName, streamForConsumer } from './streams.js';
import { subjectMatches } from './subject.js';

/** A message crossing the in-process broker: bytes and headers only, never shared objects. */
export interface BrokerMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: Readonly<MessageHeaders>;
  readonly reply?: string;
}

/** A registered interest. `deliver` must not run the handler synchronously. */
export interface BrokerSubscriber {
  readonly pattern: string;
  readonly queue?: string;
  deliver(msg: BrokerMessage): void;
}

/** Options of a MemoryBroker. */
export interface MemoryBrokerOptions {
  /** Stream definitions; default `defaultStreams()`. */
  streams?: StreamDefinitions;
  /** Clock for stream ages and duplicate windows, in epoch milliseconds; default `Date.now`. */
  now?: () => number;
}

/**
 * The in-process stand-in for a NATS server: routes messages to subscribers (one copy per plain
 * subscriber, one per queue group, members taking turns), stores stream-bound subjects in their
 * streams, and keeps durable consumers. Several MemoryBus instances sharing one broker behave like
 * several connections to one server.
 */
export class MemoryBroker {
  readonly streams: StreamDefinitions;
  readonly #subscribers = new Set<BrokerSubscriber>();
  readonly #groupTurns = new Map<string, number>();
  readonly #stores: ReadonlyArray<{ patterns: readonly string[]; stream: MemoryStream }>;
  readonly #durables = new Map<string, MemoryDurable>();

  constructor(options: MemoryBrokerOptions = {}) {
    this.streams = options.streams ?? defaultStreams();
    this.#stores = Object.values(this.streams).map((def) => ({
      patterns: def.subjects,
      stream: new MemoryStream(def, options.now),
    }));
  }

  /** Registers a subscriber; returns the function that removes it. */
  subscribe(subscriber: BrokerSubscriber): () => void {
    this.#subscribers.add(subscriber);
    return () => this.#subscribers.delete(subscriber);
  }

  /** True when some subscriber would receive a message on `subject`. */
  hasInterest(subject: string): boolean {
    for (const subscriber of this.#subscribers) if (subjectMatches(subscriber.pattern, subject)) return true;
    return false;
  }

  /**
   * Delivers a message to its subscribers and, when a stream is bound to the subject, stores it there.
   * Returns the stream's acknowledgement, or undefined when no stream stores the subject.
   */
  route(msg: BrokerMessage): AppendAck | undefined {
    const ack = this.#streamFor(msg.subject)?.append(msg.subject, msg.data, msg.headers);
    const groups = new Map<string, BrokerSubscriber[]>();
    for (const subscriber of this.#subscribers) {
      if (!subjectMatches(subscriber.pattern, msg.subject)) continue;
      if (subscriber.queue === undefined) {
        subscriber.deliver(msg);
        continue;
      }
      const members = groups.get(subscriber.queue);
      if (members) members.push(subscriber);
      else groups.set(subscriber.queue, [subscriber]);
    }
    for (const [queue, members] of groups) {
      const turn = this.#groupTurns.get(queue) ?? 0;
      this.#groupTurns.set(queue, turn + 1);
      members[turn % members.length]?.deliver(msg);
    }
    return ack;
  }

  /**
   * The durable consumer `name` of a stream, created on first use (starting at the stream's first
   * message). An existing durable keeps its position and takes the new ack wait and max deliver; asking
   * for it with another filter throws `BusError` (conflict).
   */
  durable(stream: StreamName, name: string, config: DurableConfig): MemoryDurable {
    const def = streamForConsumer(this.streams, stream, config.filter);
    const key = `${def.name}\u0000${name}`;
    const existing = this.#durables.get(key);
    if (existing) {
      if (existing.config.filter !== config.filter) {
        throw new BusError(
          'conflict',
          `durable ${name} on ${def.name} filters ${existing.config.filter}, not ${config.filter}`,
        );
      }
      existing.configure(config);
      return existing;
    }
    const store = this.#stores.find((entry) => entry.stream.definition === def);
    if (!store) throw new BusError('internal', `no store for stream ${def.name}`);
    const durable = new MemoryDurable(store.stream, name, config);
    this.#durables.set(key, durable);
    return durable;
  }

  /** Forgets every subscriber and stops every durable's timers. */
  close(): void {
    this.#subscribers.clear();
    for (const durable of this.#durables.values()) durable.close();
    this.#durables.clear();
  }

  #streamFor(subject: string): MemoryStream | undefined {
    return this.#stores.find((entry) => entry.patterns.some((pattern) => subjectMatches(pattern, subject)))
      ?.stream;
  }
}
