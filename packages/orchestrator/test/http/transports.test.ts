import { type Bus, MemoryBus, RemoteError, type Subscription } from '@figaro/bus';
import { Api, type ApiEntry, FigaroError, silentLogger } from '@figaro/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { serveApiOnBus } from '../../src/api/bus-server.js';
import type { ApiHandlers, ApiName } from '../../src/api/handlers.js';
import { ApiRouter, apiEntry } from '../../src/api/router.js';
import {
  API_TOKEN,
  fakeHandlers,
  recordingLogger,
  startTestServer,
  TASK_ID,
  type TestServer,
  WsClient,
} from './support.js';

/** One call as each transport carries it. */
interface SameCall {
  name: ApiName;
  data: Record<string, unknown>;
  rest: { method: string; path: string; body?: unknown };
}

/** What a transport answered: the reply, or `{error, code}`. */
type Answer = { data: unknown } | { error: { error: string; code: string } };

describe('one router, three transports', () => {
  let bus: Bus;
  let server: TestServer;
  let subscriptions: Subscription[] = [];
  let ws: WsClient;
  let seq = 0;

  async function start(handlers: ApiHandlers): Promise<void> {
    const logger = recordingLogger();
    const router = new ApiRouter(handlers, { logger });
    bus = new MemoryBus({ logger: silentLogger });
    subscriptions = await serveApiOnBus(bus, router, logger);
    server = await startTestServer({ router });
    ws = await WsClient.connect(`${server.url}/api/ws`, { authorization: `Bearer ${API_TOKEN}` });
  }

  afterEach(async () => {
    ws?.ws.terminate();
    for (const sub of subscriptions.splice(0)) await sub.unsubscribe();
    await server?.close();
    await bus?.close();
  });
  beforeEach(() => {
    seq = 0;
  });

  async function viaBus(call: SameCall): Promise<Answer> {
    const entry: ApiEntry = apiEntry(call.name);
    try {
      return { data: await bus.request({ ...entry, request: z.unknown(), reply: z.unknown() }, call.data) };
    } catch (err) {
      if (err instanceof RemoteError) return { error: { error: err.message, code: err.code } };
      throw err;
    }
  }

  async function viaRest(call: SameCall): Promise<Answer> {
    const { method, path, body } = call.rest;
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${API_TOKEN}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json()) as Record<string, unknown>;
    return res.ok ? { data: json } : { error: json as { error: string; code: string } };
  }

  async function viaWs(call: SameCall): Promise<Answer> {
    const id = `r${++seq}`;
    const frame = (await ws.request(id, apiEntry(call.name).subject, call.data)) as {
      data?: unknown;
      error?: { error: string; code: string };
    };
    return frame.error ? { error: frame.error } : { data: frame.data };
  }

  async function answersOf(call: SameCall): Promise<Answer[]> {
    return [await viaBus(call), await viaRest(call), await viaWs(call)];
  }

  const get: SameCall = {
    name: 'tasksGet',
    data: { task_id: TASK_ID },
    rest: { method: 'GET', path: `/tasks/${TASK_ID}` },
  };
  const badStop: SameCall = {
    name: 'tasksStop',
    data: { task_id: 'not-a-uuid' },
    rest: { method: 'POST', path: '/tasks/not-a-uuid/stop' },
  };
  const workers: SameCall = { name: 'workers', data: {}, rest: { method: 'GET', path: '/workers' } };

  it('gives the same reply and the same errors on the bus, REST and the WebSocket', async () => {
    await start(fakeHandlers());
    for (const call of [get, badStop, workers]) {
      const [onBus, onRest, onWs] = await answersOf(call);
      expect(onRest, `${call.name} over REST`).toEqual(onBus);
      expect(onWs, `${call.name} over WebSocket`).toEqual(onBus);
    }
    const [invalid] = await answersOf(badStop);
    expect(invalid).toMatchObject({ error: { code: 'invalid_request' } });
  });

  it('answers "not implemented" the same way on every transport', async () => {
    const { workers: _missing, ...handlers } = fakeHandlers();
    await start(handlers);
    const expected = { error: { error: `not implemented: ${Api.workers.subject}`, code: 'unavailable' } };
    expect(await answersOf(workers)).toEqual([expected, expected, expected]);
  });

  it('never shows the text of a raw error, on any transport', async () => {
    await start({
      ...fakeHandlers(),
      workers: async () => {
        throw new Error('duplicate key value violates unique constraint "tasks_pkey" password=hunter2');
      },
      tasksGet: async () => {
        throw new FigaroError('internal', 'invalid byte sequence for encoding "UTF8": 0x00');
      },
    });
    const hidden = { error: { error: 'internal error', code: 'internal' } };
    expect(await answersOf(workers)).toEqual([hidden, hidden, hidden]);
    expect(await answersOf(get)).toEqual([hidden, hidden, hidden]);
  });
});
