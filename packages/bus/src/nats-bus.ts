import { readFile } from 'node:fs/promises';
import { type ApiEntry, type Logger, type ReplyOf, type RequestOf, silentLogger } from '@figaro/protocol';
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, credsAuthenticator, type Msg, type NatsConnection } from '@nats-io/transport-node';
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
import { dispatchMessage } from './dispatch.js';
import { BusClosedError } from './errors.js';
import { IncomingMessage } from './message.js';
import { ensureDurable, runDurable } from './nats-consumer.js';
import { toBusError } from './nats-errors.js';
import { fromNatsHeaders, toNatsHeaders } from './nats-headers.js';
import { ensureStreams } from './nats-streams.js';
import { checkRequest, parseReply } from './request-reply.js';
import { HandlerRunner } from './runner.js';
import {
  consumerSettings,
  defaultStreams,
  type StreamDefinitions,
  type StreamName,
  streamForConsumer,
} from './streams.js';
import { checkPattern, checkSubject } from './subject.js';

/** Options of `NatsBus.connect`. */
export interface NatsBusOptions {
  /** Server URL(s), e.g. `nats://127.0.0.1:4222`. */
  servers: string | string[];
  /** Connection name shown by the server's monitoring. */
  name?: string;
  user?: string;
  pass?: string;
  token?: string;
  /** Path of a NATS `.creds` file (user JWT + nkey seed), for accounts managed with nsc. */
  credsFile?: string;
  /** Streams to create or update at start; default `defaultStreams()`. */
  streams?: StreamDefinitions;
  /** Connection events, handler failures and dropped messages; default silent. */
  logger?: Logger;
  /** Pause between reconnect attempts, in milliseconds (plus jitter). Default 2,000. Reconnects never stop. */
  reconnectTimeWaitMs?: number;
}

/** Default time an append waits for the stream's acknowledgement, in milliseconds. */
const APPEND_TIMEOUT_MS = 5_000;
/** Longest wait for the server while closing; past it the connection is closed without draining. */
const CLOSE_NETWORK_WAIT_MS = 2_000;

type State = 'open' | 'closing' | 'closed';

/** Resolves when `promise` settles or `ms` pass, whichever is first; never rejects. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

/**
 * The Bus over NATS core and JetStream (nats-server 2.9 features only). It reconnects forever; while
 * disconnected, publishes are buffered by the client and requests fail with `TimeoutError`.
 */
export class NatsBus implements Bus {
  readonly kind = 'nats' as const;
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #streams: StreamDefinitions;
  readonly #logger: Logger;
  readonly #stops = new Set<() => Promise<void>>();
  #state: State = 'open';
  #closing: Promise<void> | undefined;

