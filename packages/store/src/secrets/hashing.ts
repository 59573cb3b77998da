import { createHash, randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * scrypt cost for new password hashes: N = 2^15, r = 8, p = 1 (32 MiB, ~50–100 ms). Stored hashes
 * carry their own parameters, so raising these later keeps old hashes verifiable.
 */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
/** Upper bounds on parameters read back from a stored hash, so a bad row cannot exhaust memory. */
const LIMITS = { N: 2 ** 20, r: 32, p: 16, bytes: 128 } as const;

function scryptAsync(
  password: string,
  salt: Buffer,
  length: number,
  options: ScryptOptions,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const maxmem = 256 * (options.N ?? SCRYPT.N) * (options.r ?? SCRYPT.r) + 1024 * 1024;
    scrypt(password, salt, length, { ...options, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

function within(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

/** Hashes a password with scrypt and a random 16-byte salt: `scrypt$N$r$p$<salt b64url>$<hash b64url>`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptAsync(password, salt, HASH_BYTES, SCRYPT);
  return [
    'scrypt',
    SCRYPT.N,
    SCRYPT.r,
    SCRYPT.p,
    salt.toString('base64url'),
    hash.toString('base64url'),
  ].join('$');
}

/**
 * True when `password` matches a hash made by `hashPassword` (compared in constant time). A malformed
 * hash, or one with parameters beyond sane bounds, is `false`, never an exception.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const [scheme, nText, rText, pText, saltText, hashText, ...rest] = encoded.split('$');
  if (scheme !== 'scrypt' || rest.length > 0 || !saltText || !hashText) return false;
  const [N, r, p] = [Number(nText), Number(rText), Number(pText)];
  const expected = Buffer.from(hashText, 'base64url');
  const sane =
    within(N, 2, LIMITS.N) &&
    (N & (N - 1)) === 0 &&
    within(r, 1, LIMITS.r) &&
    within(p, 1, LIMITS.p) &&
    within(expected.length, 16, LIMITS.bytes);
  if (!sane) return false;
  const salt = Buffer.from(saltText, 'base64url');
  const actual = await scryptAsync(password, salt, expected.length, { N, r, p });
  return timingSafeEqual(actual, expected);
}

/** The prefix of API tokens, so they are recognisable in config files and secret scanners. */
export const API_TOKEN_PREFIX = 'fgr_';

/** A new random bearer secret: `prefix` + 32 random bytes in base64url (43 characters). */
export function generateToken(prefix: string = API_TOKEN_PREFIX): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/**
 * SHA-256 (hex) of a token, which is what the store keeps. Tokens are 256-bit random values, so a
 * fast unsalted hash is enough: there is nothing to guess.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
