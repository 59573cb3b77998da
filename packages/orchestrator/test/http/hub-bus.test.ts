import { MemoryBus } from '@figaro/bus';
import { Api, Broadcasts, Events } from '@figaro/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectHubToBus, type HubBusConnection, topicsOf } from '../../src/http/hub-bus.js';
import { summarizeTaskEvent } from '../../src/http/task-summary.js';
import { API_TOKEN, startTestServer, TASK_ID, type TestServer, task, WsClient } from './support.js';

const SHA = 'a'.repeat(64);

describe('connectHubToBus', () => {
  let server: TestServer;
  let bus: MemoryBus;
  let connection: HubBusConnection;
  let client: WsClient;

  beforeEach(async () => {
    server = await startTestServer();
    bus = new MemoryBus();
    connection = await connectHubToBus(server.hub, bus, { logger: server.logger });
    client = await WsClient.connect(`${server.url}/api/ws`, { authorization: `Bearer ${API_TOKEN}` });
  });
  afterEach(async () => {
    client.ws.terminate();
    await connection.close();
    await bus.close();
    await server.close();
  });

  const subscribe = async (...topics: string[]) => {
    for (const topic of topics) client.send({ type: 'sub', topic });
    await client.request('barrier', 'figaro.api.workers');
  };

  it('forwards a broadcast to the sockets subscribed to its topic', async () => {
    await subscribe('tasks');
    const updated = task({ status: 'running', version: 3 });
    await bus.publish(Broadcasts.task_updated.subject, { task: updated, version: 3 });
    expect(await client.next()).toEqual({
      type: 'evt',
      topic: 'tasks',
      version: 3,
      data: { event: 'task_updated', payload: { task: updated, version: 3 } },
    });
  });

  it('sends fleet broadcasts to `fleet` and drops payloads that fail their schema', async () => {
    await subscribe('fleet');
    const worker = {
      id: 'w1',
      status: 'idle',
      capabilities: [],
      novnc_url: null,
      vnc_username: null,
      vnc_password: 'not-masked',
      agent_connected: true,
      metadata: {},
    };
    await bus.publish(Broadcasts.workers.subject, { workers: [worker] });
    await bus.publish(Broadcasts.workers.subject, { workers: [{ ...worker, vnc_password: '***' }] });
    const frame = await client.next();
    expect(frame).toMatchObject({ type: 'evt', topic: 'fleet', version: 0, data: { event: 'workers' } });
    expect(JSON.stringify(frame)).not.toContain('not-masked');
    expect(server.logger.lines).toContainEqual(expect.objectContaining({ message: 'dropped broadcast' }));
  });

  it('forwards task events to the task topic as summaries', async () => {
    await subscribe(`task:${TASK_ID}`);
    const text = `${'word '.repeat(60)}end`;
    await bus.publish(Events.taskMessage.at(TASK_ID).subject, {
      task_id: TASK_ID,
      attempt: 1,
      seq: 4,
      worker_id: 'w1',
      __type__: 'AssistantMessage',
      content: [
        { type: 'text', text },
        { type: 'image', source: { type: 'blob', sha256: SHA, media_type: 'image/png' } },
      ],
    });
    const frame = (await client.next()) as { data: { payload: { preview: string } } };
    expect(frame).toMatchObject({
      type: 'evt',
      topic: `task:${TASK_ID}`,
      version: 0,
      data: {
        event: 'task_event',
        payload: {
          task_id: TASK_ID,
          attempt: 1,
          seq: 4,
          type: 'message',
          blobs: [{ type: 'blob', sha256: SHA, media_type: 'image/png' }],
        },
      },
    });
    expect(frame.data.payload.preview).toHaveLength(200);
    expect(frame.data.payload.preview.endsWith('…')).toBe(true);
  });

  it('leaves `.input` requests to the agent: no responder is faked', async () => {
    await expect(
      bus.request(Api.taskInput.at(TASK_ID), { kind: 'pause' }, { timeoutMs: 2_000 }),
    ).rejects.toMatchObject({
      name: 'NoRespondersError',
    });
  });
});

describe('topicsOf', () => {
  it('routes each broadcast family to its topics', () => {
    expect(topicsOf('workers', {})).toEqual(['fleet']);
    expect(topicsOf('supervisors', {})).toEqual(['fleet']);
    expect(topicsOf('help_request_timeout', {})).toEqual(['fleet']);
    expect(topicsOf('task_updated', { task: { task_id: TASK_ID } })).toEqual(['tasks', `task:${TASK_ID}`]);
    expect(topicsOf('task_queued', { task: { task_id: TASK_ID } })).toEqual([
      'tasks',
      'fleet',
      `task:${TASK_ID}`,
    ]);
    expect(topicsOf('task_cancelled', { task_id: TASK_ID })).toEqual(['tasks', `task:${TASK_ID}`]);
    expect(topicsOf('scheduled_task_executed', {})).toEqual(['schedules']);
  });
});

describe('summarizeTaskEvent', () => {
  const base = { task_id: TASK_ID, attempt: 2 };
  it('summarizes every kind of task event', () => {
    expect(
      summarizeTaskEvent('complete', { ...base, seq: 9, worker_id: 'w1', result: { result: 'done' } }),
    ).toEqual({
      ...base,
      seq: 9,
      type: 'complete',
      preview: 'done',
      blobs: [],
    });
    expect(summarizeTaskEvent('error', { ...base, seq: 3, error: 'worker lost' })).toMatchObject({
      type: 'error',
      preview: 'worker lost',
    });
    expect(
      summarizeTaskEvent('progress', { ...base, state: 'acting', since: '2025-06-01T12:00:00.000Z' }),
    ).toMatchObject({
      type: 'progress',
      seq: 0,
      preview: 'acting',
    });
    expect(summarizeTaskEvent('assigned', { ...base, prompt: 'open it', worker_id: 'w1' })).toMatchObject({
      type: 'assigned',
      preview: 'open it',
    });
    expect(
      summarizeTaskEvent('message', {
        ...base,
        seq: 1,
        worker_id: 'w1',
        __type__: 'AssistantMessage',
        content: [{ type: 'tool_use', id: 't1', name: 'computer', input: {} }],
      }),
    ).toMatchObject({ preview: '[computer]' });
  });

  it('returns null for unknown kinds and invalid payloads', () => {
    expect(summarizeTaskEvent('input', { kind: 'pause' })).toBeNull();
    expect(summarizeTaskEvent('message', { task_id: TASK_ID })).toBeNull();
    expect(summarizeTaskEvent('toString', {})).toBeNull();
  });
});
