import { randomUUID } from 'node:crypto';
import { Api, Events } from '@figaro/protocol';
import type { Store } from '@figaro/store';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { z } from 'zod';
import { API_NAMES } from '../../src/api/bus-server.js';
import {
  bootstrapCredentials,
  type OrchestratorServer,
  REST_PREFIX,
  REST_ROUTES,
  startOrchestratorServer,
} from '../../src/index.js';
import { FakeAgent } from '../../src/testing.js';
import { type Backend, eventually, type Resources, testConfig } from './harness.js';
import { recordingLogger } from './recording-logger.js';

const TOKEN = 'fgr_test_token_0123456789abcdef';
const PASSWORD = 'Vnc-S3cret-Pa55';

/** Acceptance behaviours of a whole orchestrator server (bus + REST + WebSocket), on one backend. */
export function serverContract(backend: Backend): void {
  describe(`Orchestrator server on ${backend.name}`, () => {
    let resources: Resources | undefined;
    let store: Store | undefined;
    let server: OrchestratorServer | undefined;
    const agents: FakeAgent[] = [];
    const log = recordingLogger();

    beforeAll(() => backend.beforeAll());
    afterAll(() => backend.afterAll());
    afterEach(async () => {
      for (const agent of agents.splice(0)) await agent.stop();
      await server?.stop();
      await store?.close();
      await resources?.cleanup();
      server = undefined;
      store = undefined;
      resources = undefined;
    });

    async function start(): Promise<{ server: OrchestratorServer; url: string }> {
      if (!resources) {
        resources = await backend.resources();
        store = await resources.makeStore();
        await bootstrapCredentials(store, {
          apiToken: TOKEN,
          adminPassword: 'admin-password-1',
          logger: log.logger,
        });
      }
      if (!store) throw new Error('no store');
      server = await startOrchestratorServer({
        bus: resources.orchestratorBus,
        store,
        logger: log.logger,
        host: '127.0.0.1',
        port: 0,
        config: testConfig,
      });
      return { server, url: server.http.url };
    }

    async function restart(): Promise<string> {
      await server?.stop();
      await store?.close();
      store = await resources?.makeStore();
      return (await start()).url;
    }

    const rest = (url: string, method: string, path: string, body?: unknown, token: string | null = TOKEN) =>
      fetch(`${url}${REST_PREFIX}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });

    async function runningTask(agentBus: Resources['agentBus'], workerId: string) {
      const worker = new FakeAgent({ bus: agentBus, id: workerId });
      agents.push(worker);
      await worker.start();
      worker.startHeartbeats(300);
      const task = await agentBus.request(Api.tasksCreate, {
        prompt: 'book a table',
        options: { target: 'worker' },
      });
      await worker.nextAssignment();
      await worker.message(task.task_id, 'looking');
      return { worker, taskId: task.task_id };
    }

    async function responseInbox(agentBus: Resources['agentBus'], requestId: string) {
      const received: unknown[] = [];
      const waiters: Array<() => void> = [];
      await agentBus.subscribe(Events.helpResponse.at(requestId).subject, async (msg) => {
        received.push(msg.json());
        for (const wake of waiters.splice(0)) wake();
      });
      return {
        next: async (timeoutMs = 8_000) => {
          if (received.length === 0) {
            await new Promise<void>((resolve, reject) => {
              const timer = setTimeout(() => reject(new Error('no help response')), timeoutMs);
              waiters.push(() => {
                clearTimeout(timer);
                resolve();
              });
            });
          }
          return received.shift();
        },
      };
    }

    const question = (taskId: string, workerId: string, timeout_seconds: number) => ({
      request_id: `help-${randomUUID().slice(0, 8)}`,
      worker_id: workerId,
      task_id: taskId,
      questions: [{ question: 'Which seat?', header: 'Seat', options: [], multiSelect: false }],
      timeout_seconds,
    });

    it('delivers an answer given over REST to the agent; a second answer gets success false', async () => {
      const { url } = await start();
      const bus = resources?.agentBus;
      if (!bus) throw new Error('no bus');
      const { taskId } = await runningTask(bus, 'w-rest-help');
      const ask = question(taskId, 'w-rest-help', 300);
      const inbox = await responseInbox(bus, ask.request_id);
      await bus.request(Api.helpRequest, ask);

      const first = await rest(url, 'POST', `/help-requests/${ask.request_id}/respond`, {
        answers: { 'Which seat?': 'aisle' },
      });
      expect(first.status).toBe(200);
      expect(await first.json()).toEqual({ success: true, request_id: ask.request_id });
      expect(await inbox.next()).toMatchObject({
        request_id: ask.request_id,
        answers: { 'Which seat?': 'aisle' },
      });
      const second = await rest(url, 'POST', `/help-requests/${ask.request_id}/respond`, {
        answers: { 'Which seat?': 'window' },
      });
      expect(await second.json()).toEqual({ success: false, request_id: ask.request_id });
    });

    it('times out an unanswered help request, also across an orchestrator restart', async () => {
      await start();
      const bus = resources?.agentBus;
      if (!bus) throw new Error('no bus');
      const { taskId } = await runningTask(bus, 'w-timeout');
      const ask = question(taskId, 'w-timeout', 2);
      const inbox = await responseInbox(bus, ask.request_id);
      await bus.request(Api.helpRequest, ask);
      await restart();
      expect(await inbox.next()).toMatchObject({
        request_id: ask.request_id,
        answers: null,
        error: 'timeout',
      });
      expect((await store?.helpRequests.get(ask.request_id))?.status).toBe('timeout');
    });

    it('answers 401 on every REST route but health and login without credentials, and refuses an unauthenticated WebSocket', async () => {
      const { url } = await start();
      for (const route of REST_ROUTES) {
        const path = route.path.replace(/:[a-z_]+/g, randomUUID());
        const response = await rest(
          url,
          route.method.toUpperCase(),
          path,
          route.from === 'body' ? {} : undefined,
          null,
        );
        expect(response.status, `${route.method} ${route.path}`).toBe(401);
        expect(await response.json()).toMatchObject({ code: 'unauthorized' });
      }
      expect((await fetch(`${url}/api/health`)).status).toBe(200);
      const login = await fetch(`${url}${REST_PREFIX}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ password: 'wrong-password' }),
      });
      expect(login.status).toBe(401);
      const refused = await new Promise<number>((resolve) => {
        const socket = new WebSocket(`${url.replace('http', 'ws')}/api/ws`);
        socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        socket.on('open', () => resolve(101));
        socket.on('error', () => {});
      });
      expect(refused).toBe(401);
    });

    it('never shows a stored desktop password in replies, broadcasts or log lines', async () => {
      const { url } = await start();
      const bus = resources?.agentBus;
      if (!bus) throw new Error('no bus');
      const seen: string[] = [];
      await bus.subscribe('figaro.broadcast.>', async (msg) => {
        seen.push(new TextDecoder().decode(msg.data));
      });
      const created = await rest(url, 'POST', '/desktops', {
        worker_id: 'desk-secret',
        novnc_url: 'vnc://127.0.0.1:5999',
        vnc_username: 'ann',
        vnc_password: PASSWORD,
      });
      seen.push(await created.text());
      expect(created.status).toBe(200);
      await rest(url, 'PATCH', '/desktops/desk-secret', {
        novnc_url: 'vnc://127.0.0.1:5999',
        vnc_password: '***',
      }).then(async (r) => seen.push(await r.text()));
      for (const path of ['/workers', '/desktops', '/supervisors'])
        seen.push(await (await rest(url, 'GET', path)).text());
      seen.push(JSON.stringify(await bus.request(Api.workers, {})));
      await eventually(
        async () => seen.filter((text) => text.includes('desk-secret')).length,
        (count) => count >= 4,
      );
      const workers = (await (await rest(url, 'GET', '/workers')).json()) as { workers: unknown[] };
      expect(workers.workers).toContainEqual(
        expect.objectContaining({ id: 'desk-secret', vnc_password: '***' }),
      );
      for (const text of [...seen, ...log.lines]) expect(text).not.toContain(PASSWORD);
      const sealed = await store?.db.query('SELECT vnc_password_sealed FROM desktops WHERE id = $1', [
        'desk-secret',
      ]);
      expect(JSON.stringify(sealed)).not.toContain(PASSWORD);
    });

    it('answers a malformed request on every API subject with invalid_request naming the field', async () => {
      await start();
      const bus = resources?.agentBus;
      if (!bus) throw new Error('no bus');
      for (const name of API_NAMES) {
        const entry = Api[name];
        const shape = 'shape' in entry.request ? (entry.request.shape as Record<string, z.ZodType>) : {};
        const field = Object.keys(shape)[0] ?? 'x';
        const bad = badValueFor(entry.request, field);
        await expect(
          bus.request({ ...entry, request: z.unknown() }, bad),
          `${entry.subject} with ${JSON.stringify(bad)}`,
        ).rejects.toMatchObject({
          code: 'invalid_request',
          message: expect.stringContaining(typeof bad === 'object' ? field : '(root)'),
        });
      }
      const ok = await bus.request(Api.tasksList, {});
      expect(ok.tasks).toEqual([]);
    });
  });
}

/** A payload whose `field` has a value of the wrong type (or, for schemas without fields, not an object). */
function badValueFor(schema: z.ZodType, field: string): unknown {
  for (const value of [{ wrong: true }, 12345, 'not-valid', [1, 2]]) {
    const payload = { [field]: value };
    if (!schema.safeParse(payload).success) return payload;
  }
  return 'not an object';
}
