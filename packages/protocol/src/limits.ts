/** Version of the wire protocol; every message carries it in the `Figaro-Protocol` header. */
export const PROTOCOL_VERSION = '1';
export const PROTOCOL_HEADER = 'Figaro-Protocol';
/** No bus payload exceeds this; binary data travels as blobs. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;
/** Largest chunk of a blob upload, before base64. */
export const MAX_BLOB_CHUNK_BYTES = 192 * 1024;
/** Header that carries the JetStream de-duplication id. */
export const MSG_ID_HEADER = 'Nats-Msg-Id';

/** True when a `Figaro-Protocol` header value names a major version this code speaks. */
export function isSupportedProtocolVersion(value: string | undefined): boolean {
  if (value === undefined) return true; // peers that predate the header are treated as version 1
  return value.split('.')[0] === PROTOCOL_VERSION;
}
