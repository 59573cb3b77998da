import type { Logger } from '@figaro/protocol';
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  JetStreamApiCodes,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { DurableHandler } from './bus.js';
import { dispatchDurable } from './dispatch.js';
import { BusError } from './errors.js';
import { IncomingDurableMessage } from './message.js';
import { isApiError } from './nats-errors.js';
import { fromNatsHeaders } from './nats-headers.js';
import { HandlerRunner } from './runner.js';
import type { ConsumerSettings } from './streams.js';

/**
 * Creates the durable pull consumer, or brings an existing one to the wanted ack wait and max deliver.
 * An existing durable with another filter is refused (`BusError`, conflict): nats-server 2.9 cannot
 * change a filter, and silently consuming other subjects would be worse.
 */
export async function ensureDurable(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
  filter: string,
  settings: ConsumerSettings,
): Promise<void> {
  const limits = {
    ack_wait: nanos(settings.ackWaitMs),
    max_deliver: Number.isFinite(settings.maxDeliver) ? settings.maxDeliver : -1,
  };
  let existing: Awaited<ReturnType<JetStreamManager['consumers']['info']>> | undefined;
  try {
    existing = await jsm.consumers.info(stream, durable);
  } catch (err) {
    if (!isApiError(err, JetStreamApiCodes.ConsumerNotFound)) throw err;
  }
  if (!existing) {
    await jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: filter,
      ...limits,
    });
    return;
  }
  if (existing.config.filter_subject !== filter) {
    throw new BusError(
      'conflict',
      `durable ${durable} on ${stream} filters ${existing.config.filter_subject}, not ${filter}`,
    );
  }
  if (existing.config.ack_wait !== limits.ack_wait || existing.config.max_deliver !== limits.max_deliver) {
    await jsm.consumers.update(stream, durable, limits);
  }
}

/**
 * Pulls from a durable consumer and runs the handler with at most `concurrency` deliveries at once,
 * in stream order when 1. The client fetches a small batch ahead; whatever it holds when stopped is
 * simply delivered again after the ack wait. Returns the function that stops it.
 */
export async function runDurable(
  js: JetStreamClient,
  stream: string,
  durable: string,
  settings: ConsumerSettings,
  handler: DurableHandler,
  logger: Logger,
): Promise<() => Promise<void>> {
  const consumer = await js.consumers.get(stream, durable);
  // A small batch: every fetched message's ack wait is already running while it waits here.
  const messages: ConsumerMessages = await consumer.consume({
    max_messages: Math.max(8, 2 * settings.concurrency),
  });
  const runner = new HandlerRunner(settings.concurrency, logger);
  const loop = (async () => {
    try {
      for await (const m of messages) {
        await runner.whenFree();
        runner.push(() => dispatchDurable(toDurableMessage(m), handler, logger));
      }
    } catch (err) {
      logger.error({ err }, 'durable consumer stopped');
    }
  })();
  let stopped: Promise<void> | undefined;
  return () => {
    stopped ??= (async () => {
      await Promise.race([
        messages.close().catch(() => undefined),
        new Promise((r) => setTimeout(r, 2_000).unref()),
      ]);
      await loop;
      await runner.idle();
    })();
    return stopped;
  };
}

function toDurableMessage(m: JsMsg): IncomingDurableMessage {
  return new IncomingDurableMessage(
    { subject: m.subject, data: m.data, headers: fromNatsHeaders(m.headers) },
    { deliveryCount: m.info.deliveryCount, streamSeq: m.seq },
    {
      ack: () => m.ack(),
      nak: (delayMs) => (delayMs > 0 ? m.nak(delayMs) : m.nak()),
      term: () => m.term(),
      working: () => m.working(),
    },
  );
}
