import { FigaroError } from '@figaro/protocol';
import { type Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { HTTP_STATUS } from '../api/errors.js';
import type { CallContext } from '../api/handlers.js';
import type { ApiRouter } from '../api/router.js';
import type { HttpEnv } from './auth.js';
import { jsonResponse, readJsonBody } from './json.js';
import { buildOpenApiDocument } from './openapi.js';
import { buildInput } from './request-input.js';
import { REST_ROUTES, type RestRoute } from './routes.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

function idempotencyKeyOf(c: Context, route: RestRoute): string | undefined {
  if (!route.idempotencyKey) return undefined;
  const key = c.req.header('idempotency-key');
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new FigaroError('invalid_request', 'Idempotency-Key must be 1 to 200 visible ASCII characters');
  }
  return key;
}

/** Options of the REST routes. */
export interface RestRoutesOptions {
  router: ApiRouter;
}

/**
 * The REST API (`REST_ROUTES`, to be mounted under `/api/v1` behind `requireAuth`) and its OpenAPI
 * document at `/openapi.json`. Every route calls the `ApiRouter`, so errors carry the same codes and
 * text as on the bus and the WebSocket, with the code's HTTP status.
 */
export function restRoutes(options: RestRoutesOptions): Hono<HttpEnv> {
  const { router } = options;
  const routes = new Hono<HttpEnv>();
  const openApi = JSON.stringify(buildOpenApiDocument());
  routes.get('/openapi.json', (c) =>
    c.body(openApi, 200, { 'Content-Type': 'application/json; charset=UTF-8' }),
  );

  for (const route of REST_ROUTES) {
    routes.on(route.method.toUpperCase(), route.path, async (c) => {
      const idempotencyKey = idempotencyKeyOf(c, route);
      const body = route.from === 'body' ? await readJsonBody(c) : undefined;
      const input = buildInput(route, { params: c.req.param(), query: c.req.query(), body });
      const ctx: CallContext = {
        principal: c.get('principal'),
        transport: 'http',
        ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      };
      const result = await router.call(route.api, input, ctx);
      if (!result.ok) return c.json(result.error, HTTP_STATUS[result.error.code] as ContentfulStatusCode);
      return jsonResponse(c, result.data);
    });
  }
  return routes;
}
