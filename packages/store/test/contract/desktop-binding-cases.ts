import { describe, expect, it } from 'vitest';
import { SecretDecryptError } from '../../src/index.js';
import { type ContractTarget, newAgentId } from './target.js';

const newDesktopId = (): string => `d-${newAgentId().slice(2)}`;

/**
 * Sealed desktop credentials are bound to the whole normalised endpoint (scheme, user, host, port,
 * path, query; for VNC also `vnc_username`), so a stored password cannot be replayed to another
 * WebSocket path, query or SSH user; rows sealed under the first binding (scheme, host, port) still open.
 */
export function describeDesktopBindingCases(target: ContractTarget): void {
  const store = () => target.store();
  const desktops = () => store().desktops;

  describe('DesktopsRepo credential binding', () => {
    it('clears credentials when the path, query or user of their endpoint changes, unless new ones come', async () => {
      const id = newDesktopId();
      const original = {
        id,
        vnc_url: 'wss://gw.example/websockify?token=a&tls=1',
        vnc_password: 'vnc-pw-1',
        ssh_url: 'ssh://ops@desk.example',
        ssh_secret: 'ssh-pw-1',
        source: 'api',
      } as const;
      await desktops().upsert(original);

      // The same endpoint written differently keeps them.
      const same = await desktops().upsert({
        id,
        vnc_url: 'WSS://GW.example:443/websockify?tls=1&token=a',
        ssh_url: 'ssh://ops@DESK.example:22',
        source: 'api',
      });
      expect(same.cleared).toEqual([]);
      expect(await desktops().credentials(id)).toMatchObject({
        vnc_password: 'vnc-pw-1',
        ssh_secret: 'ssh-pw-1',
      });

      for (const moved of [
        'wss://gw.example/other-desktop?token=a&tls=1',
        'wss://gw.example/websockify?token=b&tls=1',
        'wss://gw.example/websockify?token=a',
        'wss://eve@gw.example/websockify?token=a&tls=1',
      ]) {
        await desktops().upsert(original);
        const result = await desktops().upsert({ id, vnc_url: moved, vnc_password: '***', source: 'api' });
        expect(result.cleared, moved).toContain('vnc_password');
        expect(await desktops().credentials(id)).toMatchObject({
          vnc_password: null,
          ssh_secret: 'ssh-pw-1',
        });
      }

      await desktops().upsert(original);
      const otherUser = await desktops().upsert({ id, ssh_url: 'ssh://root@desk.example', source: 'api' });
      expect(otherUser.cleared).toEqual(['ssh_secret']);
      const replaced = await desktops().upsert({
        id,
        ssh_url: 'ssh://root@desk.example',
        ssh_secret: 'root-pw',
        source: 'api',
      });
      expect(replaced.cleared).toEqual([]);
      expect(await desktops().credentials(id)).toMatchObject({ ssh_secret: 'root-pw' });
    });

    it('clears the VNC password when the VNC user name changes without a new password', async () => {
      const id = newDesktopId();
      await desktops().upsert({
        id,
        vnc_url: 'vnc://desk.example',
        vnc_username: 'alice',
        vnc_password: 'alice-pw',
        source: 'api',
      });
      const result = await desktops().upsert({ id, vnc_username: 'mallory', source: 'api' });
      expect(result.cleared).toEqual(['vnc_password']);
      expect(await desktops().credentials(id)).toMatchObject({ vnc_username: 'mallory', vnc_password: null });
      await desktops().upsert({ id, vnc_username: 'bob', vnc_password: 'bob-pw', source: 'api' });
      expect(await desktops().credentials(id)).toMatchObject({ vnc_username: 'bob', vnc_password: 'bob-pw' });
    });

    it('refuses to open credentials whose path, query or user was changed behind its back', async () => {
      for (const [column, from, to] of [
        ['vnc_url', 'ws://gw.example/websockify?token=a', 'ws://gw.example/evil?token=a'],
        ['vnc_url', 'vnc://desk.example:5900?tls=1', 'vnc://desk.example:5900'],
        ['ssh_url', 'ssh://ops@desk.example', 'ssh://root@desk.example'],
      ] as const) {
        const id = newDesktopId();
        const secret = column === 'vnc_url' ? 'vnc_password' : 'ssh_secret';
        await desktops().upsert({ id, [column]: from, [secret]: 'bound-Pw-7', source: 'api' });
        await store().db.query(`UPDATE desktops SET ${column} = $2 WHERE id = $1`, [id, to]);
        const failure = await desktops()
          .credentials(id)
          .catch((error: unknown) => error);
        expect(failure, `${from} → ${to}`).toBeInstanceOf(SecretDecryptError);
        expect(String(failure)).not.toContain('bound-Pw-7');
      }
    });

    it('still opens a secret sealed under the first binding (scheme, host, port) and reseals it', async () => {
      const id = newDesktopId();
      await desktops().upsert({ id, vnc_url: 'ws://gw.example/websockify?token=a', source: 'api' });
      // As the first release sealed it: the context named only scheme, host and port.
      const legacy = target.secrets.seal('legacy-Pw-3', 'desktop/vnc_password/ws://gw.example:80');
      await store().db.query('UPDATE desktops SET vnc_password_sealed = $2 WHERE id = $1', [id, legacy]);
      expect(await desktops().credentials(id)).toMatchObject({ vnc_password: 'legacy-Pw-3' });
      // Read once, it is sealed again under the whole endpoint, and so bound to the path from now on.
      const [row] = await store().db.query('SELECT vnc_password_sealed FROM desktops WHERE id = $1', [id]);
      expect(row?.vnc_password_sealed).not.toBe(legacy);
      expect(await desktops().credentials(id)).toMatchObject({ vnc_password: 'legacy-Pw-3' });
      await store().db.query("UPDATE desktops SET vnc_url = 'ws://gw.example/evil?token=a' WHERE id = $1", [
        id,
      ]);
      await expect(desktops().credentials(id)).rejects.toBeInstanceOf(SecretDecryptError);
    });

    it('reseals every secret still under the first binding at once', async () => {
      const id = newDesktopId();
      await desktops().upsert({ id, ssh_url: 'ssh://ops@legacy.example', source: 'api' });
      const legacy = target.secrets.seal('ssh-Legacy-4', 'desktop/ssh_secret/ssh://legacy.example:22');
      await store().db.query('UPDATE desktops SET ssh_secret_sealed = $2 WHERE id = $1', [id, legacy]);
      expect(await desktops().resealLegacyCredentials()).toBeGreaterThanOrEqual(1);
      const [row] = await store().db.query('SELECT ssh_secret_sealed FROM desktops WHERE id = $1', [id]);
      expect(String(row?.ssh_secret_sealed)).toMatch(/^b2:v1\./);
      expect(await desktops().credentials(id)).toMatchObject({ ssh_secret: 'ssh-Legacy-4' });
    });
  });
}
