import { FigaroError } from '@figaro/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HTTP_STATUS } from '../../src/api/errors.js';
import type { ApiHandlers } from '../../src/api/handlers.js';
import { ROUTE_SAMPLES, send } from './samples.js';
import {
  ADMIN_TOKEN,
  API_TOKEN,
  fakeHandlers,
  loginCookie,
  METRICS_TOKEN,
  startTestServer,
  TASK_ID,
  type TestServer,
} from './support.js';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('REST API', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('answers 401 unauthorized on every non-public route without credentials', async () => {
    const extra = [
      { method: 'GET', path: '/openapi.json' },
      { method: 'GET', path: '/auth/me' },
      { method: 'POST', path: '/auth/logout' },
      { method: 'GET', path: '/no-such-route' },
    ];
    for (const sample of [...ROUTE_SAMPLES.map((r) => r.sample), ...extra]) {
      const res = await send(server.url, sample);
      expect(res.status, `${sample.method} ${sample.path}`).toBe(401);
      expect(await res.json()).toEqual({ error: 'authentication required', code: 'unauthorized' });
    }
    expect(server.calls).toEqual([]);
  });

  it('refuses a bearer token it does not know, and a malformed Authorization header', async () => {
    for (const authorization of ['Bearer nope', 'Basic YWRtaW46eA==', 'Bearer']) {
      const res = await fetch(`${server.url}/api/v1/workers`, { headers: { authorization } });
      expect(res.status).toBe(401);
    }
  });

  it('keeps the health probes public', async () => {
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', bus: 'memory', store: 'pglite' });
    expect((await fetch(`${server.url}/api/ready`)).status).toBe(200);
  });

  it('serves every route with an admin bearer token', async () => {
    for (const { route, sample } of ROUTE_SAMPLES) {
      const res = await send(server.url, sample, bearer(ADMIN_TOKEN));
      expect(res.status, `${sample.method} ${sample.path}`).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const call = server.calls.at(-1);
      expect(call?.name).toBe(route.api);
      expect(call?.ctx).toMatchObject({
        transport: 'http',
        principal: { kind: 'token', tokenId: 't-admin' },
      });
    }
    expect(server.calls).toHaveLength(ROUTE_SAMPLES.length);
  });

  it('serves every route with the cookie of a login', async () => {
    const cookie = await loginCookie(server.url);
    for (const { route, sample } of ROUTE_SAMPLES) {
      const res = await send(server.url, sample, { cookie, origin: server.url });
      expect(res.status, `${sample.method} ${sample.path}`).toBe(200);
      expect(server.calls.at(-1)?.name).toBe(route.api);
      expect(server.calls.at(-1)?.ctx.principal).toEqual({ kind: 'user', userId: 'u1', username: 'admin' });
    }
  });

  it('builds requests from path, query and body, the path winning', async () => {
    const auth = bearer(API_TOKEN);
    await fetch(`${server.url}/api/v1/tasks?status=running&limit=5&worker_id=w1`, { headers: auth });
    expect(server.calls.at(-1)?.request).toEqual({ status: 'running', limit: 5, worker_id: 'w1' });

    await fetch(`${server.url}/api/v1/tasks/${TASK_ID}`, { headers: auth });
    expect(server.calls.at(-1)?.request).toEqual({ task_id: TASK_ID, include_messages: true });
    await fetch(`${server.url}/api/v1/tasks/${TASK_ID}?include_messages=false`, { headers: auth });
    expect(server.calls.at(-1)?.request).toEqual({ task_id: TASK_ID, include_messages: false });

    await fetch(`${server.url}/api/v1/tasks/search?q=login&offset=10`, { headers: auth });
    expect(server.calls.at(-1)?.request).toMatchObject({ q: 'login', offset: 10, limit: 20 });

    await fetch(`${server.url}/api/v1/desktops/d1`, {
      method: 'PATCH',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ worker_id: 'other', new_worker_id: 'd2' }),
    });
    expect(server.calls.at(-1)?.request).toMatchObject({ worker_id: 'd1', new_worker_id: 'd2' });

    await fetch(`${server.url}/api/v1/help-requests/h1/respond`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ answers: { q: 'a' } }),
    });
    expect(server.calls.at(-1)?.request).toEqual({ request_id: 'h1', answers: { q: 'a' }, source: 'api' });
  });

  it('answers malformed JSON with 400 invalid_request', async () => {
    const res = await fetch(`${server.url}/api/v1/tasks`, {
      method: 'POST',
      headers: { ...bearer(API_TOKEN), 'content-type': 'application/json' },
      body: '{"prompt": "x",',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'request body is not valid JSON', code: 'invalid_request' });
    const array = await fetch(`${server.url}/api/v1/tasks`, {
      method: 'POST',
      headers: { ...bearer(API_TOKEN), 'content-type': 'application/json' },
      body: '[1]',
    });
    expect(array.status).toBe(400);
    expect(server.calls).toEqual([]);
  });

  it('answers a bad field with 400 naming the field', async () => {
    const cases: Array<[string, RequestInit, string]> = [
      ['/tasks', { method: 'POST', body: JSON.stringify({ prompt: '' }) }, 'prompt'],
      [
        '/tasks',
        { method: 'POST', body: JSON.stringify({ prompt: 'x', options: { target: 'robot' } }) },
        'options.target',
      ],
      ['/tasks?limit=many', {}, 'limit'],
      ['/tasks?limit=0', {}, 'limit'],
      ['/tasks/not-a-uuid', {}, 'task_id'],
      [
        '/desktops',
        { method: 'POST', body: JSON.stringify({ worker_id: 'd1', novnc_url: 'http://x' }) },
        'novnc_url',
      ],
    ];
    for (const [path, init, field] of cases) {
      const res = await fetch(`${server.url}/api/v1${path}`, {
        ...init,
        headers: { ...bearer(API_TOKEN), 'content-type': 'application/json' },
      });
      expect(res.status, path).toBe(400);
      const body = (await res.json()) as { error: string; code: string };
      expect(body.code).toBe('invalid_request');
      expect(body.error).toContain(`${field}:`);
    }
    expect(server.calls).toEqual([]);
  });

  it('refuses a body over the size limit with 413', async () => {
    const res = await fetch(`${server.url}/api/v1/tasks`, {
      method: 'POST',
      headers: bearer(API_TOKEN),
      body: JSON.stringify({ prompt: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'invalid_request' });
  });

  it('closes the connection after a response that left the body unread (found by the fuzz)', async () => {
    // A 413, or a route that takes no body: the rest of the body must not become the next request.
    const auth = bearer(API_TOKEN);
    const cases: Array<[string, string, string, string]> = [
      ['POST', '/tasks', JSON.stringify({ prompt: 'x'.repeat(1_200_000) }), 'application/json'],
      ['POST', `/tasks/${TASK_ID}/stop`, 'x'.repeat(500_000), 'text/plain'],
      ['POST', '/tasks/not-a-uuid/stop', 'x'.repeat(300_000), 'text/plain'],
      ['DELETE', '/tokens/t1', 'x'.repeat(300_000), 'application/json'],
    ];
    const errors: string[] = [];
    for (let round = 0; round < 3; round++) {
      for (const [method, path, body, type] of cases) {
        try {
          const res = await fetch(`${server.url}/api/v1${path}`, {
            method,
            headers: { ...auth, 'content-type': type },
            body,
          });
          await res.text();
          expect((await fetch(`${server.url}/api/v1/workers`, { headers: auth })).status).toBe(200);
        } catch (err) {
          errors.push(`${method} ${path}: ${String((err as { cause?: unknown }).cause ?? err)}`);
        }
      }
    }
    expect(errors).toEqual([]);
  });

  it('passes the Idempotency-Key header of a task creation to the handler', async () => {
    const res = await fetch(`${server.url}/api/v1/tasks`, {
      method: 'POST',
      headers: { ...bearer(API_TOKEN), 'idempotency-key': 'order-42', 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'once' }),
    });
    expect(res.status).toBe(200);
    expect(server.calls.at(-1)?.ctx.idempotencyKey).toBe('order-42');

    await fetch(`${server.url}/api/v1/tasks`, {
      method: 'POST',
      headers: { ...bearer(API_TOKEN), 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'twice' }),
    });
    expect(server.calls.at(-1)?.ctx).not.toHaveProperty('idempotencyKey');

    const bad = await fetch(`${server.url}/api/v1/tasks`, {
      method: 'POST',
      headers: {
        ...bearer(API_TOKEN),
        'idempotency-key': 'x'.repeat(201),
        'content-type': 'application/json',
      },
      body: JSON.stringify({ prompt: 'x' }),
    });
    expect(bad.status).toBe(400);
  });

  it('keeps token routes to users and admin tokens', async () => {
    for (const sample of ROUTE_SAMPLES.filter((r) => r.route.path.startsWith('/tokens')).map(
      (r) => r.sample,
    )) {
      const res = await send(server.url, sample, bearer(API_TOKEN));
      expect(res.status, `${sample.method} ${sample.path}`).toBe(403);
      expect(await res.json()).toMatchObject({ code: 'forbidden' });
    }
    expect(server.calls).toEqual([]);
  });

  it('refuses the API to a token without the api scope (a metrics token)', async () => {
    for (const { sample } of ROUTE_SAMPLES) {
      const res = await send(server.url, sample, bearer(METRICS_TOKEN));
      expect(res.status, `${sample.method} ${sample.path}`).toBe(403);
    }
    expect(server.calls).toEqual([]);
  });
});

