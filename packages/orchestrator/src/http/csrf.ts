import type { MiddlewareHandler } from 'hono';
import type { HttpEnv } from './auth.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * True when `origin` (an `Origin` header, or a `Referer` reduced to its origin) is the request's own
 * host or one of `allowed`. `null` (sandboxed frames, some redirects) is never allowed.
 */
export function originAllowed(
  origin: string,
  host: string | undefined,
  allowed: ReadonlySet<string>,
): boolean {
  if (allowed.has(origin)) return true;
  try {
    const url = new URL(origin);
    if (allowed.has(url.origin)) return true;
    return host !== undefined && url.host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}

/**
 * Keeps other sites from writing with a person's session cookie (CSRF): a state-changing request
 * (anything but GET/HEAD/OPTIONS) authenticated by the session cookie must say where it comes from
 * (`Origin`, else `Referer`) and come from the server's own origin or one of `allowedOrigins`;
 * otherwise 403 `forbidden` (behind a trusted proxy, `X-Forwarded-Host` counts as the own host). The login itself is refused when it names another origin. Requests with a
 * bearer token need no check: a page on another site cannot make the browser send one. (JSON bodies
 * must also be `application/json`, see `readJsonBody`, which a form cannot send.)
 */
export function requireSameOrigin(
  allowedOrigins: readonly string[],
  options: { trustProxy?: boolean } = {},
): MiddlewareHandler<HttpEnv> {
  const allowed = new Set(allowedOrigins);
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const cookieAuthenticated = c.get('sessionId') !== undefined;
    const origin = c.req.header('origin') ?? refererOrigin(c.req.header('referer'));
    if (!cookieAuthenticated && origin === undefined) return next();
    if (!cookieAuthenticated && c.req.header('authorization') !== undefined) return next();
    // Behind a trusted proxy the browser's host is the forwarded one.
    const forwarded = options.trustProxy
      ? c.req.header('x-forwarded-host')?.split(',')[0]?.trim()
      : undefined;
    const sameSite = (host: string | undefined) =>
      origin !== undefined && originAllowed(origin, host, allowed);
    if (!sameSite(c.req.header('host')) && !(forwarded && sameSite(forwarded))) {
      return c.json({ error: 'cross-origin request refused', code: 'forbidden' }, 403);
    }
    return next();
  };
}

function refererOrigin(referer: string | undefined): string | undefined {
  if (referer === undefined) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return 'null';
  }
}
