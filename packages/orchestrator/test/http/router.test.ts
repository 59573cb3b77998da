import { Api, FigaroError } from '@figaro/protocol';
import { ConflictError, QueryError, UnavailableError } from '@figaro/store';
import { describe, expect, it } from 'vitest';
import { toHttpError } from '../../src/api/errors.js';
import type { ApiHandlers, CallContext, Principal } from '../../src/api/handlers.js';
import { ApiRouter, apiNameBySubject } from '../../src/api/router.js';
import { type Call, fakeHandlers, recordingLogger, TASK_ID, task } from './support.js';

const user: CallContext = { principal: { kind: 'user', userId: 'u1', username: 'admin' }, transport: 'http' };
const bus: CallContext = { principal: { kind: 'bus' }, transport: 'bus' };
const router = (handlers: ApiHandlers = fakeHandlers()) => new ApiRouter(handlers);

describe('ApiRouter', () => {
  it('parses the request with the entry schema, applying defaults, and returns the parsed reply', async () => {
    const calls: Call[] = [];
    const reply = await router(fakeHandlers(calls)).call('tasksGet', { task_id: TASK_ID }, user);
    expect(calls[0]?.request).toEqual({ task_id: TASK_ID, include_messages: true });
    expect(reply).toMatchObject({ ok: true, data: { task_id: TASK_ID, messages: [] } });
  });

  it('answers invalid_request naming the field', async () => {
    const reply = await router().call('tasksStop', { task_id: 42 }, user);
    expect(reply).toEqual({
      ok: false,
      error: {
        code: 'invalid_request',
        error: expect.stringMatching(/^invalid figaro\.api\.tasks\.stop request: task_id: /),
      },
    });
  });

  it('lets bus callers reach admin entries (the bus has its own roles)', async () => {
    await expect(router().invoke('tokensList', {}, bus)).resolves.toEqual({ tokens: [] });
    const apiToken: CallContext = {
      principal: { kind: 'token', tokenId: 't', scopes: ['api'] },
      transport: 'ws',
    };
    await expect(router().invoke('tokensList', {}, apiToken)).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('serves agent-facing entries to bus callers only', async () => {
    const handlers: ApiHandlers = { registerWorker: async () => ({ status: 'ok' }) };
    const registration = { worker_id: 'w1', capabilities: [] };
    await expect(router(handlers).invoke('registerWorker', registration, bus)).resolves.toEqual({
      status: 'ok',
    });
    await expect(router(handlers).invoke('registerWorker', registration, user)).rejects.toMatchObject({
      code: 'forbidden',
    });
  });

  it('serves delegate to bus callers only, never to a user or an api token over REST or WebSocket', async () => {
    const calls: string[] = [];
    const handlers: ApiHandlers = {
      delegate: async () => {
        calls.push('delegate');
        return { task_id: TASK_ID, worker_id: null, queued: true, message: 'queued' };
      },
    };
    const request = { prompt: 'do it', supervisor_id: 's1', parent_task_id: TASK_ID, idempotency_key: 'k1' };
    const apiToken: Principal = { kind: 'token', tokenId: 't', scopes: ['api', 'admin'] };
    for (const ctx of [
      user,
      { ...user, transport: 'ws' },
      { principal: apiToken, transport: 'http' },
    ] as const) {
      expect(await router(handlers).call('delegate', request, ctx)).toEqual({
        ok: false,
        error: { error: 'figaro.api.delegate is for agents on the bus', code: 'forbidden' },
      });
    }
    expect(calls).toEqual([]);
    await expect(router(handlers).invoke('delegate', request, bus)).resolves.toMatchObject({ queued: true });
  });

  it('has one "not implemented" answer, given after the request is checked', async () => {
    const empty = router({});
    expect(await empty.call('workers', {}, bus)).toEqual({
      ok: false,
      error: { error: 'not implemented: figaro.api.workers', code: 'unavailable' },
    });
    expect(await empty.call('tasksStop', {}, user)).toMatchObject({ error: { code: 'invalid_request' } });
  });

  it('sets the source of REST and WebSocket callers (REST may say cli); only bus callers choose theirs', async () => {
    const calls: Call[] = [];
    const r = router(fakeHandlers(calls));
    const spoof = { prompt: 'hi', source: 'telegram', source_metadata: { chat_id: 1 } };
    await r.invoke('tasksCreate', spoof, user);
    await r.invoke('tasksCreate', spoof, { ...user, transport: 'ws' });
    await r.invoke('tasksCreate', spoof, bus);
    await r.invoke('helpRequestsRespond', { request_id: 'r1', answers: {}, source: 'telegram' }, user);
    await r.invoke('tasksCreate', { prompt: 'hi', source: 'cli' }, user);
    await r.invoke('tasksCreate', { prompt: 'hi', source: 'cli' }, { ...user, transport: 'ws' });
    expect(calls.map((call) => (call.request as { source?: string }).source)).toEqual([
      'api',
      'dashboard',
      'telegram',
      'api',
      'cli',
      'dashboard',
    ]);
  });

  it('never shows the text of raw errors, internal errors or driver errors; logs them', async () => {
    const cases: [unknown, { error: string; code: string }][] = [
      [new Error('relation "tasks" password=hunter2'), { error: 'internal error', code: 'internal' }],
      [new FigaroError('internal', 'pg: hunter2'), { error: 'internal error', code: 'internal' }],
      [
        new QueryError('invalid byte sequence for encoding "UTF8": 0x00 hunter2', { cause: new Error('pg') }),
        { error: 'internal error', code: 'internal' },
      ],
      [
        new ConflictError('duplicate key (tasks_pkey): hunter2', { cause: new Error('pg') }),
        { error: 'the request conflicts with stored data', code: 'conflict' },
      ],
      [
        new UnavailableError('database unavailable: connect ECONNREFUSED hunter2', {
          cause: new Error('pg'),
        }),
        { error: 'temporarily unavailable, try again', code: 'unavailable' },
      ],
      [new FigaroError('not_found', 'task x not found'), { error: 'task x not found', code: 'not_found' }],
    ];
    for (const [err, expected] of cases) {
      const logger = recordingLogger();
      const r = new ApiRouter(
        {
          workers: async () => {
            throw err;
          },
        },
        { logger },
      );
      expect(await r.call('workers', {}, user)).toEqual({ ok: false, error: expected });
      if (expected.code !== 'not_found') expect(JSON.stringify(logger.lines)).toContain('hunter2');
    }
  });

  it('answers internal when a handler replies outside its schema', async () => {
    const r = router({ tasksCreate: async () => ({ ...task(), status: 'bogus' }) as never });
    expect(await r.call('tasksCreate', { prompt: 'x' }, bus)).toEqual({
      ok: false,
      error: { error: 'internal error', code: 'internal' },
    });
  });
});

describe('apiNameBySubject', () => {
  it('knows every figaro.api.* subject of the catalogue and nothing else', () => {
    const subjects = Object.values(Api)
      .filter((entry) => 'subject' in entry && entry.subject.startsWith('figaro.api.'))
      .map((entry) => ('subject' in entry ? entry.subject : ''));
    expect([...apiNameBySubject.keys()].sort()).toEqual(subjects.sort());
    expect(apiNameBySubject.get('figaro.api.tasks.create')).toBe('tasksCreate');
    expect(apiNameBySubject.has('figaro.register.worker')).toBe(false);
  });
});

describe('toHttpError', () => {
  it('logs errors that are not FigaroErrors and answers internal', () => {
    const logger = recordingLogger();
    expect(toHttpError('boom', logger)).toEqual({
      status: 500,
      body: { error: 'internal error', code: 'internal' },
    });
    expect(logger.lines).toHaveLength(1);
  });
});