describe('REST errors', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const workersThrowing = (err: unknown): ApiHandlers => ({
    ...fakeHandlers(),
    workers: async () => {
      throw err;
    },
  });

  it('maps every error code to its HTTP status with an {error, code} body', async () => {
    for (const [code, status] of Object.entries(HTTP_STATUS)) {
      server = await startTestServer({
        handlers: workersThrowing(new FigaroError(code as keyof typeof HTTP_STATUS, `it went ${code}`)),
      });
      const res = await fetch(`${server.url}/api/v1/workers`, { headers: bearer(API_TOKEN) });
      expect(res.status, code).toBe(status);
      // An internal error's own text stays in the log.
      const text = code === 'internal' ? 'internal error' : `it went ${code}`;
      expect(await res.json()).toEqual({ error: text, code });
      await server.close();
      server = undefined;
    }
  });

  it('hides the message of an unknown error and logs it', async () => {
    server = await startTestServer({ handlers: workersThrowing(new Error('password=hunter2 leaked')) });
    const res = await fetch(`${server.url}/api/v1/workers`, { headers: bearer(API_TOKEN) });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'internal error', code: 'internal' });
    expect(
      server.logger.lines.some((line) => line.level === 'error' && JSON.stringify(line).includes('hunter2')),
    ).toBe(true);
  });

  it('answers 503 "not implemented" for a route without a handler', async () => {
    const { workers: _workers, ...rest } = fakeHandlers();
    server = await startTestServer({ handlers: rest });
    const res = await fetch(`${server.url}/api/v1/workers`, { headers: bearer(API_TOKEN) });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: 'not implemented: figaro.api.workers', code: 'unavailable' });
  });

  it('answers 500 when a handler replies outside its schema, and never forwards the reply', async () => {
    const handlers: ApiHandlers = {
      ...fakeHandlers(),
      // A handler bug: a stored password instead of the mask.
      workers: async () => JSON.parse('{"workers":[{"id":"w1","vnc_password":"s3cret"}]}'),
    };
    server = await startTestServer({ handlers });
    const res = await fetch(`${server.url}/api/v1/workers`, { headers: bearer(API_TOKEN) });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain('s3cret');
    expect(JSON.stringify(server.logger.lines)).not.toContain('s3cret');
  });
});
