import { once } from 'node:events';
import { FigaroError } from '@figaro/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OVERFLOW_CLOSE_CODE } from '../../src/http/ws-socket.js';
import {
  ADMIN_TOKEN,
  API_TOKEN,
  fakeHandlers,
  loginCookie,
  METRICS_TOKEN,
  startTestServer,
  TASK_ID,
  type TestServer,
  UpgradeRefused,
  WsClient,
} from './support.js';

const auth = { authorization: `Bearer ${API_TOKEN}` };

describe('WsHub', () => {
  let server: TestServer;
  const clients: WsClient[] = [];
  const connect = async (headers: Record<string, string> = auth, path = '/api/ws') => {
    const client = await WsClient.connect(`${server.url}${path}`, headers);
    clients.push(client);
    return client;
  };
  const refusal = (headers: Record<string, string>, path = '/api/ws') =>
    WsClient.connect(`${server.url}${path}`, headers).then(
      () => 'accepted',
      (err: unknown) => (err instanceof UpgradeRefused ? err.status : err),
    );

  beforeEach(async () => {
    server = await startTestServer({ hub: { allowedOrigins: ['https://dash.example.com'] } });
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    await server.close();
  });

  it('answers a request frame through the API handlers', async () => {
    const client = await connect();
    expect(await client.request('1', 'figaro.api.workers')).toMatchObject({
      type: 'res',
      id: '1',
      data: { workers: [{ id: 'w1', vnc_password: '***' }] },
    });
    expect(await client.request('2', 'figaro.api.tasks.get', { task_id: TASK_ID })).toMatchObject({
      type: 'res',
      id: '2',
      data: { task_id: TASK_ID, messages: [] },
    });
    expect(server.calls.at(-1)).toMatchObject({
      name: 'tasksGet',
      request: { task_id: TASK_ID, include_messages: true },
      ctx: { transport: 'ws', principal: { kind: 'token', tokenId: 't-api' } },
    });
  });

  it('answers errors with their code and keeps the socket open', async () => {
    const client = await connect();
    expect(await client.request('a', 'figaro.api.nope')).toEqual({
      type: 'res',
      id: 'a',
      error: { error: 'unknown subject: figaro.api.nope', code: 'not_found' },
    });
    const bad = (await client.request('b', 'figaro.api.tasks.get', { task_id: 'x' })) as {
      error: { error: string; code: string };
    };
    expect(bad.error.code).toBe('invalid_request');
    expect(bad.error.error).toContain('task_id:');
    expect(await client.request('c', 'figaro.api.tokens.list')).toMatchObject({
      id: 'c',
      error: { code: 'forbidden' },
    });
    expect(await client.request('d', 'figaro.api.workers')).toMatchObject({
      id: 'd',
      data: { workers: [{ id: 'w1' }] },
    });
  });

  it('answers malformed frames with invalid_request and keeps the socket open', async () => {
    const client = await connect();
    client.send('not json');
    expect(await client.next()).toEqual({
      type: 'res',
      id: '',
      error: { error: 'frame is not valid JSON', code: 'invalid_request' },
    });
    client.send({ type: 'req', id: 'q1', data: {} });
    const missing = (await client.next()) as { id: string; error: { code: string; error: string } };
    expect(missing).toMatchObject({ id: 'q1', error: { code: 'invalid_request' } });
    expect(missing.error.error).toContain('subject:');
    client.send({ type: 'sub', topic: 'everything' });
    expect(await client.next()).toMatchObject({ id: '', error: { code: 'invalid_request' } });
    client.send({ type: 'shout' });
    expect(await client.next()).toMatchObject({ error: { code: 'invalid_request' } });
    client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await client.next()).toMatchObject({ error: { error: 'frames must be JSON text' } });
    expect(await client.request('ok', 'figaro.api.workers')).toMatchObject({ id: 'ok', data: {} });
  });

  it('hides unknown handler errors', async () => {
    await server.close();
    server = await startTestServer({
      handlers: {
        ...fakeHandlers(),
        workers: async () => {
          throw new Error('db password=hunter2');
        },
        supervisorStatus: async () => {
          throw new FigaroError('busy', 'try later');
        },
      },
    });
    const client = await connect();
    expect(await client.request('1', 'figaro.api.workers')).toEqual({
      type: 'res',
      id: '1',
      error: { error: 'internal error', code: 'internal' },
    });
    expect(await client.request('2', 'figaro.api.supervisor.status')).toEqual({
      type: 'res',
      id: '2',
      error: { error: 'try later', code: 'busy' },
    });
  });

  it('pushes published events to subscribers until they unsubscribe', async () => {
    const watcher = await connect();
    const other = await connect();
    watcher.send({ type: 'sub', topic: 'tasks' });
    watcher.send({ type: 'sub', topic: `task:${TASK_ID}` });
    // Frames are handled in order: once this reply arrives, the subscriptions are in place.
    await watcher.request('barrier-1', 'figaro.api.workers');

    server.hub.publish('tasks', 7, { event: 'task_updated' });
    server.hub.publish('fleet', 0, { event: 'workers' });
    server.hub.publish(`task:${TASK_ID}`, 0, { event: 'task_event' });
    expect(await watcher.next()).toEqual({
      type: 'evt',
      topic: 'tasks',
      version: 7,
      data: { event: 'task_updated' },
    });
    expect(await watcher.next()).toEqual({
      type: 'evt',
      topic: `task:${TASK_ID}`,
      version: 0,
      data: { event: 'task_event' },
    });

    watcher.send({ type: 'unsub', topic: 'tasks' });
    await watcher.request('barrier-2', 'figaro.api.workers');
    server.hub.publish('tasks', 8, { event: 'task_updated' });
    // Nothing was pushed in between: the next frame is the reply to a later request.
    expect(await watcher.request('barrier-3', 'figaro.api.workers')).toMatchObject({
      type: 'res',
      id: 'barrier-3',
    });
    expect(await other.request('o', 'figaro.api.workers')).toMatchObject({ type: 'res', id: 'o' });
  });

  it('closes a socket whose send queue overflows with 4008', async () => {
    await server.close();
    server = await startTestServer({ hub: { maxQueuedFrames: 5 } });
    const slow = await connect();
    const fine = await connect();
    slow.send({ type: 'sub', topic: 'fleet' });
    await slow.request('barrier', 'figaro.api.workers');
    fine.send({ type: 'sub', topic: 'tasks' });
    await fine.request('barrier', 'figaro.api.workers');

    for (let i = 0; i < 50; i++) server.hub.publish('fleet', i, { i });
    server.hub.publish('tasks', 1, { ok: true });
    expect(await slow.closed).toMatchObject({ code: OVERFLOW_CLOSE_CODE });
    // The first five frames went out before the queue was full; nothing after them.
    expect(slow.drain()).toEqual(
      [0, 1, 2, 3, 4].map((i) => ({ type: 'evt', topic: 'fleet', version: i, data: { i } })),
    );
    expect(await fine.next()).toMatchObject({ type: 'evt', topic: 'tasks' });
  });

  it('closes a socket at 4008 when the queued bytes overflow', async () => {
    await server.close();
    server = await startTestServer({ hub: { maxQueuedBytes: 10_000 } });
    const client = await connect();
    client.send({ type: 'sub', topic: 'fleet' });
    await client.request('barrier', 'figaro.api.workers');
    server.hub.publish('fleet', 0, { blob: 'x'.repeat(20_000) });
    expect(await client.closed).toMatchObject({ code: OVERFLOW_CLOSE_CODE });
  });

  it('authenticates upgrades like REST, or with a query token', async () => {
    expect(await refusal({})).toBe(401);
    expect(await refusal({ authorization: 'Bearer nope' })).toBe(401);
    expect(await refusal({}, '/api/ws?token=nope')).toBe(401);

    const byQuery = await connect({}, `/api/ws?token=${ADMIN_TOKEN}`);
    expect(await byQuery.request('1', 'figaro.api.tokens.list')).toMatchObject({
      id: '1',
      data: { tokens: [] },
    });
    const cookie = await loginCookie(server.url);
    const byCookie = await connect({ cookie });
    expect(await byCookie.request('2', 'figaro.api.workers')).toMatchObject({ id: '2', data: {} });
    expect(server.calls.at(-1)?.ctx.principal).toMatchObject({ kind: 'user', username: 'admin' });
  });

  it('refuses upgrades of tokens without the api or admin scope', async () => {
    expect(await refusal({ authorization: `Bearer ${METRICS_TOKEN}` })).toBe(403);
    expect(await refusal({}, `/api/ws?token=${METRICS_TOKEN}`)).toBe(403);
    server.auth.tokens.set('tok-agent', { kind: 'token', tokenId: 't-agent', scopes: ['agent'] });
    expect(await refusal({ authorization: 'Bearer tok-agent' })).toBe(403);
    await expect(connect(auth)).resolves.toBeInstanceOf(WsClient);
    await expect(connect({ authorization: `Bearer ${ADMIN_TOKEN}` })).resolves.toBeInstanceOf(WsClient);
  });

  it('closes a listening socket whose token lost the api scope, at the next ping', async () => {
    await server.close();
    server = await startTestServer({ hub: { pingIntervalMs: 20 } });
    const client = await connect();
    server.auth.tokens.set(API_TOKEN, { kind: 'token', tokenId: 't-api', scopes: ['metrics'] });
    expect((await client.closed).code).toBe(4001);
  });

  it('checks Origin against its own host and the allow-list before upgrading', async () => {
    const host = new URL(server.url).host;
    expect(await refusal({ ...auth, origin: 'https://evil.example' })).toBe(403);
    expect(await refusal({ origin: 'https://evil.example' })).toBe(403);
    expect(await refusal({ ...auth, origin: 'null' })).toBe(403);
    await expect(connect({ ...auth, origin: `http://${host}` })).resolves.toBeInstanceOf(WsClient);
    await expect(connect({ ...auth, origin: 'https://dash.example.com' })).resolves.toBeInstanceOf(WsClient);
  });

  it('refuses upgrades on other paths', async () => {
    expect(await refusal(auth, '/api/v1/tasks')).toBe(404);
  });

  it('closes a socket whose session ended at its next request', async () => {
    const cookie = await loginCookie(server.url);
    const client = await connect({ cookie });
    await fetch(`${server.url}/api/v1/auth/logout`, {
      method: 'POST',
      headers: { cookie, origin: server.url },
    });
    expect(await client.request('1', 'figaro.api.workers')).toMatchObject({
      id: '1',
      error: { code: 'unauthorized' },
    });
    expect((await client.closed).code).toBe(4001);
  });

  it('pings sockets to keep them alive', async () => {
    await server.close();
    server = await startTestServer({ hub: { pingIntervalMs: 20 } });
    const client = await connect();
    await once(client.ws, 'ping');
    await once(client.ws, 'ping');
    expect(await client.request('1', 'figaro.api.workers')).toMatchObject({ id: '1', data: {} });
  });

  it('closes a listening socket whose session ended, at the next ping', async () => {
    await server.close();
    server = await startTestServer({ hub: { pingIntervalMs: 20 } });
    const cookie = await loginCookie(server.url);
    const client = await connect({ cookie });
    await fetch(`${server.url}/api/v1/auth/logout`, {
      method: 'POST',
      headers: { cookie, origin: server.url },
    });
    expect((await client.closed).code).toBe(4001);
  });

  it('closes every socket when the server stops', async () => {
    const client = await connect();
    await server.close();
    expect((await client.closed).code).toBe(1001);
    server = await startTestServer();
  });
});
