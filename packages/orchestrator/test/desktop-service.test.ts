import { Api, Broadcasts, parseWith, type RequestOf } from '@figaro/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DesktopService } from '../src/desktops/desktop-service.js';
import { workersView } from '../src/registry/fleet-view.js';
import { BACKENDS, type Harness, listen, openHarness } from './service-harness.js';

const register = (input: RequestOf<typeof Api.desktopWorkersRegister>) =>
  parseWith(Api.desktopWorkersRegister.request, input, 'register request');
const update = (input: RequestOf<typeof Api.desktopWorkersUpdate>) =>
  parseWith(Api.desktopWorkersUpdate.request, input, 'update request');

for (const backend of BACKENDS) {
  describe(`DesktopService on ${backend.name}`, () => {
    let h: Harness;
    let desktops: DesktopService;
    const cleanups: Array<() => Promise<unknown>> = [];

    beforeAll(async () => {
      h = await openHarness(backend);
      desktops = new DesktopService(h.deps(), { afterCommit: h.afterCommit });
    });
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });
    afterAll(async () => {
      await h?.close();
    });

    /** Workers broadcasts from now on (what earlier commits left in the outbox is published first). */
    async function workersInbox() {
      await h.relay.kick();
      const box = await listen(h.bus, Broadcasts.workers);
      cleanups.push(() => box.close());
      return box;
    }

    it('seeds only the configured ids that are not stored yet', async () => {
      await desktops.register(register({ worker_id: 'seed-a', novnc_url: 'vnc://a.example:5900' }));

      const seeded = await desktops.seed([
        { id: 'seed-a', novnc_url: 'vnc://elsewhere.example:5900', vnc_password: 'not-this' },
        {
          id: 'seed-b',
          novnc_url: 'vnc://b.example:5901',
          vnc_password: 'pw-b',
          metadata: { os: 'windows' },
        },
      ]);

      expect(seeded).toEqual(['seed-b']);
      expect(await h.store.desktops.credentials('seed-a')).toMatchObject({
        vnc_url: 'vnc://a.example:5900',
        vnc_password: null,
      });
      expect(await h.store.desktops.credentials('seed-b')).toMatchObject({ vnc_password: 'pw-b' });
      expect((await h.store.desktops.get('seed-b'))?.os).toBe('windows');
      await expect(desktops.seed([{ id: 'seed-b', novnc_url: 'vnc://b.example:5901' }])).resolves.toEqual([]);
      await expect(
        desktops.seed([
          { id: 'seed-c', novnc_url: 'vnc://c.example' },
          { id: 'seed-c', novnc_url: 'vnc://c.example' },
        ]),
      ).rejects.toMatchObject({
        code: 'invalid_request',
        message: expect.stringContaining('duplicate id seed-c'),
      });
      expect(await h.store.desktops.get('seed-c')).toBeNull();
    });

    it('registers a desktop-only worker and never shows or logs its password', async () => {
      const workers = await workersInbox();
      const secret = 'hunter2-never-shown';

      await expect(
        desktops.register(
          register({
            worker_id: 'reg-a',
            novnc_url: 'vnc://reg-a.example:5900',
            vnc_username: 'alice',
            vnc_password: secret,
            metadata: { label: 'lab' },
          }),
        ),
      ).resolves.toEqual({ status: 'ok' });

      const broadcast = await workers.next((b) => b.workers.some((w) => w.id === 'reg-a'));
      expect(broadcast.workers.find((w) => w.id === 'reg-a')).toMatchObject({
        status: 'offline',
        novnc_url: 'vnc://reg-a.example:5900',
        vnc_username: 'alice',
        vnc_password: '***',
        agent_connected: false,
        metadata: { label: 'lab', os: 'linux' },
      });
      const view = await workersView(h.store);
      expect(view.workers.find((w) => w.id === 'reg-a')?.vnc_password).toBe('***');
      expect(await h.store.desktops.credentials('reg-a')).toMatchObject({ vnc_password: secret });
      expect(JSON.stringify([broadcast, view, h.logger.lines])).not.toContain(secret);
    });

    it('keeps the stored password when given "***", and drops it when the endpoint moves', async () => {
      await desktops.register(
        register({ worker_id: 'mask-a', novnc_url: 'vnc://mask-a.example:5900', vnc_password: 'kept-pw' }),
      );

      await desktops.register(
        register({
          worker_id: 'mask-a',
          novnc_url: 'vnc://mask-a.example:5900',
          vnc_password: '***',
          metadata: { x: 1 },
        }),
      );
      expect(await h.store.desktops.credentials('mask-a')).toMatchObject({ vnc_password: 'kept-pw' });
      await desktops.update(update({ worker_id: 'mask-a', vnc_password: '***' }));
      expect(await h.store.desktops.credentials('mask-a')).toMatchObject({ vnc_password: 'kept-pw' });
      expect((await h.store.desktops.get('mask-a'))?.metadata).toEqual({ x: 1 });

      await desktops.update(update({ worker_id: 'mask-a', novnc_url: 'vnc://other-host.example:5900' }));
      expect(await h.store.desktops.credentials('mask-a')).toMatchObject({
        vnc_url: 'vnc://other-host.example:5900',
        vnc_password: null,
      });
    });

    it('refuses to remove a desktop while an agent is connected to it', async () => {
      await desktops.register(register({ worker_id: 'rm-a', novnc_url: 'vnc://rm-a.example:5900' }));
      await h.store.agents.upsert({ kind: 'worker', worker_id: 'rm-a' });

      await expect(desktops.remove({ worker_id: 'rm-a' })).rejects.toMatchObject({ code: 'conflict' });
      expect(await h.store.desktops.get('rm-a')).not.toBeNull();

      await h.store.agents.disconnect('rm-a', 'deregistered');
      const workers = await workersInbox();
      await expect(desktops.remove({ worker_id: 'rm-a' })).resolves.toEqual({ status: 'ok' });
      expect(await h.store.desktops.get('rm-a')).toBeNull();
      expect(await h.store.agents.get('rm-a')).toBeNull();
      await workers.next((b) => !b.workers.some((w) => w.id === 'rm-a'));
      await expect(desktops.remove({ worker_id: 'rm-a' })).rejects.toMatchObject({ code: 'not_found' });
    });

    it('renames a desktop with its credentials, refusing taken ids and connected agents', async () => {
      await desktops.register(
        register({ worker_id: 'ren-a', novnc_url: 'vnc://ren-a.example:5900', vnc_password: 'ren-pw' }),
      );
      await desktops.register(register({ worker_id: 'ren-taken', novnc_url: 'vnc://taken.example:5900' }));
      const workers = await workersInbox();

      await desktops.update(update({ worker_id: 'ren-a', new_worker_id: 'ren-b' }));

      expect(await h.store.desktops.get('ren-a')).toBeNull();
      expect(await h.store.desktops.credentials('ren-b')).toMatchObject({
        vnc_url: 'vnc://ren-a.example:5900',
        vnc_password: 'ren-pw',
      });
      const renamed = await workers.next((b) => b.workers.some((w) => w.id === 'ren-b'));
      const ids = renamed.workers.map((w) => w.id);
      expect(ids).toContain('ren-b');
      expect(ids).not.toContain('ren-a');

      await expect(
        desktops.update(update({ worker_id: 'ren-b', new_worker_id: 'ren-taken' })),
      ).rejects.toMatchObject({
        code: 'conflict',
      });
      await h.store.agents.upsert({ kind: 'worker', worker_id: 'ren-b' });
      await expect(
        desktops.update(update({ worker_id: 'ren-b', new_worker_id: 'ren-c' })),
      ).rejects.toMatchObject({
        code: 'conflict',
      });
      await expect(
        desktops.update(update({ worker_id: 'ren-missing', novnc_url: 'vnc://x.example' })),
      ).rejects.toMatchObject({
        code: 'not_found',
      });
      await expect(
        desktops.register(
          register({ worker_id: 'ren-b', new_worker_id: 'ren-d', novnc_url: 'vnc://x.example' }),
        ),
      ).rejects.toMatchObject({ code: 'invalid_request' });
    });
  });
}
