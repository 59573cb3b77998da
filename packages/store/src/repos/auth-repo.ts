import { randomUUID } from 'node:crypto';
import { parseWith, TokenScope } from '@figaro/protocol';
import { z } from 'zod';
import { type Db, queryOne, queryRows } from '../db.js';
import { ConflictError, StoreError } from '../errors.js';
import { generateToken, hashPassword, hashToken, verifyPassword } from '../secrets/hashing.js';

/** A dashboard user (no password hash: it never leaves the repository). */
export const UserRecord = z.object({
  id: z.string(),
  username: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type UserRecord = z.infer<typeof UserRecord>;

/** A user row with its hash, read only to verify a password. */
const UserWithHash = UserRecord.extend({ password_hash: z.string() });

/** A valid (unexpired) dashboard session, with its user's name. */
export const SessionRecord = z.object({
  user_id: z.string(),
  username: z.string(),
  created_at: z.string(),
  expires_at: z.string(),
  last_seen_at: z.string(),
});
export type SessionRecord = z.infer<typeof SessionRecord>;

/** An API token as listed: no hash, no plaintext. */
export const TokenRecord = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(TokenScope),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});
export type TokenRecord = z.infer<typeof TokenRecord>;

/** Options of `AuthRepo.createToken`. */
export interface CreateTokenOptions {
  /**
   * Store this plaintext instead of generating one (e.g. `FIGARO_API_TOKEN` given by the operator);
   * at least 16 characters.
   */
  token?: string;
}

const Username = z.string().min(1).max(100);
/** Bounded so that hashing cannot be abused with huge inputs. */
const Password = z.string().min(1).max(1024);
const TokenName = z.string().min(1).max(100);
const Scopes = z.array(TokenScope).min(1);
const GivenToken = z.string().min(16).max(512);
const Ttl = z.number().int().positive();
const Uuid = z.uuid();

/** `last_used_at` is written at most this often per token, so that every request is not a write. */
const LAST_USED_RESOLUTION = "interval '60 seconds'";

const TOKEN_COLUMNS = 'id, name, scopes, created_at, last_used_at, revoked_at';
const SESSION_COLUMNS =
  's.user_id, u.username, s.created_at, s.expires_at, s.last_seen_at FROM sessions s JOIN users u ON u.id = s.user_id';

/** Verified against when a user does not exist, so that a login takes as long either way. */
let dummyHash: Promise<string> | undefined;

/**
 * Users, dashboard sessions and API tokens. Passwords are stored as scrypt hashes, session ids and
 * tokens as SHA-256: the plaintext of a session id or token exists only in the value returned at
 * creation.
 */
