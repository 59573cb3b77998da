import { randomUUID } from 'node:crypto';
import { InvalidRequestError } from '@figaro/protocol';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConflictError, CorruptValueError, hashToken } from '../../src/index.js';
import type { ContractTarget } from './target.js';

const newName = (): string => `user-${randomUUID().slice(0, 8)}`;

export function describeAuthCases(target: ContractTarget): void {
  const store = () => target.store();
  const auth = () => store().auth;

  /** Everything stored in a table, as one text (to look for plaintext). */
  async function tableText(table: 'users' | 'sessions' | 'api_tokens'): Promise<string> {
    const rows = await store().db.query(`SELECT row_to_json(t)::text AS raw FROM ${table} t`);
    return rows.map((row) => String(row.raw)).join('\n');
  }

  describe('AuthRepo', () => {
    it('stores users with hashed passwords and authenticates them', async () => {
      const name = newName();
      const before = await auth().count();
      const user = await auth().createUser(name, 'Correct-Horse-1');
      expect(user).toMatchObject({ username: name });
      expect(Object.keys(user).sort()).toEqual(['created_at', 'id', 'updated_at', 'username']);
      expect(await auth().count()).toBe(before + 1);
      expect(await auth().getUserByName(name)).toStrictEqual(user);
      expect(await tableText('users')).not.toContain('Correct-Horse-1');
      await expect(auth().createUser(name, 'other')).rejects.toBeInstanceOf(ConflictError);

      expect(await auth().authenticate(name, 'Correct-Horse-1')).toStrictEqual(user);
      expect(await auth().authenticate(name, 'wrong')).toBeNull();
      expect(await auth().authenticate(newName(), 'Correct-Horse-1')).toBeNull();
      await expect(auth().createUser('', 'pw')).rejects.toBeInstanceOf(InvalidRequestError);
    });

    it('expires sessions, stores only their hash, and ends them on a password reset', async () => {
      const name = newName();
      const user = await auth().createUser(name, 'first-password');
      const session = await auth().createSession(user.id, 60_000);
      expect(session.id).toMatch(/^fgs_[A-Za-z0-9_-]{43}$/);
      expect(Date.parse(session.expires_at)).toBeGreaterThan(Date.now());
      expect(await tableText('sessions')).not.toContain(session.id);
      expect(await tableText('sessions')).toContain(hashToken(session.id));
      expect(await auth().getSession(session.id)).toMatchObject({
        user_id: user.id,
        username: name,
        expires_at: session.expires_at,
      });
      expect(await auth().getSession(`${session.id}x`)).toBeNull();

      expect(await auth().touchSession(session.id, 3_600_000)).toBe(true);
      const slid = await auth().getSession(session.id);
      expect(Date.parse(slid?.expires_at ?? '')).toBeGreaterThan(Date.parse(session.expires_at));

      const expired = await auth().createSession(user.id, 60_000);
      await store().db.query(
        "UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id_hash = $1",
        [hashToken(expired.id)],
      );
      expect(await auth().getSession(expired.id)).toBeNull();
      expect(await auth().touchSession(expired.id)).toBe(false);
      expect(await auth().deleteExpired()).toBeGreaterThanOrEqual(1);
      expect(await auth().deleteSession(expired.id)).toBe(false);

      expect(await auth().setPassword(name, 'second-password')).toBe(true);
      expect(await auth().getSession(session.id)).toBeNull();
      expect(await auth().authenticate(name, 'first-password')).toBeNull();
      expect(await auth().authenticate(name, 'second-password')).toMatchObject({ id: user.id });
      expect(await auth().setPassword(newName(), 'x')).toBe(false);

      const again = await auth().createSession(user.id, 60_000);
      expect(await auth().deleteSession(again.id)).toBe(true);
      expect(await auth().getSession(again.id)).toBeNull();
    });

    it('stores API tokens only as hashes, verifies them, and revokes them', async () => {
      const { token, record } = await auth().createToken('ci', ['api', 'metrics']);
      expect(token).toMatch(/^fgr_[A-Za-z0-9_-]{43}$/);
      expect(record).toMatchObject({
        name: 'ci',
        scopes: ['api', 'metrics'],
        last_used_at: null,
        revoked_at: null,
      });
      const stored = await tableText('api_tokens');
      expect(stored).not.toContain(token);
      expect(stored).toContain(hashToken(token));

      const verified = await auth().verifyToken(token);
      expect(verified).toMatchObject({ id: record.id });
      expect(verified?.last_used_at).not.toBeNull();
      expect(await auth().verifyToken(`${token}x`)).toBeNull();
      expect(await auth().verifyToken('')).toBeNull();
      expect((await auth().listTokens()).find((t) => t.id === record.id)).toMatchObject({ name: 'ci' });

      expect(await auth().revokeToken(record.id)).toBe(true);
      expect(await auth().revokeToken(record.id)).toBe(false);
      expect(await auth().revokeToken('not-a-uuid')).toBe(false);
      expect(await auth().verifyToken(token)).toBeNull();
      expect((await auth().listTokens()).find((t) => t.id === record.id)?.revoked_at).not.toBeNull();
    });

    it('stores a token the operator supplies, once', async () => {
      const supplied = `operator-${randomUUID()}`;
      const { token, record } = await auth().createToken('env', ['admin'], { token: supplied });
      expect(token).toBe(supplied);
      expect(await auth().verifyToken(supplied)).toMatchObject({ id: record.id, scopes: ['admin'] });
      await expect(auth().createToken('env', ['admin'], { token: supplied })).rejects.toBeInstanceOf(
        ConflictError,
      );
      await expect(auth().createToken('short', ['api'], { token: 'short' })).rejects.toBeInstanceOf(
        InvalidRequestError,
      );
      await expect(auth().createToken('none', [])).rejects.toBeInstanceOf(InvalidRequestError);
    });
  });

  describe('SettingsRepo', () => {
    it('gets, sets and parses JSON values', async () => {
      const key = `k-${randomUUID()}`;
      expect(await store().settings.get(key)).toBeUndefined();
      await store().settings.set(key, { vnc_username: 'u' });
      await store().settings.set(key, ['replaced', 1]);
      expect(await store().settings.get(key)).toEqual(['replaced', 1]);
      expect(await store().settings.get(key, z.tuple([z.string(), z.number()]))).toEqual(['replaced', 1]);
      await expect(store().settings.get(key, z.string())).rejects.toBeInstanceOf(CorruptValueError);
      expect(await store().settings.delete(key)).toBe(true);
      expect(await store().settings.delete(key)).toBe(false);
    });

    it('creates a value once, even when asked concurrently', async () => {
      const key = `k-${randomUUID()}`;
      let made = 0;
      const values = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          store().settings.getOrCreate(key, async () => {
            made += 1;
            return `value-${i}`;
          }),
        ),
      );
      expect(new Set(values).size).toBe(1);
      expect(made).toBeGreaterThanOrEqual(1);
      expect(await store().settings.get(key)).toBe(values[0]);
      expect(await store().settings.getOrCreate(key, () => 'other', z.string())).toBe(values[0]);
    });
  });
}
