import {
  type ApiEntry,
  ErrorReply,
  InvalidRequestError,
  parseWith,
  type ReplyOf,
  type RequestOf,
} from '@figaro/protocol';
import type { MessageHeaders } from './bus.js';
import { protocolMismatch } from './codec.js';
import { InvalidReplyError, RemoteError } from './errors.js';

/** Throws `InvalidRequestError` unless `data` passes the entry's request schema (checked before sending). */
export function checkRequest<E extends ApiEntry>(entry: E, data: RequestOf<E>): void {
  const result = entry.request.safeParse(data);
  if (!result.success) throw new InvalidRequestError(`${entry.name} request`, result.error.issues);
}

/**
 * Turns the bytes of a reply into the entry's reply type: an `{error, code}` reply becomes a
 * `RemoteError`; anything that is not JSON, speaks another protocol version or fails the reply schema
 * becomes an `InvalidReplyError`.
 */
export function parseReply<E extends ApiEntry>(
  entry: E,
  subject: string,
  reply: { data: Uint8Array; headers: Readonly<MessageHeaders> },
): ReplyOf<E> {
  const mismatch = protocolMismatch(reply.headers);
  if (mismatch) throw new InvalidReplyError(subject, mismatch);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(reply.data));
  } catch (err) {
    throw new InvalidReplyError(subject, 'not valid JSON', { cause: err });
  }
  const error = ErrorReply.safeParse(value);
  if (error.success) throw new RemoteError(error.data.code, error.data.error, subject);
  try {
    return parseWith<E['reply']>(entry.reply, value, `${entry.name} reply`);
  } catch (err) {
    throw new InvalidReplyError(subject, err instanceof Error ? err.message : String(err), { cause: err });
  }
}
