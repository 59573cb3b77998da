import { parseWith } from '@figaro/protocol';
import type {
  BusMessage,
  DurableMessage,
  MessageHeaders,
  ReceivedMessage,
  Schema,
  SchemaOutput,
} from './bus.js';
import { decodeJson } from './codec.js';
import { BusError } from './errors.js';

/** The parts every received message is built from, whichever bus received it. */
export interface RawMessage {
  subject: string;
  data: Uint8Array;
  headers: MessageHeaders;
  reply?: string;
}

class Received implements ReceivedMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: Readonly<MessageHeaders>;

  constructor(raw: RawMessage) {
    this.subject = raw.subject;
    this.data = raw.data;
    this.headers = raw.headers;
  }

  json(): unknown {
    // Decoded per call: every reader gets its own objects.
    return decodeJson(this.data, `message on ${this.subject}`);
  }

  decode<S extends Schema>(schema: S, what = `message on ${this.subject}`): SchemaOutput<S> {
    return parseWith(schema, decodeJson(this.data, what), what);
  }
}

/** A subscription's message; `respond` is the receiving bus's publish to the reply subject. */
export class IncomingMessage extends Received implements BusMessage {
  readonly reply?: string;
  readonly #respond: (reply: string, data: unknown) => Promise<void>;

  constructor(raw: RawMessage, respond: (reply: string, data: unknown) => Promise<void>) {
    super(raw);
    if (raw.reply !== undefined) this.reply = raw.reply;
    this.#respond = respond;
  }

  respond(data: unknown): Promise<void> {
    if (this.reply === undefined) {
      return Promise.reject(new BusError('internal', `message on ${this.subject} has no reply subject`));
    }
    return this.#respond(this.reply, data);
  }
}

/** How a bus settles one delivery on its server. */
export interface Settlement {
  ack(): void;
  nak(delayMs: number): void;
  term(): void;
  working(): void;
}

/** A durable consumer's message; only the first of ack/nak/term reaches the server. */
export class IncomingDurableMessage extends Received implements DurableMessage {
  readonly deliveryCount: number;
  readonly streamSeq: number;
  readonly #settlement: Settlement;
  #settled = false;

  constructor(
    raw: RawMessage,
    delivery: { deliveryCount: number; streamSeq: number },
    settlement: Settlement,
  ) {
    super(raw);
    this.deliveryCount = delivery.deliveryCount;
    this.streamSeq = delivery.streamSeq;
    this.#settlement = settlement;
  }

  /** True once ack, nak or term was called. */
  get settled(): boolean {
    return this.#settled;
  }

  ack(): void {
    if (this.#settle()) this.#settlement.ack();
  }

  nak(delayMs = 0): void {
    if (this.#settle()) this.#settlement.nak(Math.max(0, delayMs));
  }

  term(): void {
    if (this.#settle()) this.#settlement.term();
  }

  working(): void {
    if (!this.#settled) this.#settlement.working();
  }

  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    return true;
  }
}
