import { type Clock, parseWith } from '@figaro/protocol';
import { getConnInfo } from '@hono/node-server/conninfo';
import { type Context, Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import type { Principal } from '../api/handlers.js';
import { type AuthService, type HttpEnv, SESSION_COOKIE } from './auth.js';
import { readJsonBody } from './json.js';
import { LoginLimiter } from './login-limiter.js';

/** `POST /api/v1/auth/login`. */
export const LoginRequest = z.object({
  username: z.string().min(1).max(100).default('admin'),
  password: z.string().min(1).max(1024),
});
/** The reply of a successful login; the session itself travels only in the cookie. */
export const LoginReply = z.object({ status: z.literal('ok'), username: z.string(), expires_at: z.string() });
/** `GET /api/v1/auth/me`. */
export const MeReply = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user'), user_id: z.string(), username: z.string() }),
  z.object({ kind: z.literal('token'), token_id: z.string(), scopes: z.array(z.string()) }),
  z.object({ kind: z.literal('bus') }),
]);

/** Options of the auth routes. */
export interface AuthRoutesOptions {
  auth: AuthService;
  clock: Clock;
  /** Failed logins allowed per client address and minute. Default 10. */
  maxLoginFailures?: number;
  /** Window of the login limit, in milliseconds. Default 60,000. */
  loginWindowMs?: number;
  /** Believe `X-Forwarded-For` / `X-Forwarded-Proto` (only behind a proxy that sets them). Default false. */
  trustProxy?: boolean;
}

/** The address a request came from, for the login limit. */
function clientAddress(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // Not served by @hono/node-server (app.request in a test): one shared bucket.
    return 'unknown';
  }
}

/** True when the client reached us over https (so the cookie gets `Secure`). */
function isHttps(c: Context, trustProxy: boolean): boolean {
  if (trustProxy && c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https') return true;
  return new URL(c.req.url).protocol === 'https:';
}

function describePrincipal(principal: Principal): z.infer<typeof MeReply> {
  switch (principal.kind) {
    case 'user':
      return { kind: 'user', user_id: principal.userId, username: principal.username };
    case 'token':
      return { kind: 'token', token_id: principal.tokenId, scopes: [...principal.scopes] };
    case 'bus':
      return { kind: 'bus' };
  }
}

/**
 * `POST /auth/login` (public, rate-limited per client address: over the limit → 429 `busy` with
 * `Retry-After`), `POST /auth/logout` and `GET /auth/me`, to be mounted under `/api/v1` behind
 * `requireAuth`.
 */
export function authRoutes(options: AuthRoutesOptions): Hono<HttpEnv> {
  const { auth, clock } = options;
  const trustProxy = options.trustProxy ?? false;
  const limiter = new LoginLimiter({
    clock,
    maxFailures: options.maxLoginFailures,
    windowMs: options.loginWindowMs,
  });
  const routes = new Hono<HttpEnv>();

  routes.post('/auth/login', async (c) => {
    const request = parseWith(LoginRequest, await readJsonBody(c), 'login request');
    const client = clientAddress(c, trustProxy);
    const gate = limiter.begin(client);
    if (!gate.allowed) {
      c.header('Retry-After', String(Math.ceil(gate.retryAfterMs / 1000)));
      return c.json({ error: 'too many failed logins, try again later', code: 'busy' }, 429);
    }
    const session = await auth.login(request.username, request.password);
    if (!session) return c.json({ error: 'wrong username or password', code: 'unauthorized' }, 401);
    limiter.forgive(client, gate.attempt);
    setCookie(c, SESSION_COOKIE, session.sessionId, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      secure: isHttps(c, trustProxy),
      expires: session.expiresAt,
    });
    return c.json({ status: 'ok', username: request.username, expires_at: session.expiresAt.toISOString() });
  });

  routes.post('/auth/logout', async (c) => {
    const sessionId = c.get('sessionId');
    if (sessionId) await auth.logout(sessionId);
    deleteCookie(c, SESSION_COOKIE, {
      path: '/',
      secure: isHttps(c, trustProxy),
      httpOnly: true,
      sameSite: 'Strict',
    });
    return c.json({ status: 'ok' });
  });

  routes.get('/auth/me', (c) => c.json(describePrincipal(c.get('principal'))));
  return routes;
}
