import { type Bus, PayloadTooLargeError } from '@figaro/bus';
import { Api, type EventEntry } from '@figaro/protocol';
import type { Store } from '@figaro/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ApiName } from '../src/api/handlers.js';
import { AGENT_FACING_NAMES, API_NAMES, apiEntry } from '../src/api/router.js';
import { REST_PREFIX, REST_ROUTES, type RestRoute } from '../src/http/routes.js';
import type { OrchestratorServer } from '../src/index.js';
import { FakeAgent } from '../src/testing.js';
import { WsClient } from './http/support.js';
import { FuzzGen } from './support/fuzz-gen.js';
import { eventTargets, generateInvalid, READS, restRequest, SKIP } from './support/fuzz-inputs.js';
import { embeddedBackend, eventually, type Resources } from './support/harness.js';
import { type ServerFixture, startServerFixture } from './support/server-fixture.js';
import { type StoreSnapshot, snapshotStore, storeDifferences } from './support/store-snapshot.js';

/*
 * Issue 8's fuzz: a seeded generator sends 10,500 hostile inputs (NUL and control characters, lone
 * surrogates and other unicode oddities, huge strings, deep nesting, wrong types, prototype keys,
 * bodies that are not JSON, bad percent-encoding) to every REST route, every bus subject the
 * orchestrator answers (agent-facing ones included), every `figaro.api.*` subject over the dashboard
 * WebSocket, and the task event subjects of a running task, while a fake worker's valid events
 * (with odd but valid text) go in between. Writes only get inputs their schema refuses; reads also get
 * odd valid ones. It asserts: no 5xx and no `internal` on any transport, every WebSocket request
 * answered on a socket that stays open, the server ready afterwards, every valid event stored, and
 * the store unchanged otherwise (every table, row by row, but the outbox and self-moving stamps).
 */
const TOKEN = 'fgr_fuzz_token_0123456789abcdef';
const SEED = 0x5eed_f1a0;
/** Inputs in all; at least 10,000 (issue 8). */
const TOTAL = 10_500;
/** A valid task event is sent every this many inputs. */
const VALID_EVERY = 70;
const CONCURRENCY = 8;

/** The bad inputs a run found, by kind; every list must stay empty. */
interface Findings {
  serverErrors: string[];
  internal: string[];
  transport: string[];
}

