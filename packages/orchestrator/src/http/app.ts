import { type Clock, type HealthReply, type Logger, systemClock } from '@figaro/protocol';
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { toHttpError } from '../api/errors.js';
import type { ApiHandlers } from '../api/handlers.js';
import { ApiRouter } from '../api/router.js';
import { type AuthService, type HttpEnv, requireAuth } from './auth.js';
import { authRoutes } from './auth-routes.js';
import { blobRoutes, isBlobUpload } from './blob-routes.js';
import { requireSameOrigin } from './csrf.js';
import { HttpMetrics, type MetricsSource, mayReadMetrics } from './metrics.js';
import { restRoutes } from './rest.js';
import { REST_PREFIX } from './routes.js';

/** Options of the HTTP app. */
export interface HttpAppOptions {
  /** Reports which backends run and whether they answer. */
  health(): Promise<HealthReply>;
  logger: Logger;
  /** The API; with it the REST routes under `/api/v1` are served (`auth` is then required). */
  router?: ApiRouter;
  /** Handlers to serve through a router of their own, when no `router` is given (tests). */
  handlers?: ApiHandlers;
  /** Origins besides the request's own that may send cookie-authenticated writes. Default none. */
  allowedOrigins?: readonly string[];
  /** State reported on `/metrics` (token scope `metrics` or `admin`); without it `/metrics` is 404. */
  metrics?: MetricsSource;
  /** Sessions and tokens; with it every non-public route needs credentials and `/api/v1/auth/*` exists. */
  auth?: AuthService;
  /** Clock of the login limit and of the health probe's reuse (1 s). Default the system clock. */
  clock?: Clock;
  /** Failed logins allowed per client address within `loginWindowMs`. Default 10. */
  maxLoginFailures?: number;
  /** Window of the login limit, in milliseconds. Default 60,000. */
  loginWindowMs?: number;
  /** Believe `X-Forwarded-For`/`-Proto` (only behind a proxy that sets them). Default false. */
  trustProxy?: boolean;
  /** Largest request body under `/api/v1` but blob uploads, in bytes (413 beyond). Default 1 MiB. */
  maxBodyBytes?: number;
}

/**
 * The HTTP surface of an orchestrator: `/api/health` and `/api/ready` (public) always; with `auth`, the
 * auth middleware (every other route needs a session cookie or a bearer token) and
 * `/api/v1/auth/{login,logout,me}`; with a router (or `handlers`), the REST API, its OpenAPI document
 * and the raw blob routes (`PUT`/`GET /api/v1/blobs/{sha256}`, see `blobRoutes`); with `metrics`,
 * `/metrics` in the Prometheus text format. Cookie-authenticated writes must come from the server's
 * own origin or an allowed one (`requireSameOrigin`). Errors answer `{error, code}` with the code's
 * HTTP status, without internal text (`publicError`).
 * The WebSocket hub is attached to the server, not here (see `startHttpServer`).
 */
export function createHttpApp(options: HttpAppOptions): Hono<HttpEnv> {
  const { auth, logger } = options;
  const router =
    options.router ?? (options.handlers ? new ApiRouter(options.handlers, { logger }) : undefined);
  if (router && !auth) throw new TypeError('createHttpApp: serving the API needs an AuthService');
  const app = new Hono<HttpEnv>();
  const httpMetrics = new HttpMetrics();
  app.use('*', httpMetrics.middleware());
  app.use('*', closeAfterUnreadBody());

  app.notFound((c) =>
    c.json({ error: `no route for ${c.req.method} ${c.req.path}`, code: 'not_found' }, 404),
  );
  app.onError((err, c) => {
    const { status, body } = toHttpError(err, logger, { method: c.req.method, path: c.req.path });
    return c.json(body, status as ContentfulStatusCode);
  });
  if (auth) {
    app.use('*', requireAuth(auth));
    app.use(
      '*',
      requireSameOrigin(options.allowedOrigins ?? [], { trustProxy: options.trustProxy ?? false }),
    );
  }

  const probe = cachedProbe(() => options.health(), options.clock ?? systemClock);
  app.get('/api/health', async (c) => {
    const health = await probe();
    return c.json(health, health.status === 'ok' ? 200 : 503);
  });
  app.get('/api/ready', async (c) => {
    const health = await probe();
    return c.json({ ready: health.status === 'ok' }, health.status === 'ok' ? 200 : 503);
  });

  if (auth) {
    const apiBodyLimit = bodyLimit({
      maxSize: options.maxBodyBytes ?? 1024 * 1024,
      // The unread rest of the body would be taken for the next request: close the connection.
      onError: (c) =>
        c.json({ error: 'request body too large', code: 'invalid_request' }, 413, { Connection: 'close' }),
    });
    // Blob uploads have their own, larger limit (see blobRoutes).
    app.use(`${REST_PREFIX}/*`, (c, next) =>
      isBlobUpload(c.req.method, c.req.path, REST_PREFIX) ? next() : apiBodyLimit(c, next),
    );
    app.route(
      REST_PREFIX,
      authRoutes({
        auth,
        clock: options.clock ?? systemClock,
        maxLoginFailures: options.maxLoginFailures,
        loginWindowMs: options.loginWindowMs,
        trustProxy: options.trustProxy,
      }),
    );
  }
  const metrics = options.metrics;
  if (auth && metrics) {
    app.get('/metrics', async (c) => {
      if (!mayReadMetrics(c.get('principal'))) {
        return c.json({ error: '/metrics needs a token with the metrics scope', code: 'forbidden' }, 403);
      }
      return c.body(httpMetrics.render(await metrics()), 200, {
        'Content-Type': 'text/plain; version=0.0.4; charset=utf-8',
      });
    });
  }
  if (router) {
    app.route(REST_PREFIX, blobRoutes({ router }));
    app.route(REST_PREFIX, restRoutes({ router }));
  }
  return app;
}

/** How long a health probe's answer is reused, in milliseconds. */
const HEALTH_TTL_MS = 1_000;

/**
 * `probe` shared by the public health routes: requests that come while a probe runs, or within
 * `HEALTH_TTL_MS` after it answered, get its answer, so that anyone can cause at most one store query
 * and bus round trip at a time and about one a second. A probe that throws is not kept.
 */
function cachedProbe(probe: () => Promise<HealthReply>, clock: Clock): () => Promise<HealthReply> {
  let last: { reply: Promise<HealthReply>; answeredAt?: number } | undefined;
  return () => {
    const now = clock.now().getTime();
    if (last && (last.answeredAt === undefined || now - last.answeredAt < HEALTH_TTL_MS)) return last.reply;
    const current: { reply: Promise<HealthReply>; answeredAt?: number } = {
      reply: (async () => probe())(),
    };
    last = current;
    current.reply.then(
      () => {
        current.answeredAt = clock.now().getTime();
      },
      () => {
        if (last === current) last = undefined;
      },
    );
    return current.reply;
  };
}

/**
 * A response sent before the request's body was read (a route that takes no body, a refused
 * request, a 413) closes the connection and says so: the server drops the rest of such a body by
 * closing the socket, and a client that reused the connection would lose its next request.
 */
function closeAfterUnreadBody(): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    await next();
    const length = c.req.header('content-length');
    const hasBody =
      (length !== undefined && length !== '0') || c.req.header('transfer-encoding') !== undefined;
    if (!hasBody || c.req.raw.bodyUsed) return;
    try {
      c.res.headers.set('Connection', 'close');
    } catch {
      c.res = new Response(c.res.body, c.res);
      c.res.headers.set('Connection', 'close');
    }
  };
}
