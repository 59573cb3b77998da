import type { MiddlewareHandler } from 'hono';
import { parse as parseCookies } from 'hono/utils/cookie';
import type { Principal } from '../api/handlers.js';

/** Name of the session cookie (HttpOnly, SameSite=Strict, Path=/, Secure over https). */
export const SESSION_COOKIE = 'figaro_session';

/** A new session: its id goes into the cookie and nowhere else (never into a log line). */
export interface LoginResult {
  sessionId: string;
  expiresAt: Date;
}

/**
 * Who may use the HTTP API, implemented by the core over the store (users, sessions and api_tokens hold
 * hashes only). Every method may throw when the store fails; the caller answers `internal`.
 */
export interface AuthService {
  /** Checks a password and opens a session; `null` when the user is unknown or the password wrong. */
  login(username: string, password: string): Promise<LoginResult | null>;
  /** The signed-in user of a live session; `null` when unknown or expired. */
  session(sessionId: string): Promise<Principal | null>;
  /** Ends a session; unknown ids are ignored. */
  logout(sessionId: string): Promise<void>;
  /** The holder of an API token (the bearer secret); `null` when unknown or revoked. */
  token(bearer: string): Promise<Principal | null>;
}

/** The credentials a request may carry. */
export interface Credentials {
  /** The `Authorization` header. When present it alone decides (a bad one is not rescued by a cookie). */
  authorization?: string | undefined;
  /** The `Cookie` header. */
  cookie?: string | undefined;
  /** A `?token=` query parameter (WebSocket clients that cannot set headers). */
  queryToken?: string | undefined;
}

/** Who a request acts for, and the session it came with, if any. */
export interface Authenticated {
  principal: Principal;
  sessionId?: string;
}

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

/** The session id in a `Cookie` header, if any. */
function sessionIdOf(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  const value = parseCookies(cookieHeader, SESSION_COOKIE)[SESSION_COOKIE];
  return value ? value : undefined;
}

/** Resolves credentials to a principal: a bearer token, else a session cookie, else a query token. */
export async function authenticate(
  auth: AuthService,
  credentials: Credentials,
): Promise<Authenticated | null> {
  if (credentials.authorization !== undefined) {
    const bearer = BEARER.exec(credentials.authorization)?.[1];
    if (!bearer) return null;
    const principal = await auth.token(bearer);
    return principal ? { principal } : null;
  }
  const sessionId = sessionIdOf(credentials.cookie);
  if (sessionId) {
    const principal = await auth.session(sessionId);
    return principal ? { principal, sessionId } : null;
  }
  if (credentials.queryToken) {
    const principal = await auth.token(credentials.queryToken);
    return principal ? { principal } : null;
  }
  return null;
}

/**
 * True for the routes anyone may reach: the dashboard's shell (`GET /`, `/assets/*`, `/login`), the
 * login itself and the health probes. Everything else needs credentials.
 */
export function isPublicRoute(method: string, path: string): boolean {
  const read = method === 'GET' || method === 'HEAD';
  if (method === 'POST' && path === '/api/v1/auth/login') return true;
  if (!read) return false;
  return (
    path === '/' ||
    path === '/login' ||
    path.startsWith('/assets/') ||
    path === '/api/health' ||
    path === '/api/ready'
  );
}

/** Variables the HTTP app keeps per request. */
export interface HttpEnv {
  Variables: {
    /** Set by `requireAuth` on every non-public route. */
    principal: Principal;
    /** The session id of a cookie-authenticated request. */
    sessionId: string | undefined;
  };
}

/**
 * Lets public routes through and answers every other request without valid credentials (bearer
 * token or session cookie) with 401 `{error, code: "unauthorized"}`. The query token is for WebSocket
 * upgrades only and is not accepted here, so that tokens stay out of URLs and access logs.
 */
export function requireAuth(auth: AuthService): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    if (isPublicRoute(c.req.method, c.req.path)) return next();
    const found = await authenticate(auth, {
      authorization: c.req.header('authorization'),
      cookie: c.req.header('cookie'),
    });
    if (!found) {
      c.header('WWW-Authenticate', 'Bearer');
      return c.json({ error: 'authentication required', code: 'unauthorized' }, 401);
    }
    c.set('principal', found.principal);
    c.set('sessionId', found.sessionId);
    return next();
  };
}
