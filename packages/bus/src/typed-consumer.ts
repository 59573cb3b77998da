import { type Logger, silentLogger } from '@figaro/protocol';
import type { Bus, ConsumeOptions, Consumer, DurableMessage, Schema, SchemaOutput } from './bus.js';
import type { StreamName } from './streams.js';
import { subjectMatches } from './subject.js';
import type { ReceivableEvent } from './typed.js';

/** The events one durable consumer reads, by a kind of the caller's choosing (`{message: Events.taskMessage, …}`). */
export type EventKinds = Readonly<Record<string, ReceivableEvent<Schema>>>;

/** One stored event parsed with its entry's schema: its kind (a key of the map) and its payload. */
export type ParsedEvent<K extends EventKinds> = {
  [Kind in keyof K & string]: { kind: Kind; payload: SchemaOutput<K[Kind]['schema']> };
}[keyof K & string];

/** Options of `consumeEvents` and `consumeEvent`: the consumer's, plus what to do with other messages. */
export interface ConsumeEventsOptions extends ConsumeOptions {
  /** Receives invalid messages (warn) and handler failures (error); default silent. */
  logger?: Logger;
  /**
   * A stored message whose subject matches no entry (e.g. requests sharing the subject tree): `ack`
   * (default) or `term`. Either way it is never delivered again and the handler never sees it.
   */
  unmatched?: 'ack' | 'term';
  /**
   * Called once an invalid message (not JSON, or failing its entry's schema) has been terminated, to
   * keep it as a dead letter; a failure here is logged and changes nothing.
   */
  onInvalid?: (msg: DurableMessage, error: unknown) => Promise<void>;
}

/**
 * The durable-consumer counterpart of `subscribeEvent`: reads `filter` on `stream` with the durable
 * `durable`, matches each stored message's subject against the entries' patterns (first match wins)
 * and parses it with that entry's schema. The handler gets the typed event and the message to settle
 * (`ack`, `nak(delay)`, `term`, `working`); a handler that throws leaves the message to redelivery
 * after the ack wait, like `Bus.consume`. An invalid message is logged, terminated and handed to
 * `onInvalid`; it never reaches the handler.
 */
export function consumeEvents<K extends EventKinds>(
  bus: Bus,
  stream: StreamName,
  durable: string,
  filter: string,
  events: K,
  handler: (event: ParsedEvent<K>, msg: DurableMessage) => Promise<void>,
  opts: ConsumeEventsOptions = {},
): Promise<Consumer> {
  const { logger: given, unmatched = 'ack', onInvalid, ...consumeOptions } = opts;
  const logger = (given ?? silentLogger).child({ durable });
  const kinds = Object.entries(events);
  return bus.consume(
    stream,
    durable,
    filter,
    async (msg) => {
      const match = kinds.find(([, entry]) => subjectMatches(entry.pattern, msg.subject));
      if (!match) {
        if (unmatched === 'term') msg.term();
        else msg.ack();
        return;
      }
      const [kind, entry] = match;
      let payload: unknown;
      try {
        payload = msg.decode(entry.schema, `${entry.name} event`);
      } catch (err) {
        logger.warn({ err, subject: msg.subject }, 'invalid stored event terminated');
        msg.term();
        await onInvalid?.(msg, err).catch((failure: unknown) => {
          logger.error({ err: failure, subject: msg.subject }, 'keeping an invalid event failed');
        });
        return;
      }
      // `payload` is the output of `events[kind].schema`, which is what ParsedEvent<K> says for `kind`.
      await handler({ kind, payload } as ParsedEvent<K>, msg);
    },
    consumeOptions,
  );
}

/**
 * `consumeEvents` for one event on its own pattern: the handler gets the parsed payload and the
 * message to settle, like `subscribeEvent`'s.
 */
export function consumeEvent<S extends Schema>(
  bus: Bus,
  stream: StreamName,
  durable: string,
  entry: ReceivableEvent<S>,
  handler: (payload: SchemaOutput<S>, msg: DurableMessage) => Promise<void>,
  opts: ConsumeEventsOptions = {},
): Promise<Consumer> {
  return consumeEvents(
    bus,
    stream,
    durable,
    entry.pattern,
    { event: entry },
    (event, msg) => handler(event.payload, msg),
    opts,
  );
}