export class AuthRepo {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Creates a user with a hashed password. A taken name is a `ConflictError`. */
  async createUser(username: string, password: string): Promise<UserRecord> {
    const name = parseWith(Username, username, 'username');
    const hash = await hashPassword(parseWith(Password, password, 'password'));
    let user: UserRecord | null;
    try {
      // A savepoint, so a taken name leaves the caller's transaction usable.
      user = await this.#db.tx((tx) =>
        queryOne(
          tx,
          UserRecord,
          `INSERT INTO users (id, username, password_hash) VALUES ($1, $2, $3)
           RETURNING id, username, created_at, updated_at`,
          [randomUUID(), name, hash],
          'user',
        ),
      );
    } catch (error) {
      if (error instanceof ConflictError) throw new ConflictError(`user ${name} already exists`);
      throw error;
    }
    if (!user) throw new StoreError(`user ${name} was not stored`);
    return user;
  }

  /** The user with this name, or null. */
  async getUserByName(username: string): Promise<UserRecord | null> {
    return queryOne(
      this.#db,
      UserRecord,
      'SELECT id, username, created_at, updated_at FROM users WHERE username = $1',
      [username],
      'user',
    );
  }

  /**
   * The user when `password` is theirs, else null. An unknown user costs the same scrypt work as a
   * wrong password, so timing does not tell which names exist.
   */
  async authenticate(username: string, password: string): Promise<UserRecord | null> {
    const row = await queryOne(
      this.#db,
      UserWithHash,
      'SELECT id, username, created_at, updated_at, password_hash FROM users WHERE username = $1',
      [username],
      'user',
    );
    if (row === null || !Password.safeParse(password).success) {
      dummyHash ??= hashPassword('figaro-dummy-password');
      await verifyPassword(password.slice(0, 1024), await dummyHash);
      return null;
    }
    const { password_hash, ...user } = row;
    return (await verifyPassword(password, password_hash)) ? user : null;
  }

  /**
   * Replaces a user's password and ends all their sessions (a reset must lock out whoever had the old
   * one). False when the user is unknown.
   */
  async setPassword(username: string, password: string): Promise<boolean> {
    const hash = await hashPassword(parseWith(Password, password, 'password'));
    return this.#db.tx(async (tx) => {
      const [user] = await tx.query(
        'UPDATE users SET password_hash = $2, updated_at = now() WHERE username = $1 RETURNING id',
        [username, hash],
      );
      if (!user) return false;
      await tx.query('DELETE FROM sessions WHERE user_id = $1', [user.id]);
      return true;
    });
  }

  /** How many users exist (0 before the first start created the admin). */
  async count(): Promise<number> {
    const row = await queryOne(
      this.#db,
      z.object({ n: z.number().int() }),
      'SELECT count(*) AS n FROM users',
      [],
      'count',
    );
    return row?.n ?? 0;
  }

  /**
   * Opens a session for `ttlMs` milliseconds. Returns the plaintext id (for the cookie; only its
   * SHA-256 is stored) and when it expires.
   */
  async createSession(userId: string, ttlMs: number): Promise<{ id: string; expires_at: string }> {
    const id = generateToken('fgs_');
    const row = await queryOne(
      this.#db,
      z.object({ expires_at: z.string() }),
      `INSERT INTO sessions (id_hash, user_id, expires_at)
       VALUES ($1, $2, now() + $3::double precision * interval '1 millisecond') RETURNING expires_at`,
      [hashToken(id), parseWith(Uuid, userId, 'user id'), parseWith(Ttl, ttlMs, 'session ttl')],
      'session',
    );
    if (!row) throw new StoreError('session was not stored');
    return { id, expires_at: row.expires_at };
  }

  /** The session with this plaintext id if it exists and has not expired, else null. */
  async getSession(id: string): Promise<SessionRecord | null> {
    return queryOne(
      this.#db,
      SessionRecord,
      `SELECT ${SESSION_COLUMNS} WHERE s.id_hash = $1 AND s.expires_at > now()`,
      [hashToken(id)],
      'session',
    );
  }

  /**
   * Marks a valid session as seen now and, with `ttlMs`, extends it to now + `ttlMs` (sliding
   * expiry). False when the session is unknown or expired.
   */
  async touchSession(id: string, ttlMs?: number): Promise<boolean> {
    const ttl = ttlMs === undefined ? null : parseWith(Ttl, ttlMs, 'session ttl');
    const rows = await this.#db.query(
      `UPDATE sessions SET last_seen_at = now(),
         expires_at = COALESCE(now() + $2::double precision * interval '1 millisecond', expires_at)
       WHERE id_hash = $1 AND expires_at > now() RETURNING user_id`,
      [hashToken(id), ttl],
    );
    return rows.length > 0;
  }

  /** Ends a session (logout); true when it existed. */
  async deleteSession(id: string): Promise<boolean> {
    return (
      (await this.#db.query('DELETE FROM sessions WHERE id_hash = $1 RETURNING user_id', [hashToken(id)]))
        .length > 0
    );
  }

  /** Deletes expired sessions; returns how many. */
  async deleteExpired(): Promise<number> {
    return (await this.#db.query('DELETE FROM sessions WHERE expires_at <= now() RETURNING user_id')).length;
  }

  /**
   * Creates an API token. Returns the plaintext once (only its SHA-256 is stored) with the record. A
   * given `token` that is already stored is a `ConflictError`.
   */
  async createToken(
    name: string,
    scopes: readonly z.input<typeof TokenScope>[],
    options: CreateTokenOptions = {},
  ): Promise<{ token: string; record: TokenRecord }> {
    const token =
      options.token === undefined ? generateToken() : parseWith(GivenToken, options.token, 'token');
    let record: TokenRecord | null;
    try {
      record = await this.#db.tx((tx) =>
        queryOne(
          tx,
          TokenRecord,
          `INSERT INTO api_tokens (id, name, token_hash, scopes) VALUES ($1, $2, $3, $4::text[])
           RETURNING ${TOKEN_COLUMNS}`,
          [
            randomUUID(),
            parseWith(TokenName, name, 'token name'),
            hashToken(token),
            parseWith(Scopes, scopes, 'scopes'),
          ],
          'api token',
        ),
      );
    } catch (error) {
      if (error instanceof ConflictError) throw new ConflictError('this token is already stored');
      throw error;
    }
    if (!record) throw new StoreError(`token ${name} was not stored`);
    return { token, record };
  }

  /**
   * The record of a valid (stored, not revoked) token, else null. Records the use in `last_used_at`
   * (at most once a minute per token).
   */
  async verifyToken(token: string): Promise<TokenRecord | null> {
    if (token.length === 0 || token.length > 512) return null;
    const hash = hashToken(token);
    const record = await queryOne(
      this.#db,
      TokenRecord,
      `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL`,
      [hash],
      'api token',
    );
    if (!record) return null;
    const touched = await queryOne(
      this.#db,
      TokenRecord,
      `UPDATE api_tokens SET last_used_at = now()
       WHERE token_hash = $1 AND revoked_at IS NULL
         AND (last_used_at IS NULL OR last_used_at < now() - ${LAST_USED_RESOLUTION})
       RETURNING ${TOKEN_COLUMNS}`,
      [hash],
      'api token',
    );
    return touched ?? record;
  }

  /** Every token, newest first, revoked ones included (with `revoked_at`). */
  async listTokens(): Promise<TokenRecord[]> {
    return queryRows(
      this.#db,
      TokenRecord,
      `SELECT ${TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at DESC, id`,
      [],
      'api token',
    );
  }

  /** Revokes a token for good; false when it is unknown or already revoked. */
  async revokeToken(id: string): Promise<boolean> {
    if (!Uuid.safeParse(id).success) return false;
    const rows = await this.#db.query(
      'UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id',
      [id],
    );
    return rows.length > 0;
  }
}
