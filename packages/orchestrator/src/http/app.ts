import type { HealthReply, Logger } from '@figaro/protocol';
import { Hono } from 'hono';

export interface HttpAppOptions {
  /** Reports which backends run and whether they answer. */
  health(): Promise<HealthReply>;
  logger: Logger;
}

/**
 * The HTTP surface of an orchestrator. Only `/api/health` and `/api/ready` exist yet; the REST API,
 * the WebSocket hub, auth and the dashboard mount here as they are built.
 */
export function createHttpApp(options: HttpAppOptions): Hono {
  const app = new Hono();

  app.get('/api/health', async (c) => {
    const health = await options.health();
    return c.json(health, health.status === 'ok' ? 200 : 503);
  });
  app.get('/api/ready', async (c) => {
    const health = await options.health();
    return c.json({ ready: health.status === 'ok' }, health.status === 'ok' ? 200 : 503);
  });

  app.notFound((c) =>
    c.json({ error: `no route for ${c.req.method} ${c.req.path}`, code: 'not_found' }, 404),
  );
  app.onError((err, c) => {
    options.logger.error({ err: err.message, path: c.req.path }, 'request failed');
    return c.json({ error: 'internal error', code: 'internal' }, 500);
  });
  return app;
}