describe('fuzz: 10,000 hostile inputs on every REST route and bus subject (MemoryBus + PGlite)', () => {
  const backend = embeddedBackend();
  let fixture: ServerFixture;
  let resources: Resources;
  let store: Store;
  let server: OrchestratorServer;
  let agent: FakeAgent;
  let taskId: string;
  let before: StoreSnapshot;

  beforeAll(async () => {
    fixture = await startServerFixture(backend, { credentials: { apiToken: TOKEN } });
    ({ resources, store, server } = fixture);
    agent = new FakeAgent({ bus: resources.agentBus, id: 'fuzz-w1' });
    await agent.start();
    agent.startHeartbeats(300);
    const task = await resources.agentBus.request(Api.tasksCreate, {
      prompt: 'the task whose events the fuzz interleaves',
      options: { target: 'worker', worker_id: 'fuzz-w1' },
    });
    taskId = task.task_id;
    await agent.nextAssignment();
    await eventually(
      async () => (await store.tasks.get(taskId))?.status,
      (status) => status === 'assigned' || status === 'running',
    );
    await agent.message(taskId, 'first');
    await eventually(
      async () => (await store.taskEvents.list(taskId)).length,
      (n) => n >= 1,
    );
    before = await snapshotStore(store, taskId);
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    await fixture?.close();
  });

  it('never crashes, never answers 5xx or internal, loses no event and changes nothing', async () => {
    const gen = new FuzzGen(SEED);
    const url = server.http.url;
    const bus: Bus = resources.agentBus;
    const findings: Findings = { serverErrors: [], internal: [], transport: [] };
    const counts = { rest: 0, bus: 0, ws: 0, events: 0, skipped: 0, valid: 0 };
    const restTargets = REST_ROUTES.map((route) => ({ kind: 'rest' as const, route }));
    const busTargets = [...API_NAMES, ...AGENT_FACING_NAMES].map((name) => ({ kind: 'bus' as const, name }));
    const events = eventTargets(taskId, 'fuzz-w1').map((entry) => ({ kind: 'event' as const, entry }));
    const wsTargets = API_NAMES.map((name) => ({ kind: 'ws' as const, name }));
    // Three tenths REST (each request pays a token check in the store), 4/10 bus requests, 1/10 the
    // dashboard WebSocket, a fifth events.
    const groups = [restTargets, busTargets, events, wsTargets];
    const shares = [0, 0, 0, 1, 1, 1, 1, 3, 2, 2];
    const next = [0, 0, 0, 0];
    const pickTarget = (i: number) => {
      const g = shares[i % shares.length] ?? 0;
      const group = groups[g] ?? [];
      const index = next[g] ?? 0;
      next[g] = index + 1;
      return group[index % group.length];
    };
    const covered = new Set<string>();
    const validTexts: string[] = [];

    const restCall = async (route: RestRoute): Promise<void> => {
      const request = restRequest(gen, route, TOKEN);
      if (!request) {
        counts.skipped++;
        return;
      }
      counts.rest++;
      covered.add(`rest ${route.method} ${route.path}`);
      const label = `${route.method.toUpperCase()} ${route.path}`;
      let res: Response;
      try {
        res = await fetch(`${url}${REST_PREFIX}${request.path}`, request.init);
      } catch (err) {
        const cause = (err as { cause?: unknown }).cause;
        findings.transport.push(
          `${label} ${request.path.slice(0, 120)}: ${String(err)} ${String(cause).slice(0, 200)}`,
        );
        return;
      }
      const text = await res.text();
      if (res.status >= 500) findings.serverErrors.push(`${label} → ${res.status} ${text.slice(0, 200)}`);
      if (text.includes('"code":"internal"')) findings.internal.push(`${label}: ${text.slice(0, 200)}`);
    };

    const busCall = async (name: ApiName | (typeof AGENT_FACING_NAMES)[number]): Promise<void> => {
      const entry = apiEntry(name);
      const data = generateInvalid(gen, entry.request, !READS.has(name), 100_000, 900);
      if (data === SKIP) {
        counts.skipped++;
        return;
      }
      counts.bus++;
      covered.add(`bus ${entry.subject}`);
      try {
        await bus.request({ ...entry, request: z.unknown(), reply: z.unknown() }, data, { timeoutMs: 5_000 });
      } catch (err) {
        if (err instanceof PayloadTooLargeError) return;
        const code = (err as { code?: string }).code;
        if (code === 'internal' || code === 'timeout') {
          findings.internal.push(`${entry.subject}: ${code} ${String((err as Error).message).slice(0, 200)}`);
        }
      }
    };

    const publish = async (entry: EventEntry): Promise<void> => {
      const data = generateInvalid(gen, entry.schema, true, 100_000, 900);
      if (data === SKIP) {
        counts.skipped++;
        return;
      }
      counts.events++;
      covered.add(`event ${entry.subject}`);
      await bus.publish(entry.subject, data).catch((err: unknown) => {
        if (!(err instanceof PayloadTooLargeError))
          findings.transport.push(`${entry.subject}: ${String(err)}`);
      });
    };

    // The dashboard WebSocket: requests with hostile data, and frames that are not requests at all.
    const ws = await WsClient.connect(`${url}/api/ws`, { authorization: `Bearer ${TOKEN}` });
    const wsPending = new Set<string>();
    ws.ws.on('message', (data) => {
      const text = data.toString();
      if (text.includes('"code":"internal"')) findings.internal.push(`ws: ${text.slice(0, 200)}`);
      try {
        const frame = JSON.parse(text) as { id?: string };
        if (frame.id) wsPending.delete(frame.id);
      } catch {
        findings.transport.push(`ws: a frame that is not JSON: ${text.slice(0, 100)}`);
      }
    });
    let wsSeq = 0;
    const wsCall = async (name: ApiName): Promise<void> => {
      const entry = apiEntry(name);
      counts.ws++;
      covered.add(`ws ${entry.subject}`);
      if (gen.chance(0.1)) {
        ws.ws.send(gen.chance(0.5) ? gen.rawBody(50_000) : Buffer.from(gen.string(1_000)));
        return;
      }
      const data = generateInvalid(gen, entry.request, !READS.has(name), 50_000, 900);
      if (data === SKIP) return;
      const id = `f${++wsSeq}`;
      wsPending.add(id);
      ws.ws.send(JSON.stringify({ type: 'req', id, subject: entry.subject, data }));
    };

    // Valid events go one after another on their own chain, between the hostile inputs.
    let validChain = Promise.resolve();
    const started = Date.now();
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; i < TOTAL; i++) {
      if (i % VALID_EVERY === 0) {
        const text = `valid ${i} ${gen.string(2_000)}`;
        validTexts.push(text);
        counts.valid++;
        validChain = validChain.then(() => agent.message(taskId, text));
      }
      const target = pickTarget(i);
      if (!target) throw new Error('no target');
      const call =
        target.kind === 'rest'
          ? restCall(target.route)
          : target.kind === 'bus'
            ? busCall(target.name)
            : target.kind === 'ws'
              ? wsCall(target.name)
              : publish(target.entry);
      const tracked = call.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      if (inFlight.size >= CONCURRENCY) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    await validChain;
    // Every WebSocket request is answered, on the same socket.
    await eventually(
      async () => wsPending.size,
      (size) => size === 0,
      15_000,
    );
    expect(ws.ws.readyState).toBe(ws.ws.OPEN);
    ws.ws.terminate();
    const elapsedMs = Date.now() - started;

    // Every valid event is stored, in order, with its text (NUL kept out of the store, not the event).
    const stored = await eventually(
      async () => (await store.taskEvents.list(taskId)).filter((e) => e.type === 'message' || e.seq > 1),
      (list) => list.length >= validTexts.length + 1,
      15_000,
    );
    expect(stored.length).toBe(validTexts.length + 1);
    expect((await store.tasks.get(taskId))?.status).toMatch(/^(assigned|running)$/);

    // Still healthy, still serving.
    const ready = await fetch(`${url}/api/ready`);
    expect(ready.status).toBe(200);
    const list = await fetch(`${url}${REST_PREFIX}/tasks`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(list.status).toBe(200);
    await expect(bus.request(Api.tasksGet, { task_id: taskId })).resolves.toMatchObject({ task_id: taskId });

    // Nothing changed but the valid events.
    const after = await snapshotStore(store, taskId);
    expect(storeDifferences(before, after)).toEqual([]);

    // Every route and subject was reached.
    for (const route of REST_ROUTES)
      expect(covered, `${route.method} ${route.path}`).toContain(`rest ${route.method} ${route.path}`);
    for (const name of [...API_NAMES, ...AGENT_FACING_NAMES])
      expect(covered).toContain(`bus ${apiEntry(name).subject}`);
    for (const name of API_NAMES) expect(covered).toContain(`ws ${apiEntry(name).subject}`);

    const sent = counts.rest + counts.bus + counts.ws + counts.events;
    console.info(`fuzz: ${sent} hostile inputs (${JSON.stringify(counts)}) in ${elapsedMs} ms`);
    expect(sent).toBeGreaterThanOrEqual(10_000);
    expect(findings).toEqual({ serverErrors: [], internal: [], transport: [] });
  }, 300_000);
});
