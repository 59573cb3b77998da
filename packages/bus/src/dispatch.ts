import type { Logger } from '@figaro/protocol';
import type { BusMessage, DurableHandler, DurableMessage, MessageHandler } from './bus.js';
import { protocolMismatch } from './codec.js';

/**
 * Runs a subscription's handler on one message, the same way on both buses. A message of another
 * protocol major version never reaches the handler: a request is answered `invalid_request`, anything
 * else is logged and dropped. A throwing handler is logged.
 */
export async function dispatchMessage(
  msg: BusMessage,
  handler: MessageHandler,
  logger: Logger,
): Promise<void> {
  const mismatch = protocolMismatch(msg.headers);
  if (mismatch) {
    logger.warn({ subject: msg.subject, reason: mismatch }, 'refused a message of another protocol version');
    if (msg.reply !== undefined) {
      await msg.respond({ error: mismatch, code: 'invalid_request' }).catch((err: unknown) => {
        logger.warn({ err, subject: msg.subject }, 'could not answer a message of another protocol version');
      });
    }
    return;
  }
  try {
    await handler(msg);
  } catch (err) {
    logger.error({ err, subject: msg.subject }, 'subscription handler failed');
  }
}

/**
 * Runs a durable consumer's handler on one delivery: a message of another protocol major version is
 * logged and terminated; a throwing handler is logged and its message left to redelivery.
 */
export async function dispatchDurable(
  msg: DurableMessage,
  handler: DurableHandler,
  logger: Logger,
): Promise<void> {
  const mismatch = protocolMismatch(msg.headers);
  if (mismatch) {
    logger.warn(
      { subject: msg.subject, seq: msg.streamSeq, reason: mismatch },
      'terminated a message of another protocol version',
    );
    msg.term();
    return;
  }
  try {
    await handler(msg);
  } catch (err) {
    logger.error({ err, subject: msg.subject, seq: msg.streamSeq }, 'durable handler failed');
  }
}
