import type { MemoryStream, StoredMessage } from './memory-stream.js';
import type { Settlement } from './message.js';

/** Settings of an in-process durable consumer. */
export interface DurableConfig {
  /** Subject pattern the consumer takes from its stream. */
  readonly filter: string;
  /** Time before an unsettled delivery is delivered again, in milliseconds. */
  readonly ackWaitMs: number;
  /** Deliveries after which a message is given up (`Infinity` for unlimited). */
  readonly maxDeliver: number;
}

/** One `consume()` attached to a durable: it takes up to `capacity` deliveries at once. */
export interface DurableAttachment {
  readonly capacity: number;
  /** Hands one delivery to the handler; resolves when the handler is done (settled or not). */
  deliver(
    message: StoredMessage,
    delivery: { deliveryCount: number; streamSeq: number },
    settlement: Settlement,
  ): Promise<void>;
}

interface PendingState {
  deliveries: number;
  /** Waiting in the redelivery queue. */
  queued: boolean;
  timer?: NodeJS.Timeout;
}

interface Slot {
  inFlight: number;
  onDrained?: () => void;
}

/**
 * An in-process durable consumer with the semantics of a JetStream pull consumer with explicit acks:
 * delivers every matching message of its stream from the first, in order; redelivers a message left
 * unsettled after `ackWaitMs` or nak'ed (lowest sequence first, before new messages); gives up after
 * `maxDeliver` deliveries. Its position survives the consumers that attach to it, as a durable on a
 * server survives its clients.
 */
export class MemoryDurable {
  readonly name: string;
  readonly #stream: MemoryStream;
  #config: DurableConfig;
  #nextSeq = 1;
  readonly #pending = new Map<number, PendingState>();
  /** Sequences due for redelivery, ascending. */
  #redeliver: number[] = [];
  readonly #slots = new Map<DurableAttachment, Slot>();
  #scheduled = false;
  #closed = false;
  readonly #unlisten: () => void;

  constructor(stream: MemoryStream, name: string, config: DurableConfig) {
    this.name = name;
    this.#stream = stream;
    this.#config = config;
    this.#unlisten = stream.onAppend(() => this.#schedule());
  }

  get config(): DurableConfig {
    return this.#config;
  }

  /** Changes ack wait and max deliver for the deliveries to come. */
  configure(config: DurableConfig): void {
    this.#config = config;
  }

  /** Starts delivering to `attachment`; the returned function detaches it and waits for its handlers. */
  attach(attachment: DurableAttachment): () => Promise<void> {
    const slot: Slot = { inFlight: 0 };
    this.#slots.set(attachment, slot);
    this.#schedule();
    return () => {
      this.#slots.delete(attachment);
      if (slot.inFlight === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        slot.onDrained = resolve;
      });
    };
  }

  /** Stops every timer; nothing is delivered afterwards. */
  close(): void {
    this.#closed = true;
    this.#unlisten();
    for (const state of this.#pending.values()) clearTimeout(state.timer);
    this.#pending.clear();
    this.#slots.clear();
  }

  #schedule(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    // Deliveries start on a later turn: never inside the publish that stored the message.
    setImmediate(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    while (!this.#closed) {
      const target = this.#freeAttachment();
      if (!target) return;
      const next = this.#takeNext();
      if (!next) return;
      this.#deliver(target, next.message, next.state);
    }
  }

  #freeAttachment(): [DurableAttachment, Slot] | undefined {
    let best: [DurableAttachment, Slot] | undefined;
    for (const [attachment, slot] of this.#slots) {
      if (slot.inFlight >= attachment.capacity) continue;
      if (!best || slot.inFlight < best[1].inFlight) best = [attachment, slot];
    }
    return best;
  }

  #takeNext(): { message: StoredMessage; state: PendingState } | undefined {
    for (let seq = this.#redeliver.shift(); seq !== undefined; seq = this.#redeliver.shift()) {
      const state = this.#pending.get(seq);
      if (!state?.queued) continue;
      state.queued = false;
      const message = this.#stream.get(seq);
      if (message) return { message, state };
      this.#pending.delete(seq); // expired from the stream meanwhile
    }
    const message = this.#stream.next(this.#nextSeq, this.#config.filter);
    if (!message) return undefined;
    this.#nextSeq = message.seq + 1;
    const state: PendingState = { deliveries: 0, queued: false };
    this.#pending.set(message.seq, state);
    return { message, state };
  }

  #deliver([attachment, slot]: [DurableAttachment, Slot], message: StoredMessage, state: PendingState): void {
    const seq = message.seq;
    const delivery = ++state.deliveries;
    const current = () => this.#pending.get(seq) === state && state.deliveries === delivery;
    this.#arm(seq, state, this.#config.ackWaitMs);
    const settlement: Settlement = {
      // An ack of an older delivery still counts, as on a NATS server.
      ack: () => this.#finish(seq, state),
      term: () => this.#finish(seq, state),
      nak: (delayMs) => {
        if (!current()) return;
        if (delayMs > 0) this.#arm(seq, state, delayMs);
        else this.#retry(seq, state);
      },
      working: () => {
        if (current()) this.#arm(seq, state, this.#config.ackWaitMs);
      },
    };
    slot.inFlight++;
    const done = () => {
      slot.inFlight--;
      if (slot.inFlight === 0) slot.onDrained?.();
      this.#schedule();
    };
    attachment.deliver(message, { deliveryCount: delivery, streamSeq: seq }, settlement).then(done, done);
  }

  /** (Re)starts the timer after which the message is due again. */
  #arm(seq: number, state: PendingState, ms: number): void {
    clearTimeout(state.timer);
    state.timer = setTimeout(() => {
      state.timer = undefined;
      if (this.#pending.get(seq) === state && !state.queued) this.#retry(seq, state);
    }, ms);
    state.timer.unref();
  }

  #retry(seq: number, state: PendingState): void {
    clearTimeout(state.timer);
    state.timer = undefined;
    if (state.deliveries >= this.#config.maxDeliver) {
      this.#pending.delete(seq);
      return;
    }
    state.queued = true;
    const at = this.#redeliver.findIndex((other) => other > seq);
    if (at === -1) this.#redeliver.push(seq);
    else this.#redeliver.splice(at, 0, seq);
    this.#schedule();
  }

  #finish(seq: number, state: PendingState): void {
    if (this.#pending.get(seq) !== state) return;
    clearTimeout(state.timer);
    this.#pending.delete(seq);
  }
}
