import {
  type ApiEntry,
  type EventEntry,
  FigaroError,
  type Logger,
  type PayloadInputOf,
  parseWith,
  silentLogger,
  toErrorReply,
} from '@figaro/protocol';
import type {
  AppendAck,
  AppendOptions,
  Bus,
  BusMessage,
  PublishOptions,
  Schema,
  SchemaOutput,
  Subscription,
} from './bus.js';

/** What a schema accepts before parsing (defaults not yet applied). */
export type SchemaInput<S extends Schema> = PayloadInputOf<EventEntry<S>>;

/** An endpoint a server can answer: a concrete catalogue entry, or a template served on its wildcard pattern. */
export type ServableEndpoint<Req extends Schema, Rep extends Schema> = Pick<
  ApiEntry<Req, Rep>,
  'name' | 'pattern' | 'request' | 'reply'
>;

/** An event a subscriber can receive: a concrete event entry, or a template received on its wildcard pattern. */
export type ReceivableEvent<S extends Schema> = Pick<EventEntry<S>, 'name' | 'pattern' | 'schema'>;

/**
 * Answers one parsed request. Throw a `FigaroError` (e.g. `new FigaroError('not_found', ...)`) to send
 * its `{error, code}`; anything else thrown is answered `internal` and logged.
 */
export type EndpointHandler<Req extends Schema, Rep extends Schema> = (
  request: SchemaOutput<Req>,
  msg: BusMessage,
) => Promise<SchemaInput<Rep>>;

/** Options of `serve`. */
export interface ServeOptions {
  /** Queue group, so that replicas share the requests (the orchestrator uses `orchestrator`). */
  queue?: string;
  /** Requests answered at once; default 1. */
  concurrency?: number;
  /** Receives bad requests (debug), handler bugs and failed replies (error); default silent. */
  logger?: Logger;
}

/** Options of `subscribeEvent`. */
export interface SubscribeEventOptions {
  queue?: string;
  concurrency?: number;
  /** Receives dropped invalid events (warn); default silent. */
  logger?: Logger;
}

const INTERNAL_REPLY = { error: 'internal error', code: 'internal' } as const;

/**
 * Serves a catalogue endpoint on its pattern. Each request is parsed with the entry's request schema:
 * bad JSON or a bad field is answered `{error, code: "invalid_request"}` naming the field, without
 * calling the handler. The handler's return value is checked with the reply schema before it is sent;
 * failing it is a bug in the handler and is answered `internal`. The subscription keeps serving
 * whatever a single request does.
 */
export function serve<Req extends Schema, Rep extends Schema>(
  bus: Bus,
  endpoint: ServableEndpoint<Req, Rep>,
  handler: EndpointHandler<Req, Rep>,
  opts: ServeOptions = {},
): Promise<Subscription> {
  const logger = (opts.logger ?? silentLogger).child({ endpoint: endpoint.name });
  const answer = async (msg: BusMessage): Promise<unknown> => {
    let request: SchemaOutput<Req>;
    try {
      request = msg.decode(endpoint.request, `${endpoint.name} request`);
    } catch (err) {
      logger.debug({ err, subject: msg.subject }, 'refused an invalid request');
      return toErrorReply(err);
    }
    let reply: SchemaInput<Rep>;
    try {
      reply = await handler(request, msg);
    } catch (err) {
      if (!(err instanceof FigaroError))
        logger.error({ err, subject: msg.subject }, 'endpoint handler failed');
      return toErrorReply(err);
    }
    const checked = endpoint.reply.safeParse(reply);
    if (!checked.success) {
      logger.error(
        { issues: checked.error.issues, subject: msg.subject },
        'endpoint handler returned an invalid reply',
      );
      return INTERNAL_REPLY;
    }
    return reply;
  };
  return bus.subscribe(
    endpoint.pattern,
    async (msg) => {
      if (msg.reply === undefined) {
        logger.warn({ subject: msg.subject }, 'dropped a request without a reply subject');
        return;
      }
      try {
        await msg.respond(await answer(msg));
      } catch (err) {
        // e.g. a reply over the payload limit: the caller still gets an answer instead of a timeout.
        logger.error({ err, subject: msg.subject }, 'could not send a reply');
        await msg.respond(INTERNAL_REPLY);
      }
    },
    {
      ...(opts.queue !== undefined && { queue: opts.queue }),
      ...(opts.concurrency !== undefined && { concurrency: opts.concurrency }),
    },
  );
}

/** Publishes an event after checking it with the entry's schema (`InvalidRequestError` when it fails). */
export async function publishEvent<S extends Schema>(
  bus: Bus,
  entry: EventEntry<S>,
  payload: SchemaInput<S>,
  opts?: PublishOptions,
): Promise<void> {
  parseWith(entry.schema, payload, `${entry.name} event`);
  await bus.publish(entry.subject, payload, opts);
}

/**
 * Appends an event to its stream after checking it with the entry's schema. Pass `msgId` (e.g.
 * `{task_id}:{attempt}:{seq}`) so that a retried append is stored once.
 */
export async function appendEvent<S extends Schema>(
  bus: Bus,
  entry: EventEntry<S>,
  payload: SchemaInput<S>,
  opts?: AppendOptions,
): Promise<AppendAck> {
  parseWith(entry.schema, payload, `${entry.name} event`);
  return bus.append(entry.subject, payload, opts);
}

/**
 * Subscribes to an event on its pattern and hands the handler each payload parsed with the schema.
 * An invalid payload is logged and dropped; the subscription keeps serving.
 */
export function subscribeEvent<S extends Schema>(
  bus: Bus,
  entry: ReceivableEvent<S>,
  handler: (payload: SchemaOutput<S>, msg: BusMessage) => Promise<void>,
  opts: SubscribeEventOptions = {},
): Promise<Subscription> {
  const logger = (opts.logger ?? silentLogger).child({ event: entry.name });
  return bus.subscribe(
    entry.pattern,
    async (msg) => {
      let payload: SchemaOutput<S>;
      try {
        payload = msg.decode(entry.schema, `${entry.name} event`);
      } catch (err) {
        logger.warn({ err, subject: msg.subject }, 'dropped an invalid event');
        return;
      }
      await handler(payload, msg);
    },
    {
      ...(opts.queue !== undefined && { queue: opts.queue }),
      ...(opts.concurrency !== undefined && { concurrency: opts.concurrency }),
    },
  );
}
