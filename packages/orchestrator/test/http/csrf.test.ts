import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_TOKEN, loginCookie, PASSWORD, startTestServer, TASK_ID, type TestServer } from './support.js';

const EVIL = 'https://evil.example.net';
const ALLOWED = 'https://dash.example.com';

describe('cross-site writes (defect 6)', () => {
  let server: TestServer;
  let cookie: string;
  beforeEach(async () => {
    server = await startTestServer({ app: { allowedOrigins: [ALLOWED] } });
    cookie = await loginCookie(server.url);
  });
  afterEach(async () => {
    await server.close();
  });

  const post = (path: string, headers: Record<string, string>, body?: string, method = 'POST') =>
    fetch(`${server.url}/api/v1${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const created = () => server.calls.filter((call) => call.name === 'tasksCreate').length;

  it('refuses cookie writes with a text/plain or form body, from any origin', async () => {
    const simple: Record<string, string>[] = [
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'content-type': 'multipart/form-data; boundary=x' },
      {},
    ];
    for (const type of simple) {
      for (const origin of [EVIL, server.url]) {
        const res = await post('/tasks', { cookie, origin, ...type }, JSON.stringify({ prompt: 'pwned' }));
        expect(res.status, `${JSON.stringify(type)} from ${origin}`).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }
    }
    expect(created()).toBe(0);
  });

  it('refuses cookie writes from another origin, or that name none', async () => {
    const json = { 'content-type': 'application/json' };
    const body = JSON.stringify({ prompt: 'pwned' });
    for (const headers of [
      { cookie, origin: EVIL, ...json },
      { cookie, origin: 'null', ...json },
      { cookie, referer: `${EVIL}/page`, ...json },
      { cookie, ...json },
    ]) {
      const res = await post('/tasks', headers, body);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(await res.json()).toEqual({ error: 'cross-origin request refused', code: 'forbidden' });
    }
    expect((await post(`/tasks/${TASK_ID}/stop`, { cookie, origin: EVIL })).status).toBe(403);
    expect((await post('/tokens/t-old', { cookie, origin: EVIL }, undefined, 'DELETE')).status).toBe(403);
    expect(server.calls).toEqual([]);
  });

  it('accepts cookie writes from its own origin and allowed origins, and reads from anywhere', async () => {
    const json = { 'content-type': 'application/json; charset=utf-8' };
    const body = JSON.stringify({ prompt: 'mine' });
    expect((await post('/tasks', { cookie, origin: server.url, ...json }, body)).status).toBe(200);
    expect((await post('/tasks', { cookie, origin: ALLOWED, ...json }, body)).status).toBe(200);
    expect((await post('/tasks', { cookie, referer: `${server.url}/board`, ...json }, body)).status).toBe(
      200,
    );
    const read = await fetch(`${server.url}/api/v1/workers`, { headers: { cookie, origin: EVIL } });
    expect(read.status).toBe(200);
    expect(created()).toBe(2 + 1);
  });

  it('takes X-Forwarded-Host as its own host only behind a trusted proxy', async () => {
    const headers = {
      cookie,
      origin: 'https://figaro.example.org',
      'x-forwarded-host': 'figaro.example.org',
      'content-type': 'application/json',
    };
    const body = JSON.stringify({ prompt: 'via the proxy' });
    expect((await post('/tasks', headers, body)).status).toBe(403);
    const proxied = await startTestServer({ app: { trustProxy: true } });
    const proxiedCookie = await loginCookie(proxied.url);
    const res = await fetch(`${proxied.url}/api/v1/tasks`, {
      method: 'POST',
      headers: { ...headers, cookie: proxiedCookie },
      body,
    });
    expect(res.status).toBe(200);
    await proxied.close();
  });

  it('needs no Origin with a bearer token, but still a JSON body', async () => {
    const bearer = { authorization: `Bearer ${API_TOKEN}` };
    const body = JSON.stringify({ prompt: 'from a script' });
    expect((await post('/tasks', { ...bearer, 'content-type': 'application/json' }, body)).status).toBe(200);
    expect(
      (await post('/tasks', { ...bearer, origin: EVIL, 'content-type': 'application/json' }, body)).status,
    ).toBe(200);
    const plain = await post('/tasks', { ...bearer, 'content-type': 'text/plain' }, body);
    expect(plain.status).toBe(415);
    expect(await plain.json()).toEqual({
      error: 'request bodies must be sent as application/json',
      code: 'invalid_request',
    });
    expect(created()).toBe(2);
  });

  it('refuses a login posted from another origin or as a form', async () => {
    const login = (headers: Record<string, string>, body: string) =>
      fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers, body });
    const json = JSON.stringify({ password: PASSWORD });
    expect((await login({ origin: EVIL, 'content-type': 'application/json' }, json)).status).toBe(403);
    expect((await login({ 'content-type': 'text/plain' }, json)).status).toBe(415);
    expect((await login({ origin: server.url, 'content-type': 'application/json' }, json)).status).toBe(200);
  });
});
