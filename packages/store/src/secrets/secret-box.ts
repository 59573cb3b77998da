import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { SecretDecryptError } from '../errors.js';
import { AT_REST_KEY_INFO, deriveKey } from './keys.js';

/** Options of `SecretBox`. */
export interface SecretBoxOptions {
  /**
   * Master keys used before the current one. `open` still accepts what they sealed; `seal` always
   * uses the current key. Drop a key once `needsReseal` is false for every stored value.
   */
  previousKeys?: readonly Buffer[];
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ALGORITHM = 'aes-256-gcm';

/** The public id of a subkey: the first 8 hex characters of its SHA-256. Reveals nothing usable. */
function keyIdOf(subkey: Buffer): string {
  return createHash('sha256').update(subkey).digest('hex').slice(0, 8);
}

/**
 * The authenticated data of a sealed value: its version and key id, plus the caller's `context`,
 * so a ciphertext cannot be moved to another key id or another context (e.g. another endpoint).
 */
function aadOf(keyId: string, context: string | undefined): Buffer {
  return Buffer.from(
    context === undefined ? `${VERSION}.${keyId}` : `${VERSION}.${keyId}\n${context}`,
    'utf8',
  );
}

/**
 * Seals secrets at rest with AES-256-GCM under the HKDF subkey `figaro/at-rest/v1` of the master key.
 *
 * A sealed value is `v1.<keyId>.<iv>.<ciphertext+tag>` (base64url parts, random 12-byte IV). The key id
 * lets keys rotate: `open` picks the key by id among the current and the previous ones. An optional
 * `context` string is authenticated but not stored: a value sealed with one context opens only with
 * the same context (the desktops repository binds credentials to their endpoint this way).
 */
export class SecretBox {
  /** Id of the current at-rest subkey, as it appears in sealed values. */
  readonly keyId: string;
  readonly #current: Buffer;
  readonly #keys = new Map<string, Buffer>();

  constructor(masterKey: Buffer, options: SecretBoxOptions = {}) {
    this.#current = deriveKey(masterKey, AT_REST_KEY_INFO);
    this.keyId = keyIdOf(this.#current);
    for (const previous of options.previousKeys ?? []) {
      const subkey = deriveKey(previous, AT_REST_KEY_INFO);
      this.#keys.set(keyIdOf(subkey), subkey);
    }
    this.#keys.set(this.keyId, this.#current);
  }

  /** Encrypts `plaintext` under the current key; every call uses a fresh IV. */
  seal(plaintext: string, context?: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#current, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aadOf(this.keyId, context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${this.keyId}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  /**
   * Decrypts a value made by `seal` (with the same `context`). Throws `SecretDecryptError` when the
   * value is malformed, altered, sealed under a key this box does not hold, or for another context.
   */
  open(sealed: string, context?: string): string {
    const parts = sealed.split('.');
    const [version, keyId, ivText, bodyText] = parts;
    if (parts.length !== 4 || version !== VERSION || !keyId || !ivText || !bodyText) {
      throw new SecretDecryptError('not a sealed secret (expected v1.<keyId>.<iv>.<ciphertext>)');
    }
    const key = this.#keys.get(keyId);
    if (!key) throw new SecretDecryptError(`secret sealed under unknown key ${keyId.slice(0, 8)}`);
    const iv = Buffer.from(ivText, 'base64url');
    const body = Buffer.from(bodyText, 'base64url');
    if (iv.length !== IV_BYTES || body.length < TAG_BYTES) {
      throw new SecretDecryptError(`sealed secret under key ${keyId} is truncated`);
    }
    try {
      const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(aadOf(keyId, context));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(body.subarray(0, body.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return plain.toString('utf8');
    } catch {
      throw new SecretDecryptError(
        `sealed secret under key ${keyId} failed authentication (altered, or sealed for another context)`,
      );
    }
  }

  /** True when `sealed` was not sealed under the current key (seal it again to finish a rotation). */
  needsReseal(sealed: string): boolean {
    return sealed.split('.')[1] !== this.keyId;
  }
}
