import {
  InvalidRequestError,
  isSupportedProtocolVersion,
  MAX_PAYLOAD_BYTES,
  MSG_ID_HEADER,
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
} from '@figaro/protocol';
import type { MessageHeaders, PublishOptions } from './bus.js';
import { PayloadTooLargeError } from './errors.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Encodes a payload as UTF-8 JSON and enforces the payload limit. Throws `PayloadTooLargeError` over
 * the limit and `TypeError` for values JSON cannot carry (`undefined`, functions, `BigInt`).
 */
export function encodePayload(subject: string, data: unknown): Uint8Array {
  const text = JSON.stringify(data);
  if (text === undefined) throw new TypeError(`payload on ${subject} is not JSON-serialisable`);
  const bytes = encoder.encode(text);
  if (bytes.byteLength > MAX_PAYLOAD_BYTES) {
    throw new PayloadTooLargeError(subject, bytes.byteLength, MAX_PAYLOAD_BYTES);
  }
  return bytes;
}

/** Decodes UTF-8 JSON bytes; throws `InvalidRequestError` (naming `what`) when they are not JSON. */
export function decodeJson(data: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(decoder.decode(data));
  } catch {
    throw new InvalidRequestError(what, [{ code: 'custom', path: [], message: 'payload is not valid JSON' }]);
  }
}

/** Headers of an outgoing message: the protocol version, the caller's headers, and the msgId if any. */
export function outgoingHeaders(opts: PublishOptions = {}): MessageHeaders {
  const headers: MessageHeaders = { [PROTOCOL_HEADER]: PROTOCOL_VERSION, ...opts.headers };
  if (opts.msgId !== undefined) headers[MSG_ID_HEADER] = opts.msgId;
  return headers;
}

/** A header's value, looked up without regard to case (NATS peers may canonicalise keys). */
export function headerValue(headers: Readonly<MessageHeaders>, name: string): string | undefined {
  const exact = headers[name];
  if (exact !== undefined) return exact;
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

/** Why a received message must be refused for its protocol version, or undefined when it is fine. */
export function protocolMismatch(headers: Readonly<MessageHeaders>): string | undefined {
  const version = headerValue(headers, PROTOCOL_HEADER);
  if (isSupportedProtocolVersion(version)) return undefined;
  return `unsupported protocol version ${version}; this peer speaks ${PROTOCOL_VERSION}`;
}
