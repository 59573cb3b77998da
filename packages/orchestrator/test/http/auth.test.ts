import { silentLogger } from '@figaro/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpApp } from '../../src/http/app.js';
import { isPublicRoute } from '../../src/http/auth.js';
import { startHttpServer } from '../../src/http/server.js';
import {
  ADMIN_TOKEN,
  fakeHandlers,
  loginCookie,
  PASSWORD,
  startTestServer,
  type TestServer,
} from './support.js';

const login = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('auth', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('signs in as admin by default and sets a strict HttpOnly session cookie', async () => {
    const res = await login(server.url, { password: PASSWORD });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', username: 'admin' });
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^figaro_session=sess-[0-9a-f-]+;/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/');
    expect(cookie).toContain('Expires=');
    expect(cookie).not.toContain('Secure');
  });

  it('marks the cookie Secure behind a trusted https proxy', async () => {
    await server.close();
    server = await startTestServer({ app: { trustProxy: true } });
    const res = await login(server.url, { password: PASSWORD }, { 'x-forwarded-proto': 'https' });
    expect(res.headers.get('set-cookie')).toContain('Secure');
  });

  it('refuses a wrong password and an invalid login body', async () => {
    const wrong = await login(server.url, { username: 'admin', password: 'nope' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ code: 'unauthorized' });
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const missing = await login(server.url, { username: 'admin' });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: string }).error).toContain('password:');
  });

  it('limits failed logins per client and lets them in again after the window', async () => {
    for (let i = 0; i < 10; i++) {
      expect((await login(server.url, { password: `guess-${i}` })).status).toBe(401);
    }
    const limited = await login(server.url, { password: PASSWORD });
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({ error: 'too many failed logins, try again later', code: 'busy' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(server.auth.logins).toBe(10);

    server.clock.advance(60_001);
    expect((await login(server.url, { password: PASSWORD })).status).toBe(200);
  });

  it('counts attempts that run in parallel', async () => {
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) => login(server.url, { password: `guess-${i}` })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
  });

  it('does not count successful logins against the limit', async () => {
    for (let i = 0; i < 15; i++) expect((await login(server.url, { password: PASSWORD })).status).toBe(200);
  });

  it('tells who is signed in, and logout ends the session', async () => {
    const cookie = await loginCookie(server.url);
    const me = await fetch(`${server.url}/api/v1/auth/me`, { headers: { cookie } });
    expect(await me.json()).toEqual({ kind: 'user', user_id: 'u1', username: 'admin' });
    const byToken = await fetch(`${server.url}/api/v1/auth/me`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(await byToken.json()).toEqual({ kind: 'token', token_id: 't-admin', scopes: ['admin'] });

    const out = await fetch(`${server.url}/api/v1/auth/logout`, {
      method: 'POST',
      headers: { cookie, origin: server.url },
    });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/^figaro_session=;.*Max-Age=0/);
    expect(server.auth.sessions.size).toBe(0);
    expect((await fetch(`${server.url}/api/v1/auth/me`, { headers: { cookie } })).status).toBe(401);
  });

  it('lets a bad Authorization header decide even when a good cookie comes along', async () => {
    const cookie = await loginCookie(server.url);
    const res = await fetch(`${server.url}/api/v1/workers`, {
      headers: { cookie, authorization: 'Bearer wrong' },
    });
    expect(res.status).toBe(401);
  });

  it('does not accept a query token on REST routes', async () => {
    const res = await fetch(`${server.url}/api/v1/workers?token=${ADMIN_TOKEN}`);
    expect(res.status).toBe(401);
  });

  it('never writes passwords, tokens or session ids to the log', async () => {
    const cookie = await loginCookie(server.url);
    await login(server.url, { password: 'wrong-guess-xyz' });
    await fetch(`${server.url}/api/v1/workers`, { headers: { cookie } });
    await fetch(`${server.url}/api/v1/tasks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      body: '{bad json',
    });
    await fetch(`${server.url}/api/v1/nope`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const sessionId = cookie.split('=')[1] ?? '';
    const logged = JSON.stringify(server.logger.lines);
    for (const secret of [PASSWORD, 'wrong-guess-xyz', ADMIN_TOKEN, sessionId])
      expect(logged).not.toContain(secret);
  });
});

describe('public routes', () => {
  it('are exactly the dashboard shell, login and health', () => {
    expect(isPublicRoute('GET', '/')).toBe(true);
    expect(isPublicRoute('GET', '/assets/app.js')).toBe(true);
    expect(isPublicRoute('GET', '/login')).toBe(true);
    expect(isPublicRoute('POST', '/api/v1/auth/login')).toBe(true);
    expect(isPublicRoute('GET', '/api/health')).toBe(true);
    expect(isPublicRoute('GET', '/api/ready')).toBe(true);
    expect(isPublicRoute('POST', '/api/health')).toBe(false);
    expect(isPublicRoute('GET', '/api/v1/auth/login')).toBe(false);
    expect(isPublicRoute('GET', '/api/ws')).toBe(false);
    expect(isPublicRoute('GET', '/api/v1/openapi.json')).toBe(false);
    expect(isPublicRoute('DELETE', '/assets/app.js')).toBe(false);
  });
});

describe('createHttpApp', () => {
  it('serves only the health probes when given no API and no auth', async () => {
    const app = createHttpApp({
      health: async () => ({ status: 'degraded', bus: 'nats', store: 'postgres' }),
      logger: silentLogger,
    });
    const server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
    try {
      expect((await fetch(`${server.url}/api/health`)).status).toBe(503);
      expect(await (await fetch(`${server.url}/api/ready`)).json()).toEqual({ ready: false });
      const res = await fetch(`${server.url}/api/v1/workers`);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: 'not_found' });
    } finally {
      await server.close();
    }
  });

  it('refuses to serve the API without an AuthService', () => {
    expect(() =>
      createHttpApp({
        health: async () => ({ status: 'ok', bus: 'memory', store: 'pglite' }),
        logger: silentLogger,
        handlers: fakeHandlers(),
      }),
    ).toThrow(/AuthService/);
  });
});
