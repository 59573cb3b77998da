import { MSG_ID_HEADER } from '@figaro/protocol';
import type { AppendAck, MessageHeaders } from './bus.js';
import { headerValue } from './codec.js';
import type { StreamDefinition } from './streams.js';
import { subjectMatches } from './subject.js';

/** A message as a MemoryStream keeps it. */
export interface StoredMessage {
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: Readonly<MessageHeaders>;
  /** When it was stored, in epoch milliseconds. */
  readonly storedAt: number;
}

/**
 * An in-process stream with limits retention: messages older than `maxAgeMs` are removed, and a
 * `Nats-Msg-Id` seen within `duplicateWindowMs` is acknowledged as a duplicate without being stored.
 * Limits are applied lazily, on each append and lookup.
 */
export class MemoryStream {
  readonly definition: StreamDefinition;
  readonly #now: () => number;
  /** Insertion-ordered, so the oldest message is always first. */
  readonly #messages = new Map<number, StoredMessage>();
  readonly #recentIds = new Map<string, { seq: number; at: number }>();
  readonly #listeners = new Set<() => void>();
  #lastSeq = 0;

  constructor(definition: StreamDefinition, now: () => number = Date.now) {
    this.definition = definition;
    this.#now = now;
  }

  /** Sequence of the newest message ever stored (0 when none). */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Stores a message unless its msgId is a duplicate, and wakes the consumers. */
  append(subject: string, data: Uint8Array, headers: Readonly<MessageHeaders>): AppendAck {
    const now = this.#now();
    this.#expire(now);
    const msgId = headerValue(headers, MSG_ID_HEADER);
    if (msgId !== undefined) {
      const seen = this.#recentIds.get(msgId);
      if (seen) return { stream: this.definition.name, seq: seen.seq, duplicate: true };
    }
    const seq = ++this.#lastSeq;
    this.#messages.set(seq, { seq, subject, data, headers, storedAt: now });
    if (msgId !== undefined) this.#recentIds.set(msgId, { seq, at: now });
    for (const listener of this.#listeners) listener();
    return { stream: this.definition.name, seq, duplicate: false };
  }

  /** The message with this sequence, unless it was never stored or has expired. */
  get(seq: number): StoredMessage | undefined {
    this.#expire(this.#now());
    return this.#messages.get(seq);
  }

  /** The first message at or after `fromSeq` whose subject matches `filter`. */
  next(fromSeq: number, filter: string): StoredMessage | undefined {
    this.#expire(this.#now());
    const oldest = this.#messages.keys().next().value ?? this.#lastSeq + 1;
    for (let seq = Math.max(fromSeq, oldest); seq <= this.#lastSeq; seq++) {
      const message = this.#messages.get(seq);
      if (message && subjectMatches(filter, message.subject)) return message;
    }
    return undefined;
  }

  /** Calls `listener` after every stored message; returns the function that removes it. */
  onAppend(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #expire(now: number): void {
    for (const [seq, message] of this.#messages) {
      if (now - message.storedAt <= this.definition.maxAgeMs) break;
      this.#messages.delete(seq);
    }
    for (const [id, seen] of this.#recentIds) {
      if (now - seen.at <= this.definition.duplicateWindowMs) break;
      this.#recentIds.delete(id);
    }
  }
}
