import type { Store } from '@figaro/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REST_PREFIX } from '../src/index.js';
import { type Backend, embeddedBackend, fleetBackend } from './support/harness.js';
import { type ServerFixture, startServerFixture } from './support/server-fixture.js';

const TOKEN = 'fgr_http_test_token_0123456789abcd';

/** REST behaviours of a whole server that need its store: idempotency, sources, /metrics, /api/ready. */
function httpContract(backend: Backend): void {
  describe(`HTTP on ${backend.name}`, () => {
    let fixture: ServerFixture;
    let store: Store;
    let url: string;

    beforeAll(async () => {
      fixture = await startServerFixture(backend, { credentials: { apiToken: TOKEN } });
      ({ store } = fixture);
      url = fixture.server.http.url;
    });
    afterAll(() => fixture?.close());

    const post = (path: string, body: unknown, headers: Record<string, string> = {}, token = TOKEN) =>
      fetch(`${url}${REST_PREFIX}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const taskCount = async () => {
      const res = await fetch(`${url}${REST_PREFIX}/tasks?limit=500`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      return ((await res.json()) as { tasks: unknown[] }).tasks.length;
    };

    it('creates one task for 50 concurrent requests with one Idempotency-Key, all with the same reply (defect 5)', async () => {
      const before = await taskCount();
      const body = { prompt: 'exactly once', options: { target: 'worker' } };
      const replies = await Promise.all(
        Array.from({ length: 50 }, () => post('/tasks', body, { 'idempotency-key': 'order-4711' })),
      );
      expect(replies.map((res) => res.status)).toEqual(Array(50).fill(200));
      const tasks = (await Promise.all(replies.map((res) => res.json()))) as Array<{ task_id: string }>;
      expect(new Set(tasks.map((task) => task.task_id)).size).toBe(1);
      expect(new Set(tasks.map((task) => JSON.stringify(task))).size).toBe(1);
      expect(await taskCount()).toBe(before + 1);

      // A later repeat answers the same task; another key is another task; the key with other content conflicts.
      const again = (await (await post('/tasks', body, { 'idempotency-key': 'order-4711' })).json()) as {
        task_id: string;
      };
      expect(again.task_id).toBe(tasks[0]?.task_id);
      expect((await post('/tasks', body, { 'idempotency-key': 'order-4712' })).status).toBe(200);
      const changed = await post('/tasks', { prompt: 'something else' }, { 'idempotency-key': 'order-4711' });
      expect(changed.status).toBe(409);
      expect(await taskCount()).toBe(before + 2);
    });

    it('gives REST tasks the source api whatever the body says (defect 9)', async () => {
      const res = await post('/tasks', {
        prompt: 'spoof',
        source: 'telegram',
        source_metadata: { chat_id: 7 },
      });
      expect(res.status).toBe(200);
      const task = (await res.json()) as { task_id: string; source: string };
      expect(task.source).toBe('api');
      expect((await store.tasks.get(task.task_id))?.source).toBe('api');
    });

    it('serves /metrics in the Prometheus text format to a metrics token only (defect 9)', async () => {
      const created = await post('/tokens', { name: 'prometheus', scopes: ['metrics'] });
      const { token: metricsToken } = (await created.json()) as { token: string };
      const apiOnly = await post('/tokens', { name: 'api-only', scopes: ['api'] });
      const { token: apiToken } = (await apiOnly.json()) as { token: string };
      const scrape = (token?: string) =>
        fetch(`${url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

      expect((await scrape()).status).toBe(401);
      expect((await scrape(apiToken)).status).toBe(403);
      const res = await scrape(metricsToken);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      expect(text).toMatch(/^# HELP figaro_tasks /m);
      expect(text).toMatch(/^figaro_tasks\{status="pending"\} [1-9]\d*$/m);
      expect(text).toMatch(/^figaro_queue_depth [1-9]\d*$/m);
      expect(text).toMatch(/^figaro_agents_connected\{kind="worker"\} 0$/m);
      expect(text).toMatch(/^figaro_http_requests_total\{code="2xx"\} [1-9]\d*$/m);
      expect(text).toMatch(/^figaro_http_requests_total\{code="4xx"\} [1-9]\d*$/m);
      expect(text).toMatch(/^figaro_process_resident_memory_bytes [1-9]\d*$/m);
      // Every sample line is `name{labels} number`.
      for (const line of text
        .trim()
        .split('\n')
        .filter((l) => !l.startsWith('#'))) {
        expect(line).toMatch(/^[a-z_]+(\{[a-z_]+="[^"]*"\})? \d+(\.\d+)?$/);
      }
    });

    it('is ready when the store and the bus answer', async () => {
      const res = await fetch(`${url}/api/ready`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ready: true });
      const health = await fetch(`${url}/api/health`);
      expect(await health.json()).toMatchObject({ status: 'ok' });
    });
  });
}

httpContract(embeddedBackend());
httpContract(fleetBackend());
