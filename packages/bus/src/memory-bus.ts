import { randomUUID } from 'node:crypto';
import { type ApiEntry, type Logger, type ReplyOf, type RequestOf, silentLogger } from '@figaro/protocol';
import type {
  AppendAck,
  AppendOptions,
  Bus,
  ConsumeOptions,
  Consumer,
  DurableHandler,
  MessageHandler,
  PublishOptions,
  RequestOptions,
  SubscribeOptions,
  Subscription,
} from './bus.js';
import { encodePayload, outgoingHeaders } from './codec.js';
import { dispatchDurable, dispatchMessage } from './dispatch.js';
import { BusClosedError, NoRespondersError, TimeoutError } from './errors.js';
import { type BrokerMessage, MemoryBroker } from './memory-broker.js';
import { IncomingDurableMessage, IncomingMessage } from './message.js';
import { checkRequest, parseReply } from './request-reply.js';
import { HandlerRunner } from './runner.js';
import { consumerSettings, type StreamDefinitions, type StreamName } from './streams.js';
import { checkPattern, checkSubject } from './subject.js';

/** Options of a MemoryBus. */
export interface MemoryBusOptions {
  /**
   * The broker to connect to, shared with other MemoryBus instances of the process. Default: a private
   * broker, closed with this bus.
   */
  broker?: MemoryBroker;
  /** Streams of the private broker (ignored when `broker` is given); default `defaultStreams()`. */
  streams?: StreamDefinitions;
  /** Receives handler failures and dropped messages; default silent. */
  logger?: Logger;
}

type State = 'open' | 'closing' | 'closed';

/**
 * The in-process Bus of embedded mode. It keeps every promise of the Bus contract: payloads cross as
 * JSON bytes, delivery is asynchronous, streams and durable consumers behave as in JetStream — but
 * nothing survives the process.
 */
export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  readonly #broker: MemoryBroker;
  readonly #ownsBroker: boolean;
  readonly #logger: Logger;
  readonly #stops = new Set<() => Promise<void>>();
  #state: State = 'open';
  #closing: Promise<void> | undefined;

  constructor(options: MemoryBusOptions = {}) {
    this.#ownsBroker = options.broker === undefined;
    this.#broker = options.broker ?? new MemoryBroker(options.streams ? { streams: options.streams } : {});
    this.#logger = options.logger ?? silentLogger;
  }

  async publish(subject: string, data: unknown, opts?: PublishOptions): Promise<void> {
    this.#route(subject, data, opts);
  }

  async append(subject: string, data: unknown, opts?: AppendOptions): Promise<AppendAck> {
    const ack = this.#route(subject, data, opts);
    if (!ack) throw new NoRespondersError(subject, `no stream stores ${subject}`);
    return ack;
  }

  async subscribe(
    pattern: string,
    handler: MessageHandler,
    opts: SubscribeOptions = {},
  ): Promise<Subscription> {
    this.#assertOpen();
    checkPattern(pattern);
    const logger = this.#logger.child({ subscription: pattern });
    const runner = new HandlerRunner(opts.concurrency, logger);
    const remove = this.#broker.subscribe({
      pattern,
      ...(opts.queue !== undefined && { queue: opts.queue }),
      deliver: (raw) => runner.push(() => this.#handle(raw, handler, logger)),
    });
    const stop = async () => {
      remove();
      await runner.idle();
    };
    this.#stops.add(stop);
    return {
      pattern,
      unsubscribe: async () => {
        this.#stops.delete(stop);
        remove();
        runner.clear();
      },
    };
  }

  async request<E extends ApiEntry>(
    entry: E,
    data: RequestOf<E>,
    opts: RequestOptions = {},
  ): Promise<ReplyOf<E>> {
    this.#assertNotClosed();
    checkRequest(entry, data);
    const subject = entry.subject;
    checkSubject(subject);
    const payload = encodePayload(subject, data);
    if (!this.#broker.hasInterest(subject)) throw new NoRespondersError(subject);
    const timeoutMs = opts.timeoutMs ?? entry.timeoutMs;
    const inbox = `_INBOX.${randomUUID().replaceAll('-', '')}`;
    const reply = await new Promise<BrokerMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        remove();
        reject(new TimeoutError(subject, timeoutMs));
      }, timeoutMs);
      const remove = this.#broker.subscribe({
        pattern: inbox,
        deliver: (msg) => {
          clearTimeout(timer);
          remove();
          resolve(msg);
        },
      });
      this.#broker.route({
        subject,
        data: payload,
        headers: outgoingHeaders({ ...(opts.headers && { headers: opts.headers }) }),
        reply: inbox,
      });
    });
    return parseReply(entry, subject, reply);
  }

  async consume(
    stream: StreamName,
    durable: string,
    filter: string,
    handler: DurableHandler,
    opts: ConsumeOptions = {},
  ): Promise<Consumer> {
    this.#assertOpen();
    checkPattern(filter);
    const settings = consumerSettings(opts);
    const logger = this.#logger.child({ stream, durable });
    const state = this.#broker.durable(stream, durable, { filter, ...settings });
    const detach = state.attach({
      capacity: settings.concurrency,
      deliver: (stored, delivery, settlement) =>
        dispatchDurable(
          new IncomingDurableMessage(
            { subject: stored.subject, data: stored.data.slice(), headers: { ...stored.headers } },
            delivery,
            settlement,
          ),
          handler,
          logger,
        ),
    });
    let stopped: Promise<void> | undefined;
    const stop = () => {
      stopped ??= detach();
      return stopped;
    };
    this.#stops.add(stop);
    return {
      stream,
      durable,
      stop: async () => {
        this.#stops.delete(stop);
        await stop();
      },
    };
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#state = 'closing';
    // Handlers may still publish and respond while they finish.
    await Promise.all([...this.#stops].map((stop) => stop()));
    this.#stops.clear();
    this.#state = 'closed';
    if (this.#ownsBroker) this.#broker.close();
  }

  #route(subject: string, data: unknown, opts: PublishOptions = {}): AppendAck | undefined {
    this.#assertNotClosed();
    checkSubject(subject);
    const payload = encodePayload(subject, data);
    return this.#broker.route({ subject, data: payload, headers: outgoingHeaders(opts) });
  }

  #handle(raw: BrokerMessage, handler: MessageHandler, logger: Logger): Promise<void> {
    const msg = new IncomingMessage(
      {
        subject: raw.subject,
        data: raw.data.slice(),
        headers: { ...raw.headers },
        ...(raw.reply !== undefined && { reply: raw.reply }),
      },
      (reply, data) => this.publish(reply, data),
    );
    return dispatchMessage(msg, handler, logger);
  }

  #assertOpen(): void {
    if (this.#state !== 'open') throw new BusClosedError();
  }

  #assertNotClosed(): void {
    if (this.#state === 'closed') throw new BusClosedError();
  }
}