  /**
   * Connects, then creates or updates the streams. Throws when the first connection fails (bad URL,
   * authentication) or JetStream is not enabled; the connection is closed again in that case.
   */
  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    const nc = await connect({
      servers: options.servers,
      maxReconnectAttempts: -1,
      reconnectTimeWait: options.reconnectTimeWaitMs ?? 2_000,
      ...(options.name !== undefined && { name: options.name }),
      ...(options.user !== undefined && { user: options.user }),
      ...(options.pass !== undefined && { pass: options.pass }),
      ...(options.token !== undefined && { token: options.token }),
      ...(options.credsFile !== undefined && {
        authenticator: credsAuthenticator(new Uint8Array(await readFile(options.credsFile))),
      }),
    });
    try {
      const streams = options.streams ?? defaultStreams();
      const jsm = await jetstreamManager(nc);
      await ensureStreams(jsm, streams);
      return new NatsBus(nc, jsm, streams, options.logger ?? silentLogger);
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  private constructor(nc: NatsConnection, jsm: JetStreamManager, streams: StreamDefinitions, logger: Logger) {
    this.#nc = nc;
    this.#jsm = jsm;
    this.#js = jetstream(nc);
    this.#streams = streams;
    this.#logger = logger;
    void this.#watchStatus();
  }

  async publish(subject: string, data: unknown, opts?: PublishOptions): Promise<void> {
    this.#assertNotClosed();
    checkSubject(subject);
    const payload = encodePayload(subject, data);
    try {
      // A core publish: a stream bound to the subject stores it too (nats-server does that).
      this.#nc.publish(subject, payload, { headers: toNatsHeaders(outgoingHeaders(opts)) });
    } catch (err) {
      throw toBusError(err, subject, 0);
    }
  }

  async append(subject: string, data: unknown, opts: AppendOptions = {}): Promise<AppendAck> {
    this.#assertNotClosed();
    checkSubject(subject);
    const payload = encodePayload(subject, data);
    const timeoutMs = opts.timeoutMs ?? APPEND_TIMEOUT_MS;
    try {
      // outgoingHeaders carries msgId as Nats-Msg-Id, which is what the `msgID` option would set.
      const ack = await this.#js.publish(subject, payload, {
        headers: toNatsHeaders(outgoingHeaders(opts)),
        timeout: timeoutMs,
      });
      return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
    } catch (err) {
      throw toBusError(err, subject, timeoutMs, `no stream stores ${subject}`);
    }
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
    const sub = this.#nc.subscribe(pattern, {
      ...(opts.queue !== undefined && { queue: opts.queue }),
      callback: (err, m) => {
        if (err) logger.error({ err }, 'subscription failed');
        else runner.push(() => dispatchMessage(this.#incoming(m), handler, logger));
      },
    });
    // Interest is registered once the server has seen the SUB (measured: without this, messages
    // published at once from another connection are missed).
    try {
      await this.#registered();
    } catch (err) {
      if (!this.#nc.isClosed()) sub.unsubscribe();
      throw toBusError(err, pattern, 0);
    }
    const stop = async () => {
      await within(sub.drain(), CLOSE_NETWORK_WAIT_MS);
      await runner.idle();
    };
    this.#stops.add(stop);
    return {
      pattern,
      unsubscribe: async () => {
        this.#stops.delete(stop);
        if (!this.#nc.isClosed()) sub.unsubscribe();
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
    const timeoutMs = opts.timeoutMs ?? entry.timeoutMs;
    let reply: Msg;
    try {
      reply = await this.#nc.request(subject, payload, {
        timeout: timeoutMs,
        headers: toNatsHeaders(outgoingHeaders(opts.headers ? { headers: opts.headers } : {})),
      });
    } catch (err) {
      throw toBusError(err, subject, timeoutMs);
    }
    return parseReply(entry, subject, { data: reply.data, headers: fromNatsHeaders(reply.headers) });
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
    const def = streamForConsumer(this.#streams, stream, filter);
    const logger = this.#logger.child({ stream: def.name, durable });
    let stop: () => Promise<void>;
    try {
      await ensureDurable(this.#jsm, def.name, durable, filter, settings);
      stop = await runDurable(this.#js, def.name, durable, settings, handler, logger);
    } catch (err) {
      throw toBusError(err, `${def.name}/${durable}`, 0);
    }
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
    // Handlers finish first and may still publish and respond; then pending publishes are flushed.
    await Promise.all([...this.#stops].map((stop) => stop()));
    this.#stops.clear();
    this.#state = 'closed';
    if (this.#nc.isClosed()) return;
    await within(this.#nc.drain(), CLOSE_NETWORK_WAIT_MS);
    if (!this.#nc.isClosed()) await this.#nc.close();
  }

  /**
   * Resolves once the server has processed everything sent so far (a PING/PONG round trip). A
   * disconnect rejects the pending PING; the client re-sends subscriptions on reconnect, so trying
   * again then is enough.
   */
  async #registered(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#nc.flush();
        return;
      } catch (err) {
        if (this.#nc.isClosed() || attempt >= 5) throw err;
      }
    }
  }

  #incoming(m: Msg): IncomingMessage {
    return new IncomingMessage(
      {
        subject: m.subject,
        data: m.data,
        headers: fromNatsHeaders(m.headers),
        ...(m.reply !== undefined && m.reply !== '' && { reply: m.reply }),
      },
      (reply, data) => this.publish(reply, data),
    );
  }

  async #watchStatus(): Promise<void> {
    for await (const status of this.#nc.status()) {
      switch (status.type) {
        case 'disconnect':
          this.#logger.warn({ server: status.server }, 'NATS disconnected; reconnecting');
          break;
        case 'reconnect':
          this.#logger.info({ server: status.server }, 'NATS reconnected');
          break;
        case 'error':
          this.#logger.error({ err: status.error }, 'NATS connection error');
          break;
        default:
          break;
      }
    }
  }

  #assertOpen(): void {
    if (this.#state !== 'open') throw new BusClosedError();
  }

  #assertNotClosed(): void {
    if (this.#state === 'closed' || this.#nc.isClosed()) throw new BusClosedError();
  }
}
