import type { ApiEntry, EventEntry, PayloadOf, ReplyOf, RequestOf } from '@figaro/protocol';
import type { StreamName } from './streams.js';

/** A zod schema, named through the protocol's catalogue types so that the bus never imports zod itself. */
export type Schema = EventEntry['schema'];
/** What a schema produces when it parses successfully. */
export type SchemaOutput<S extends Schema> = PayloadOf<EventEntry<S>>;

/** Message headers: one value per key. `Figaro-Protocol` is always present on what a bus sends. */
export type MessageHeaders = Record<string, string>;

/** Options of a plain publish. */
export interface PublishOptions {
  /** Extra headers. An explicit `Figaro-Protocol` wins over the bus's own (tests use that). */
  headers?: MessageHeaders;
  /** De-duplication id (`Nats-Msg-Id`): a stream drops a second message with the same id within its window. */
  msgId?: string;
}

/** Options of a stream append. */
export interface AppendOptions extends PublishOptions {
  /** How long to wait for the stream's store acknowledgement, in milliseconds. Default 5,000. */
  timeoutMs?: number;
}

/** The stream's acknowledgement of an append. */
export interface AppendAck {
  /** Server-side name of the stream that stored the message. */
  stream: string;
  /** Its sequence in the stream (that of the first copy when `duplicate`). */
  seq: number;
  /** True when the `msgId` was seen within the duplicate window and nothing new was stored. */
  duplicate: boolean;
}

/** Options of a subscription. */
export interface SubscribeOptions {
  /** Queue group: each message goes to one member of the group instead of to every subscriber. */
  queue?: string;
  /** Handlers run at once on this subscription. Default 1: one at a time, in arrival order. */
  concurrency?: number;
}

/** Options of a request. */
export interface RequestOptions {
  /** Time to wait for the reply, in milliseconds. Default: the entry's `timeoutMs`. */
  timeoutMs?: number;
  headers?: MessageHeaders;
}

/** Options of a durable consumer. Changing them for an existing durable updates it. */
export interface ConsumeOptions {
  /** A delivered message not acked (nor `working()`) within this time is delivered again, in milliseconds. Default 30,000. */
  ackWaitMs?: number;
  /** Deliveries after which a message is no longer delivered. Default unlimited. */
  maxDeliver?: number;
  /** Handlers run at once. Default 1: one at a time, in stream order. */
  concurrency?: number;
}

/** What every received message offers. */
export interface ReceivedMessage {
  readonly subject: string;
  /** The payload as sent: UTF-8 JSON. */
  readonly data: Uint8Array;
  readonly headers: Readonly<MessageHeaders>;
  /** The decoded JSON payload; throws `InvalidRequestError` if it is not JSON. */
  json(): unknown;
  /** The payload parsed with `schema`; throws `InvalidRequestError` naming every bad field. */
  decode<S extends Schema>(schema: S, what?: string): SchemaOutput<S>;
}

/** A message received by a subscription. */
export interface BusMessage extends ReceivedMessage {
  /** Where a reply goes, when the sender waits for one. */
  readonly reply?: string;
  /** Publishes `data` to `reply`; throws `BusError` when the message has no reply subject. */
  respond(data: unknown): Promise<void>;
}

/**
 * A message delivered by a durable consumer. Settle it with `ack`, `nak` or `term`; left unsettled it is
 * delivered again after the consumer's ack wait. Only the first settlement counts.
 */
export interface DurableMessage extends ReceivedMessage {
  /** How many times this message has been delivered to the consumer, this delivery included (1 first). */
  readonly deliveryCount: number;
  /** The message's sequence in its stream. */
  readonly streamSeq: number;
  /** Done: never delivered again. */
  ack(): void;
  /** Not done: deliver again after `delayMs` (default at once), unless `maxDeliver` is reached. */
  nak(delayMs?: number): void;
  /** Never deliver again (a poison message). */
  term(): void;
  /** Still working: restarts the ack wait. */
  working(): void;
}

/** An active subscription. */
export interface Subscription {
  readonly pattern: string;
  /** Removes interest; messages not yet handed to the handler are dropped. Safe to call from a handler. */
  unsubscribe(): Promise<void>;
}

/** An active durable consumer. */
export interface Consumer {
  readonly stream: StreamName;
  readonly durable: string;
  /**
   * Stops fetching and waits for running handlers (so never await it inside this consumer's own
   * handler). The durable stays: un-acked messages are delivered again, and a later `consume()` with the
   * same name resumes where this one stopped.
   */
  stop(): Promise<void>;
}

/** Handler of a subscription; a throw is logged and never reaches the publisher. */
export type MessageHandler = (msg: BusMessage) => Promise<void>;
/** Handler of a durable consumer; a throw is logged and the message is left to redelivery. */
export type DurableHandler = (msg: DurableMessage) => Promise<void>;

/**
 * The message bus (ARCHITECTURE.md, "Bus semantics"): core publish/subscribe with NATS wildcards and
 * queue groups, typed request/reply from the API catalogue, and durable stream consumers. Every payload
 * crosses as JSON bytes with the header `Figaro-Protocol: 1`; payloads over `MAX_PAYLOAD_BYTES` are
 * refused with `PayloadTooLargeError`. After `close()` every operation throws `BusClosedError`.
 */
export interface Bus {
  /** Which implementation this is, for health reports. */
  readonly kind: 'memory' | 'nats';
  /**
   * Publishes without waiting for anyone. A subject bound to a stream is also stored in it (with
   * `msgId` de-duplication). Subscribers are never called synchronously inside this call.
   */
  publish(subject: string, data: unknown, opts?: PublishOptions): Promise<void>;
  /**
   * Stores a message in the stream bound to `subject` and waits for the store's acknowledgement; plain
   * subscribers receive it too. No stream for the subject → `NoRespondersError` (on NATS only when no
   * plain subscriber listens either, else `TimeoutError`); no ack in time → `TimeoutError`.
   */
  append(subject: string, data: unknown, opts?: AppendOptions): Promise<AppendAck>;
  /** Subscribes to a pattern; resolves once the interest is registered with the server. */
  subscribe(pattern: string, handler: MessageHandler, opts?: SubscribeOptions): Promise<Subscription>;
  /**
   * Sends a request typed by a catalogue entry and parses the reply. Throws `InvalidRequestError` before
   * sending when `data` fails the request schema, `NoRespondersError` at once when nobody listens,
   * `TimeoutError` on silence, `RemoteError` on an `{error, code}` reply, `InvalidReplyError` when the
   * reply fails the reply schema.
   */
  request<E extends ApiEntry>(entry: E, data: RequestOf<E>, opts?: RequestOptions): Promise<ReplyOf<E>>;
  /**
   * Starts (or resumes) the durable consumer `durable` on a stream, for the subjects matching `filter`
   * (which must lie within the stream's subjects). A new durable starts with the first stored message.
   */
  consume(
    stream: StreamName,
    durable: string,
    filter: string,
    handler: DurableHandler,
    opts?: ConsumeOptions,
  ): Promise<Consumer>;
  /** Stops every subscription and consumer, lets running handlers finish, then disconnects. Idempotent. */
  close(): Promise<void>;
}
