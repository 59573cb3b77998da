import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  AT_REST_KEY_INFO,
  ConfigKeyError,
  deriveKey,
  GUAC_KEY_INFO,
  generateEncryptionKey,
  generateToken,
  hashPassword,
  hashToken,
  parseEncryptionKey,
  SecretBox,
  SecretDecryptError,
  StoreError,
  TICKET_KEY_INFO,
  verifyPassword,
} from '../src/index.js';

async function failure(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

/** Flips one character of the base64url part at `index` of a sealed value. */
function tamper(sealed: string, index: number): string {
  const parts = sealed.split('.');
  const part = parts[index] ?? '';
  parts[index] = `${part[0] === 'A' ? 'B' : 'A'}${part.slice(1)}`;
  return parts.join('.');
}

describe('parseEncryptionKey', () => {
  const key = randomBytes(32);

  it('reads 64 hex characters first, in either case and with surrounding whitespace', () => {
    expect(parseEncryptionKey(key.toString('hex'))).toEqual(key);
    expect(parseEncryptionKey(` ${key.toString('hex').toUpperCase()}\n`)).toEqual(key);
    expect(parseEncryptionKey(generateEncryptionKey())).toHaveLength(32);
    expect(generateEncryptionKey()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads base64 (standard or URL-safe, padding optional) of exactly 32 bytes', () => {
    expect(parseEncryptionKey(key.toString('base64'))).toEqual(key);
    expect(parseEncryptionKey(key.toString('base64url'))).toEqual(key);
    expect(parseEncryptionKey(key.toString('base64').replace(/=$/, ''))).toEqual(key);
  });

  it('refuses anything else with ConfigKeyError, never echoing the input', async () => {
    const bad = [
      'sekrit-but-too-short',
      key.toString('hex').slice(0, 63),
      `${key.toString('hex')}00`,
      randomBytes(31).toString('base64'),
      randomBytes(33).toString('base64'),
      `${key.toString('base64').slice(0, 42)}!=`,
      '',
    ];
    for (const text of bad) {
      const error = await failure(() => parseEncryptionKey(text, 'FIGARO_ENCRYPTION_KEY'));
      expect(error).toBeInstanceOf(ConfigKeyError);
      expect(error).toBeInstanceOf(StoreError);
      expect(error).toMatchObject({ code: 'invalid_request' });
      const message = (error as Error).message;
      expect(message).toMatch(
        /FIGARO_ENCRYPTION_KEY must be 64 hex characters or base64 of exactly 32 bytes/,
      );
      if (text.length > 0) expect(message).not.toContain(text);
    }
  });
});

describe('deriveKey', () => {
  it('derives a distinct, stable 32-byte subkey per purpose', () => {
    const master = randomBytes(32);
    const subkeys = [AT_REST_KEY_INFO, TICKET_KEY_INFO, GUAC_KEY_INFO].map((info) => deriveKey(master, info));
    expect(subkeys.map((k) => k.length)).toEqual([32, 32, 32]);
    expect(new Set(subkeys.map((k) => k.toString('hex'))).size).toBe(3);
    expect(deriveKey(master, TICKET_KEY_INFO)).toEqual(subkeys[1]);
    expect(subkeys.some((k) => k.equals(master))).toBe(false);
  });

  it('refuses a master key that is not 32 bytes', () => {
    expect(() => deriveKey(randomBytes(16), AT_REST_KEY_INFO)).toThrow(ConfigKeyError);
  });
});

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips with a fresh IV every time, in the v1.<keyId>.<iv>.<ciphertext> format', () => {
    const secret = 'vnc pässword ✓';
    const a = box.seal(secret);
    const b = box.seal(secret);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(a.split('.')[1]).toBe(box.keyId);
    expect(a).not.toContain(secret);
    expect(box.open(a)).toBe(secret);
    expect(box.open(box.seal(''))).toBe('');
  });

  it('refuses altered, truncated, foreign and malformed values with SecretDecryptError', async () => {
    const secret = 'hunter2-hunter2';
    const sealed = box.seal(secret);
    const bad = [
      tamper(sealed, 3),
      tamper(sealed, 2),
      sealed.slice(0, -4),
      sealed.replace(/^v1\./, 'v2.'),
      sealed.replace(box.keyId, '00000000'),
      new SecretBox(randomBytes(32)).seal(secret),
      'plain text',
      '',
    ];
    for (const value of bad) {
      const error = await failure(() => box.open(value));
      expect(error).toBeInstanceOf(SecretDecryptError);
      expect((error as Error).message).not.toContain(secret);
    }
  });

  it('binds a value to its context', async () => {
    const sealed = box.seal('pw', 'desktop/vnc_password/vnc://a:5900');
    expect(box.open(sealed, 'desktop/vnc_password/vnc://a:5900')).toBe('pw');
    expect(await failure(() => box.open(sealed, 'desktop/vnc_password/vnc://b:5900'))).toBeInstanceOf(
      SecretDecryptError,
    );
    expect(await failure(() => box.open(sealed))).toBeInstanceOf(SecretDecryptError);
  });

  it('opens values sealed under previous keys and seals under the current one', async () => {
    const oldKey = randomBytes(32);
    const oldBox = new SecretBox(oldKey);
    const sealedBefore = oldBox.seal('rotate me');
    const rotated = new SecretBox(randomBytes(32), { previousKeys: [oldKey] });
    expect(rotated.open(sealedBefore)).toBe('rotate me');
    expect(rotated.needsReseal(sealedBefore)).toBe(true);
    const resealed = rotated.seal(rotated.open(sealedBefore));
    expect(rotated.needsReseal(resealed)).toBe(false);
    expect(resealed.split('.')[1]).not.toBe(sealedBefore.split('.')[1]);
    const error = await failure(() => oldBox.open(resealed));
    expect(error).toBeInstanceOf(SecretDecryptError);
    expect((error as Error).message).not.toContain(oldKey.toString('hex'));
  });
});

describe('password hashing', () => {
  it('hashes with scrypt and a random salt, and verifies only the right password', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct horse');
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horse', b)).toBe(true);
    expect(await verifyPassword('correct hors', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('treats malformed or extravagant hashes as a mismatch', async () => {
    const good = await hashPassword('pw');
    const [, , r, p, salt, hash] = good.split('$');
    for (const encoded of [
      '',
      'bcrypt$x',
      good.replace(/^scrypt/, 'scrypd'),
      `scrypt$1048577$${r}$${p}$${salt}$${hash}`,
      `scrypt$33554432$${r}$${p}$${salt}$${hash}`,
      `scrypt$32768$8$1$${salt}$`,
      `${good}$extra`,
    ]) {
      expect(await verifyPassword('pw', encoded)).toBe(false);
    }
  });
});

describe('tokens', () => {
  it('generates prefixed 256-bit tokens and hashes them with SHA-256', () => {
    const token = generateToken();
    expect(token).toMatch(/^fgr_[A-Za-z0-9_-]{43}$/);
    expect(generateToken('fgs_')).toMatch(/^fgs_/);
    expect(generateToken()).not.toBe(token);
    expect(hashToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(token)).toBe(hashToken(token));
    expect(hashToken(token)).not.toContain(token);
  });
});
