import { type MsgHdrs, headers as natsHeaders } from '@nats-io/transport-node';
import type { MessageHeaders } from './bus.js';

/** Bus headers as NATS headers (one value per key). */
export function toNatsHeaders(headers: Readonly<MessageHeaders>): MsgHdrs {
  const out = natsHeaders();
  for (const [key, value] of Object.entries(headers)) out.set(key, value);
  return out;
}

/** NATS headers as bus headers: the first value of each key; none → empty. */
export function fromNatsHeaders(headers: MsgHdrs | undefined): MessageHeaders {
  const out: MessageHeaders = {};
  if (!headers) return out;
  for (const key of headers.keys()) out[key] = headers.get(key);
  return out;
}
