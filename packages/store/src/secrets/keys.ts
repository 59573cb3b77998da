import { hkdfSync, randomBytes } from 'node:crypto';
import { ConfigKeyError } from '../errors.js';

/** Length of the master key and of every derived subkey, in bytes. */
export const KEY_BYTES = 32;

/** HKDF `info` of the subkey that seals secrets at rest (AES-256-GCM). */
export const AT_REST_KEY_INFO = 'figaro/at-rest/v1';
/** HKDF `info` of the subkey that signs desktop-proxy tickets (HMAC-SHA256). */
export const TICKET_KEY_INFO = 'figaro/ticket/v1';
/** HKDF `info` of the subkey for guacd connection tokens. */
export const GUAC_KEY_INFO = 'figaro/guac/v1';

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
/** Standard or URL-safe base64, padding optional: 32 bytes are 43 characters plus one `=`. */
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}=?$/;

const EXPECTED = `must be ${KEY_BYTES * 2} hex characters or base64 of exactly ${KEY_BYTES} bytes`;

/**
 * Reads a master key (`FIGARO_ENCRYPTION_KEY`): 64 hex characters are tried first, then base64
 * (standard or URL-safe, padding optional) of exactly 32 bytes. Surrounding whitespace is ignored.
 * Anything else throws `ConfigKeyError`, whose message names `what` but never the text given.
 */
export function parseEncryptionKey(text: string, what = 'encryption key'): Buffer {
  const trimmed = text.trim();
  if (HEX_KEY.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (BASE64_KEY.test(trimmed)) {
    const key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length === KEY_BYTES) return key;
  }
  throw new ConfigKeyError(`${what} ${EXPECTED}`);
}

/** A new random master key as 64 hex characters (what `figaro up` writes when none is configured). */
export function generateEncryptionKey(): string {
  return randomBytes(KEY_BYTES).toString('hex');
}

/**
 * Derives a 32-byte subkey from the master key with HKDF-SHA256 (empty salt) for one purpose
 * (`AT_REST_KEY_INFO`, `TICKET_KEY_INFO`, `GUAC_KEY_INFO`), so that no two uses share a key. A master
 * key that is not 32 bytes throws `ConfigKeyError`.
 */
export function deriveKey(master: Buffer, info: string): Buffer {
  if (master.length !== KEY_BYTES) {
    throw new ConfigKeyError(`a master key must be ${KEY_BYTES} bytes (got ${master.length})`);
  }
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), info, KEY_BYTES));
}
