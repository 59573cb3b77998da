import { describe, expect, it } from 'vitest';
import {
  Api,
  Broadcasts,
  CreateTaskRequest,
  Events,
  FigaroError,
  InvalidRequestError,
  isErrorReply,
  Patterns,
  parseTaskSubject,
  parseWith,
  Streams,
  TaskMessageEvent,
  toErrorReply,
} from '../src/index.js';

const TASK = '0b7a2c64-3a55-4c1e-9f7e-2f6f0c1d2e3f';

describe('API catalogue', () => {
  it('gives every endpoint a unique subject under figaro.', () => {
    const patterns = Object.values(Api).map((entry) => entry.pattern);
    expect(new Set(patterns).size).toBe(patterns.length);
    for (const pattern of patterns) expect(pattern).toMatch(/^figaro\.[a-z*.-]+$/);
  });

  it('lists every figaro.api request subject of PROTOCOL.md', () => {
    const subjects = Object.values(Api).map((entry) => entry.pattern);
    for (const name of [
      'tasks.create',
      'tasks',
      'tasks.get',
      'tasks.search',
      'tasks.stop',
      'delegate',
      'workers',
      'supervisor.status',
      'scheduled-tasks',
      'scheduled-tasks.rollback',
      'help-requests.respond',
      'vnc',
      'ssh',
      'telnet',
      'desktop-workers.register',
      'desktops.ticket',
      'blobs.put',
      'memories.search',
      'tokens.revoke',
    ]) {
      expect(subjects).toContain(`figaro.api.${name}`);
    }
  });

  it('binds template subjects only to valid tokens', () => {
    expect(Api.workerTask.at('local-1').subject).toBe('figaro.worker.local-1.task');
    expect(Api.workerTask.pattern).toBe('figaro.worker.*.task');
    // A bound entry is served and received on its own subject, not on the template's wildcard.
    expect(Api.workerTask.at('local-1').pattern).toBe('figaro.worker.local-1.task');
    expect(Events.workerStop.at('local-1').pattern).toBe('figaro.worker.local-1.stop');
    expect(Events.taskMessage.at(TASK).subject).toBe(`figaro.task.${TASK}.message`);
    expect(Events.heartbeat.at('worker', 'w1').subject).toBe('figaro.heartbeat.worker.w1');
    for (const bad of ['a.b', '*', '>', '', 'UPPER', 'sp ace']) {
      expect(() => Api.workerTask.at(bad)).toThrow(TypeError);
    }
  });

  it('names broadcast subjects and stream subjects consistently', () => {
    expect(Broadcasts.task_updated.subject).toBe('figaro.broadcast.task_updated');
    expect(Object.keys(Broadcasts)).toHaveLength(16);
    expect(Streams.TASKS.subjects).toEqual([Patterns.allTaskEvents]);
    expect(parseTaskSubject(`figaro.task.${TASK}.complete`)).toEqual({ taskId: TASK, kind: 'complete' });
    expect(parseTaskSubject('figaro.api.tasks')).toBeNull();
  });
});

describe('payload schemas', () => {
  it('fills defaults of a task creation request', () => {
    const parsed = CreateTaskRequest.parse({ prompt: 'open the browser' });
    expect(parsed.options.target).toBe('auto');
  });

  it('names the bad field in an InvalidRequestError', () => {
    const attempt = () =>
      parseWith(CreateTaskRequest, { prompt: 'x', options: { target: 'robot' } }, 'tasks.create request');
    expect(attempt).toThrow(InvalidRequestError);
    expect(attempt).toThrow(/options\.target/);
    try {
      attempt();
    } catch (err) {
      const reply = toErrorReply(err);
      expect(reply.code).toBe('invalid_request');
      expect(isErrorReply(reply)).toBe(true);
    }
  });

  it('accepts a message event with blob image references and rejects seq 0', () => {
    const event = {
      task_id: TASK,
      attempt: 1,
      seq: 1,
      worker_id: 'local-1',
      __type__: 'AssistantMessage',
      content: [
        { type: 'text', text: 'clicking' },
        { type: 'image', source: { type: 'blob', sha256: 'a'.repeat(64), media_type: 'image/png' } },
      ],
      usage: { input_tokens: 10, output_tokens: 3 },
    };
    expect(TaskMessageEvent.parse(event).content).toHaveLength(2);
    expect(TaskMessageEvent.safeParse({ ...event, seq: 0 }).success).toBe(false);
  });

  it('never leaks the message of an unknown error into a reply', () => {
    expect(toErrorReply(new Error('password=hunter2'))).toEqual({
      error: 'internal error',
      code: 'internal',
    });
    expect(toErrorReply(new FigaroError('not_found', 'task x not found'))).toEqual({
      error: 'task x not found',
      code: 'not_found',
    });
  });
});
