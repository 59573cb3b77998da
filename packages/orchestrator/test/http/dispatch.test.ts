import { Api, InvalidRequestError } from '@figaro/protocol';
import { describe, expect, it } from 'vitest';
import type { CallContext } from '../../src/api/handlers.js';
import { apiNameBySubject, callApi, toHttpError } from '../../src/http/dispatch.js';
import { fakeHandlers, recordingLogger, TASK_ID } from './support.js';

const user: CallContext = { principal: { kind: 'user', userId: 'u1', username: 'admin' }, transport: 'http' };
const bus: CallContext = { principal: { kind: 'bus' }, transport: 'bus' };

describe('callApi', () => {
  it('parses the request with the entry schema, applying defaults, and returns the parsed reply', async () => {
    const calls: Parameters<typeof fakeHandlers>[0] = [];
    const reply = await callApi(fakeHandlers(calls), 'tasksGet', { task_id: TASK_ID }, user);
    expect(calls[0]?.request).toEqual({ task_id: TASK_ID, include_messages: true });
    expect(reply).toMatchObject({ task_id: TASK_ID, messages: [] });
  });

  it('throws InvalidRequestError naming the field', async () => {
    const err = await callApi(fakeHandlers(), 'tasksStop', { task_id: 42 }, user).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as Error).message).toMatch(/^invalid figaro\.api\.tasks\.stop request: task_id: /);
  });

  it('lets bus callers reach admin entries (the bus has its own roles)', async () => {
    await expect(callApi(fakeHandlers(), 'tokensList', {}, bus)).resolves.toEqual({ tokens: [] });
    const apiToken: CallContext = {
      principal: { kind: 'token', tokenId: 't', scopes: ['api'] },
      transport: 'ws',
    };
    await expect(callApi(fakeHandlers(), 'tokensList', {}, apiToken)).rejects.toMatchObject({
      code: 'forbidden',
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
