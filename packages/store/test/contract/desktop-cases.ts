import { InvalidRequestError } from '@figaro/protocol';
import { describe, expect, it } from 'vitest';
import {
  ConfigKeyError,
  ConflictError,
  DesktopsRepo,
  NotFoundError,
  SecretDecryptError,
} from '../../src/index.js';
import { describeDesktopBindingCases } from './desktop-binding-cases.js';
import { type ContractTarget, newAgentId } from './target.js';

const newDesktopId = (): string => `d-${newAgentId().slice(2)}`;

export function describeDesktopCases(target: ContractTarget): void {
  const store = () => target.store();
  const desktops = () => store().desktops;
  describeDesktopBindingCases(target);

  /** Everything stored for a desktop, as one text (to look for plaintext). */
  async function rawRow(id: string): Promise<string> {
    const [row] = await store().db.query('SELECT row_to_json(d)::text AS raw FROM desktops d WHERE id = $1', [
      id,
    ]);
    return String(row?.raw);
  }

  describe('DesktopsRepo', () => {
    it('masks secrets in every record and keeps only sealed values at rest', async () => {
      const id = newDesktopId();
      const { desktop, created } = await desktops().upsert({
        id,
        vnc_url: 'vnc://10.0.0.5:5901',
        ssh_url: 'ssh://ops@10.0.0.5',
        vnc_username: 'alice',
        vnc_password: 'vnc-Secret-1',
        ssh_secret: 'ssh-Secret-2',
        metadata: { rack: 3 },
        source: 'api',
      });
      expect(created).toBe(true);
      expect(desktop).toMatchObject({
        id,
        os: 'linux',
        metadata: { rack: 3 },
        vnc_url: 'vnc://10.0.0.5:5901',
        vnc_username: 'alice',
        vnc_password: '***',
        ssh_secret: '***',
        telnet_secret: null,
        rdp_secret: null,
        source: 'api',
        version: 1,
      });
      expect(await desktops().get(id)).toStrictEqual(desktop);
      expect((await desktops().list()).find((d) => d.id === id)).toStrictEqual(desktop);
      expect(JSON.stringify(await desktops().list())).not.toMatch(/Secret-|v1\./);

      const raw = await rawRow(id);
      expect(raw).not.toContain('vnc-Secret-1');
      expect(raw).not.toContain('ssh-Secret-2');
      expect(raw).toMatch(/"vnc_password_sealed":"b2:v1\.[0-9a-f]{8}\./);

      expect(await desktops().credentials(id)).toEqual({
        id,
        vnc_url: 'vnc://10.0.0.5:5901',
        vnc_username: 'alice',
        vnc_password: 'vnc-Secret-1',
        ssh_url: 'ssh://ops@10.0.0.5',
        ssh_secret: 'ssh-Secret-2',
        telnet_url: null,
        telnet_secret: null,
        rdp_url: null,
        rdp_secret: null,
      });
      expect(await desktops().credentials(newDesktopId())).toBeNull();
    });

    it('keeps a secret given as "***" or left out, replaces a new one and clears on null', async () => {
      const id = newDesktopId();
      await desktops().upsert({ id, vnc_url: 'vnc://h1', vnc_password: 'first', source: 'api' });
      await desktops().upsert({
        id,
        vnc_url: 'vnc://h1',
        vnc_password: '***',
        metadata: { a: 1 },
        source: 'api',
      });
      await desktops().upsert({ id, os: 'windows', source: 'api' });
      expect(await desktops().credentials(id)).toMatchObject({ vnc_password: 'first' });
      expect(await desktops().get(id)).toMatchObject({
        os: 'windows',
        metadata: { a: 1 },
        vnc_url: 'vnc://h1',
      });

      await desktops().upsert({ id, vnc_password: 'second', source: 'api' });
      expect(await desktops().credentials(id)).toMatchObject({ vnc_password: 'second' });
      const cleared = await desktops().upsert({ id, vnc_password: null, source: 'api' });
      expect(cleared.desktop.vnc_password).toBeNull();
      expect(await desktops().credentials(id)).toMatchObject({ vnc_password: null });
    });

    it('clears credentials when the scheme, host or port of their endpoint changes, unless new ones come', async () => {
      const id = newDesktopId();
      const withCredentials = {
        id,
        vnc_url: 'vnc://desk.example:5900',
        vnc_username: 'alice',
        vnc_password: 'pw-1',
        ssh_url: 'ssh://ops@desk.example',
        ssh_secret: 'key-1',
        source: 'api',
      } as const;
      await desktops().upsert(withCredentials);

      // Same endpoint written differently: credentials stay (another path is another endpoint).
      const same = await desktops().upsert({
        id,
        vnc_url: 'VNC://DESK.example',
        vnc_password: '***',
        source: 'api',
      });
      expect(same.cleared).toEqual([]);
      expect(await desktops().credentials(id)).toMatchObject({ vnc_username: 'alice', vnc_password: 'pw-1' });

      for (const moved of [
        'vnc://elsewhere.example:5900',
        'vnc://desk.example:5901',
        'ws://desk.example:5900',
      ]) {
        await desktops().upsert(withCredentials);
        const result = await desktops().upsert({ id, vnc_url: moved, vnc_password: '***', source: 'api' });
        expect(result.cleared).toEqual(['vnc_password', 'vnc_username']);
        expect(result.desktop).toMatchObject({ vnc_url: moved, vnc_username: null, vnc_password: null });
        // Only the moved endpoint loses its credentials.
        expect(await desktops().credentials(id)).toMatchObject({ vnc_password: null, ssh_secret: 'key-1' });
      }

      await desktops().upsert(withCredentials);
      const replaced = await desktops().upsert({
        id,
        vnc_url: 'vnc://new-host.example',
        vnc_password: 'pw-2',
        ssh_url: 'ssh://ops@new-host.example:2222',
        source: 'api',
      });
      expect(replaced.cleared).toEqual(['vnc_username', 'ssh_secret']);
      expect(await desktops().credentials(id)).toMatchObject({
        vnc_url: 'vnc://new-host.example',
        vnc_username: null,
        vnc_password: 'pw-2',
        ssh_secret: null,
      });
    });

    it('refuses to open credentials whose endpoint was changed behind its back', async () => {
      const id = newDesktopId();
      await desktops().upsert({
        id,
        vnc_url: 'vnc://trusted:5900',
        vnc_password: 'trusted-Pw-9',
        source: 'api',
      });
      await store().db.query("UPDATE desktops SET vnc_url = 'vnc://attacker:5900' WHERE id = $1", [id]);
      const failure = await desktops()
        .credentials(id)
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(SecretDecryptError);
      expect(String(failure)).not.toContain('trusted-Pw-9');
    });

    it('moves a password written into a URL into the sealed secret', async () => {
      const id = newDesktopId();
      const { desktop } = await desktops().upsert({
        id,
        vnc_url: 'vnc://:url-pw@10.1.1.1:5900',
        rdp_url: 'rdp://admin:p%40ss@10.1.1.2',
        source: 'api',
      });
      expect(desktop).toMatchObject({
        vnc_url: 'vnc://10.1.1.1:5900',
        vnc_password: '***',
        rdp_url: 'rdp://admin@10.1.1.2',
        rdp_secret: '***',
      });
      expect(await rawRow(id)).not.toContain('url-pw');
      expect(await desktops().credentials(id)).toMatchObject({ vnc_password: 'url-pw', rdp_secret: 'p@ss' });
    });

    it("keeps the version when nothing changed, and never lets an agent's registration move a desktop", async () => {
      const id = newDesktopId();
      await desktops().upsert({ id, vnc_url: 'vnc://a', vnc_password: 'pw', source: 'api' });
      const again = await desktops().upsert({ id, vnc_url: 'vnc://a', vnc_password: '***', source: 'api' });
      expect(again.desktop.version).toBe(1);
      const byAgent = await desktops().upsert({
        id,
        vnc_url: 'vnc://b',
        vnc_password: null,
        source: 'agent',
      });
      expect(byAgent).toMatchObject({
        created: false,
        desktop: { vnc_url: 'vnc://a', source: 'api', version: 1 },
      });
      expect(await desktops().credentials(id)).toMatchObject({ vnc_password: 'pw' });
      const fresh = newDesktopId();
      expect(
        (await desktops().upsert({ id: fresh, vnc_url: 'vnc://c', source: 'agent' })).desktop.source,
      ).toBe('agent');
    });

    it('seeds only ids that are not stored yet', async () => {
      const kept = newDesktopId();
      const added = newDesktopId();
      await desktops().upsert({
        id: kept,
        vnc_url: 'vnc://edited',
        vnc_password: 'edited-pw',
        source: 'api',
      });
      const seeded = await desktops().seedIfMissing([
        { id: kept, vnc_url: 'vnc://from-env', vnc_password: 'env-pw' },
        { id: added, vnc_url: 'vnc://from-env', vnc_username: 'u', vnc_password: 'env-pw' },
      ]);
      expect(seeded).toEqual([added]);
      expect(await desktops().get(kept)).toMatchObject({ vnc_url: 'vnc://edited', source: 'api' });
      expect(await desktops().credentials(kept)).toMatchObject({ vnc_password: 'edited-pw' });
      expect(await desktops().get(added)).toMatchObject({
        source: 'env',
        vnc_username: 'u',
        vnc_password: '***',
      });
      expect(await desktops().seedIfMissing([{ id: added, vnc_url: 'vnc://other' }])).toEqual([]);
      await expect(
        desktops().seedIfMissing([{ id: 'Not Valid', vnc_url: 'vnc://x' }]),
      ).rejects.toBeInstanceOf(InvalidRequestError);
    });

    it('renames keeping credentials, refuses taken and unknown ids, and removes', async () => {
      const id = newDesktopId();
      const other = newDesktopId();
      const renamedId = newDesktopId();
      await desktops().upsert({ id, vnc_url: 'vnc://r', vnc_password: 'pw', source: 'api' });
      await desktops().upsert({ id: other, vnc_url: 'vnc://o', source: 'api' });
      await expect(desktops().rename(id, other)).rejects.toBeInstanceOf(ConflictError);
      await expect(desktops().rename(newDesktopId(), renamedId)).rejects.toBeInstanceOf(NotFoundError);
      const renamed = await desktops().rename(id, renamedId);
      expect(renamed).toMatchObject({ id: renamedId, vnc_password: '***', version: 2 });
      expect(await desktops().get(id)).toBeNull();
      expect(await desktops().credentials(renamedId)).toMatchObject({ vnc_password: 'pw' });
      expect(await desktops().remove(renamedId)).toBe(true);
      expect(await desktops().remove(renamedId)).toBe(false);
    });

    it('refuses to store or read a secret without a SecretBox', async () => {
      const bare = new DesktopsRepo(store().db);
      const id = newDesktopId();
      await expect(
        bare.upsert({ id, vnc_url: 'vnc://x', vnc_password: 'pw', source: 'api' }),
      ).rejects.toBeInstanceOf(ConfigKeyError);
      expect(await bare.get(id)).toBeNull();
      await bare.upsert({ id, vnc_url: 'vnc://x', source: 'api' });
      expect(await bare.credentials(id)).toMatchObject({ vnc_password: null });
      await desktops().upsert({ id, vnc_password: 'pw', source: 'api' });
      await expect(bare.credentials(id)).rejects.toBeInstanceOf(ConfigKeyError);
    });

    it('works inside a store transaction and rolls back with it', async () => {
      const id = newDesktopId();
      await store()
        .tx(async (repos) => {
          await repos.desktops.upsert({ id, vnc_url: 'vnc://tx', vnc_password: 'pw', source: 'api' });
          expect(await repos.desktops.credentials(id)).toMatchObject({ vnc_password: 'pw' });
          throw new Error('roll back');
        })
        .catch(() => {});
      expect(await desktops().get(id)).toBeNull();
    });
  });
}
