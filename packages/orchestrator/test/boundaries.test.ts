import { Api } from '@figaro/protocol';
import type { Store } from '@figaro/store';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Orchestrator, REST_PREFIX } from '../src/index.js';
import { FakeAgent } from '../src/testing.js';
import { embeddedBackend, eventually, type Resources, testConfig, type World } from './support/harness.js';
import { recordingLogger } from './support/recording-logger.js';
import { type ServerFixture, startServerFixture } from './support/server-fixture.js';

const TOKEN = 'fgr_test_token_boundaries_0123456789';
const NUL = '\u0000';
const FFFD = '\uFFFD';

/** `store` whose every method rejects while `down()` is true (the object graph is proxied lazily). */
function breakable<T extends object>(target: T, down: () => boolean): T {
  return new Proxy(target, {
    get(object, key) {
      const value: unknown = Reflect.get(object, key, object);
      if (typeof value === 'function') {
        return (...args: unknown[]) =>
          down() ? Promise.reject(new Error('store unreachable')) : value.apply(object, args);
      }
      if (value !== null && typeof value === 'object') return breakable(value, down);
      return value;
    },
  });
}

/** Text that cannot be stored as is, and JSON nested far deeper than any stack allows to recurse. */
describe('boundaries: NUL and deep JSON (MemoryBus + PGlite)', () => {
  const backend = embeddedBackend();
  let world: World | undefined;
  let resources: Resources | undefined;
  let store: Store | undefined;
  let fixture: ServerFixture | undefined;
  let orchestrator: Orchestrator | undefined;
  const agents: FakeAgent[] = [];

  beforeAll(() => backend.beforeAll());
  afterAll(() => backend.afterAll());
  afterEach(async () => {
    for (const agent of agents.splice(0)) await agent.stop();
    await world?.close();
    await fixture?.close();
    await orchestrator?.stop();
    await store?.close();
    await resources?.cleanup();
    world = fixture = orchestrator = store = resources = undefined;
  });

  async function startServer(): Promise<string> {
    fixture = await startServerFixture(backend, {
      credentials: { apiToken: TOKEN, adminPassword: 'admin-password-1' },
      ownsBackend: false,
    });
    return fixture.server.http.url;
  }

  const rest = (url: string, method: string, path: string, body?: string) =>
    fetch(`${url}${REST_PREFIX}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body } : {}),
    });

  it('stores a prompt, metadata and a search query holding NUL over REST (U+FFFD), never a 500', async () => {
    const url = await startServer();
    const created = await rest(
      url,
      'POST',
      '/tasks',
      JSON.stringify({ prompt: `from a page${NUL}`, source_metadata: { title: `t${NUL}` } }),
    );
    expect(created.status).toBe(200);
    const task = (await created.json()) as { task_id: string; prompt: string };
    expect(task.prompt).toBe(`from a page${FFFD}`);
    const got = await rest(url, 'GET', `/tasks/${task.task_id}`);
    expect(await got.json()).toMatchObject({
      prompt: `from a page${FFFD}`,
      source_metadata: { title: `t${FFFD}` },
    });
    const search = await rest(url, 'GET', `/tasks/search?q=${encodeURIComponent(`page${NUL}`)}`);
    expect(search.status).toBe(200);
  });

  it('answers 400 naming the field to 100,000-deep options and metadata, and keeps serving', async () => {
    const url = await startServer();
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const options = await rest(url, 'POST', '/tasks', `{"prompt":"p","options":{"x":${deep}}}`);
    expect(options.status).toBe(400);
    expect(await options.json()).toEqual({
      code: 'invalid_request',
      error: expect.stringContaining('options: JSON nested deeper than 32 levels'),
    });
    const metadata = await rest(url, 'POST', '/tasks', `{"prompt":"p","source_metadata":{"x":${deep}}}`);
    expect(metadata.status).toBe(400);
    expect(((await metadata.json()) as { error: string }).error).toContain('source_metadata: JSON nested');
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
    expect((await rest(url, 'POST', '/tasks', JSON.stringify({ prompt: 'still here' }))).status).toBe(200);
  });

  it('stores task events whose message and result hold NUL and completes the task', async () => {
    world = await backend.world();
    const worker = await world.agent({ id: 'w-nul' });
    const task = await world.agentBus.request(Api.tasksCreate, {
      prompt: 'read the ssh output',
      options: { target: 'worker' },
    });
    await worker.nextAssignment();
    await worker.message(task.task_id, `$ cat /proc/self/environ${NUL}PATH=/bin${NUL}`);
    await worker.complete(task.task_id, { result: `done${NUL}` });
    const w = world;
    const done = await eventually(
      () => w.store.tasks.get(task.task_id),
      (t) => t?.status === 'completed',
    );
    expect(done).toMatchObject({ status: 'completed', message_count: 1, result: { result: `done${FFFD}` } });
    const events = await w.store.taskEvents.list(task.task_id);
    expect(events.map((e) => e.type)).toEqual(['assigned', 'message', 'complete']);
    expect(JSON.stringify(events[1]?.payload)).toContain(`PATH=/bin${FFFD}`);
  });

  it('logs a dead letter that cannot be stored instead of losing it silently', async () => {
    resources = await backend.resources();
    const real = await resources.makeStore();
    store = real;
    let down = false;
    const log = recordingLogger();
    orchestrator = new Orchestrator({
      bus: resources.orchestratorBus,
      store: breakable(real, () => down),
      logger: log.logger,
      config: { ...testConfig, eventMaxDeliver: 1, sweepIntervalMs: 60_000 },
    });
    await orchestrator.start();
    const worker = new FakeAgent({ bus: resources.agentBus, id: 'w-dead' });
    agents.push(worker);
    await worker.start();
    const task = await resources.agentBus.request(Api.tasksCreate, {
      prompt: 'lose nothing silently',
      options: { target: 'worker' },
    });
    await worker.nextAssignment();
    down = true;
    await worker.message(task.task_id, 'this cannot be stored');
    const line = await eventually(
      async () => log.lines.find((l) => l.includes('dead letter could not be stored')),
      (found) => found !== undefined,
    );
    expect(line).toContain(task.task_id);
    down = false;
  });
});
