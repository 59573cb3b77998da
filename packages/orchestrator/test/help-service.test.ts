import { randomUUID } from 'node:crypto';
import { type ReceivableEvent, RemoteError, type Schema } from '@figaro/bus';
import {
  Api,
  Broadcasts,
  type Clock,
  Events,
  type HelpRequest,
  parseWith,
  RegisterWorker,
  type RequestOf,
} from '@figaro/protocol';
import { uniqueToken } from '@figaro/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { serveApiOnBus } from '../src/api/bus-server.js';
import { ApiRouter } from '../src/api/router.js';
import { HelpService, TIMEOUT_SOURCE } from '../src/help/help-service.js';
import { Registry } from '../src/registry/registry.js';
import { helpModule } from '../src/server-modules.js';
import { TaskLifecycle } from '../src/tasks/task-lifecycle.js';
import { BACKENDS, dayAheadClock, type Harness, listen, openHarness } from './service-harness.js';

for (const backend of BACKENDS) {
  describe(`HelpService on ${backend.name}`, () => {
    let h: Harness;
    const cleanups: Array<() => Promise<unknown>> = [];

    beforeAll(async () => {
      h = await openHarness(backend);
    });
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });
    afterAll(async () => {
      await h?.close();
    });

    /**
     * A HelpService that the test's teardown stops; started, its module's handlers answer on the bus
     * through the API router, as in an orchestrator.
     */
    async function service(options: { start?: boolean; clock?: Clock } = {}): Promise<HelpService> {
      const help = new HelpService(h.deps(options.clock), { afterCommit: h.afterCommit });
      cleanups.push(() => help.stop());
      if (options.start ?? true) {
        await help.start();
        const router = new ApiRouter(helpModule(help).handlers ?? {}, { logger: h.logger });
        const served = await serveApiOnBus(h.bus, router, h.logger);
        cleanups.push(() => Promise.all(served.map((sub) => sub.unsubscribe())));
      }
      return help;
    }

    async function inbox<S extends Schema>(entry: ReceivableEvent<S>) {
      const box = await listen(h.bus, entry);
      cleanups.push(() => box.close());
      return box;
    }

    /** A task running on `workerId`, as the dispatcher and the first event would leave it. */
    async function runningTask(workerId: string): Promise<string> {
      const id = randomUUID();
      await h.store.tasks.create({ id, prompt: 'book the flight' });
      await h.store.tasks.transition(id, 'assigned', { set: { worker_id: workerId } });
      await h.store.tasks.transition(id, 'running');
      return id;
    }

    function question(
      taskId: string,
      overrides: Partial<HelpRequest> = {},
    ): RequestOf<typeof Api.helpRequest> {
      return {
        request_id: uniqueToken('req'),
        worker_id: 'w-help',
        task_id: taskId,
        questions: [
          {
            question: 'Which seat?',
            header: 'Seat',
            options: [{ label: 'aisle', description: '' }],
            multiSelect: false,
          },
        ],
        timeout_seconds: 300,
        ...overrides,
      };
    }

    it('stores a request with its deadline, broadcasts it and marks the task waiting on a human', async () => {
      await service();
      const broadcasts = await inbox(Broadcasts.help_request);
      const updates = await inbox(Broadcasts.task_updated);
      const taskId = await runningTask('w-help');
      const req = question(taskId);

      await expect(h.bus.request(Api.helpRequest, req)).resolves.toEqual({ status: 'ok' });

      const { help_request: announced } = await broadcasts.next(
        (b) => b.help_request.request_id === req.request_id,
      );
      expect(announced).toMatchObject({
        task_id: taskId,
        agent_id: 'w-help',
        status: 'pending',
        answers: null,
      });
      const stored = await h.store.helpRequests.get(req.request_id);
      expect(stored?.status).toBe('pending');
      const deadlineMs = Date.parse(stored?.deadline ?? '') - Date.parse(stored?.created_at ?? '');
      expect(deadlineMs).toBe(300_000);
      const update = await updates.next((u) => u.task.task_id === taskId);
      expect(update.task.waiting_on).toBe('human');
      expect((await h.store.tasks.get(taskId))?.waiting_on).toBe('human');
    });

    it('is idempotent on request_id, refuses other content and unknown tasks', async () => {
      await service();
      const taskId = await runningTask('w-help');
      const req = question(taskId);
      await h.bus.request(Api.helpRequest, req);
      await expect(h.bus.request(Api.helpRequest, req)).resolves.toEqual({ status: 'ok' });
      expect(await h.store.helpRequests.list({ task_id: taskId })).toHaveLength(1);

      const changed = h.bus.request(Api.helpRequest, { ...req, timeout_seconds: 60 });
      await expect(changed).rejects.toBeInstanceOf(RemoteError);
      await expect(changed).rejects.toMatchObject({ code: 'conflict' });
      await expect(h.bus.request(Api.helpRequest, question(randomUUID()))).rejects.toMatchObject({
        code: 'not_found',
      });
    });

    it('delivers the answer to the agent on figaro.help.{id}.response and clears waiting_on', async () => {
      const help = await service();
      const taskId = await runningTask('w-help');
      const req = question(taskId);
      const responses = await inbox(Events.helpResponse.at(req.request_id));
      const responded = await inbox(Broadcasts.help_request_responded);
      await help.ask(parseWith(Api.helpRequest.request, req, 'help request'));

      const reply = await help.respond({
        request_id: req.request_id,
        answers: { 'Which seat?': 'aisle' },
        source: 'web',
      });

      expect(reply).toEqual({ success: true, request_id: req.request_id });
      expect(await responses.next()).toEqual({
        request_id: req.request_id,
        task_id: taskId,
        answers: { 'Which seat?': 'aisle' },
        source: 'web',
      });
      const { help_request } = await responded.next((b) => b.help_request.request_id === req.request_id);
      expect(help_request).toMatchObject({
        status: 'answered',
        source: 'web',
        answers: { 'Which seat?': 'aisle' },
      });
      expect((await h.store.tasks.get(taskId))?.waiting_on).toBeNull();
      const listed = await help.list({ task_id: taskId });
      expect(listed.help_requests.map((r) => [r.request_id, r.status])).toEqual([
        [req.request_id, 'answered'],
      ]);
    });

    it('lets exactly one of two concurrent answers win; the other gets success false', async () => {
      // Two replicas answering at once, as two channels would.
      const [first, second] = [await service(), await service()];
      const taskId = await runningTask('w-help');
      const req = question(taskId);
      const responses = await inbox(Events.helpResponse.at(req.request_id));
      await first.ask(parseWith(Api.helpRequest.request, req, 'help request'));

      const outcomes = await Promise.allSettled([
        first.respond({
          request_id: req.request_id,
          answers: { 'Which seat?': 'aisle' },
          source: 'telegram',
        }),
        second.respond({ request_id: req.request_id, answers: { 'Which seat?': 'window' }, source: 'web' }),
      ]);

      const results = outcomes.map((o) => (o.status === 'fulfilled' ? o.value.success : o.reason));
      expect(results.sort()).toEqual([false, true]);
      const response = await responses.next();
      const stored = await h.store.helpRequests.get(req.request_id);
      expect(response.source).toBe(stored?.source);
      expect(response.answers).toEqual(stored?.answers);
      await expect(
        second.respond({ request_id: 'no-such-request', answers: {}, source: 'web' }),
      ).rejects.toMatchObject({ code: 'not_found' });
    });

    it('dismisses a request: the agent gets error "dismissed" and later answers get success false', async () => {
      const help = await service();
      const taskId = await runningTask('w-help');
      const req = question(taskId);
      const responses = await inbox(Events.helpResponse.at(req.request_id));
      const dismissed = await inbox(Broadcasts.help_request_dismissed);
      await help.ask(parseWith(Api.helpRequest.request, req, 'help request'));

      await expect(help.dismiss({ request_id: req.request_id, source: 'web' })).resolves.toEqual({
        success: true,
        request_id: req.request_id,
      });

      expect(await responses.next()).toEqual({
        request_id: req.request_id,
        task_id: taskId,
        answers: null,
        source: 'web',
        error: 'dismissed',
      });
      const { help_request } = await dismissed.next((b) => b.help_request.request_id === req.request_id);
      expect(help_request.status).toBe('dismissed');
      await expect(
        help.respond({ request_id: req.request_id, answers: { 'Which seat?': 'aisle' }, source: 'web' }),
      ).resolves.toEqual({ success: false, request_id: req.request_id });
    });

    it('times out a 1-second request on time, by its timer', async () => {
      // No sweeper runs in this test: only the in-process timer can end the request.
      await service();
      const taskId = await runningTask('w-help');
      const req = question(taskId, { timeout_seconds: 1 });
      const responses = await inbox(Events.helpResponse.at(req.request_id));
      const timeouts = await inbox(Broadcasts.help_request_timeout);
      const asked = Date.now();
      await h.bus.request(Api.helpRequest, req);

      const response = await responses.next(undefined, 5_000);

      expect(response).toEqual({
        request_id: req.request_id,
        task_id: taskId,
        answers: null,
        source: TIMEOUT_SOURCE,
        error: 'timeout',
      });
      expect(Date.now() - asked).toBeLessThan(3_000);
      const { help_request } = await timeouts.next((b) => b.help_request.request_id === req.request_id);
      expect(help_request.status).toBe('timeout');
      expect((await h.store.tasks.get(taskId))?.waiting_on).toBeNull();
    });

    it('still times out a request after a restart: the new service re-arms its timer', async () => {
      const before = await service();
      const taskId = await runningTask('w-help');
      const req = question(taskId, { timeout_seconds: 1 });
      const responses = await inbox(Events.helpResponse.at(req.request_id));
      await h.bus.request(Api.helpRequest, req);
      await before.stop();

      await service();

      expect(await responses.next(undefined, 5_000)).toMatchObject({
        request_id: req.request_id,
        error: 'timeout',
      });
      expect((await h.store.helpRequests.get(req.request_id))?.status).toBe('timeout');
    });

    it('times out at start what became overdue while no orchestrator ran', async () => {
      const before = await service();
      const taskId = await runningTask('w-help');
      const req = question(taskId);
      const responses = await inbox(Events.helpResponse.at(req.request_id));
      await h.bus.request(Api.helpRequest, req);
      await before.stop();
      await h.store.db.query(
        `UPDATE help_requests SET deadline = now() - interval '1 second' WHERE id = $1`,
        [req.request_id],
      );

      await service();

      expect(await responses.next()).toMatchObject({ request_id: req.request_id, error: 'timeout' });
    });

    it('shares due requests between replicas sweeping at once, each timed out once', async () => {
      const [one, two] = [
        await service({ start: false, clock: dayAheadClock() }),
        await service({ start: false, clock: dayAheadClock() }),
      ];
      await one.sweepDue(); // earlier tests' leftovers, all overdue to this clock
      const taskId = await runningTask('w-help');
      const reqs = [question(taskId), question(taskId), question(taskId)];
      const responses = await inbox(Events.helpResponse);
      for (const req of reqs) await one.ask(parseWith(Api.helpRequest.request, req, 'help request'));

      const counts = await Promise.all([one.sweepDue(), two.sweepDue()]);

      expect(counts[0] + counts[1]).toBe(3);
      for (const req of reqs) {
        expect(await responses.next((r) => r.request_id === req.request_id)).toMatchObject({
          error: 'timeout',
        });
      }
      expect(await one.sweepDue()).toBe(0);
    });

    it("cancels a lost agent's pending requests and withdraws them from the channels", async () => {
      const help = await service();
      const registry = new Registry(h.deps(), new TaskLifecycle(h.deps()), {
        afterCommit: h.afterCommit,
        drain: async () => {},
        onAgentLost: [help.onAgentLost],
      });
      const workerId = uniqueToken('w');
      await registry.register(
        'worker',
        parseWith(
          RegisterWorker,
          {
            worker_id: workerId,
            capabilities: [],
            status: 'busy',
            metadata: {},
            current_task_id: null,
            max_concurrent: 1,
          },
          'registration',
        ),
      );
      const taskId = await runningTask(workerId);
      const req = question(taskId, { worker_id: workerId });
      const withdrawn = await inbox(Broadcasts.help_request_dismissed);
      const responses = await inbox(Events.helpResponse.at(req.request_id));
      await help.ask(parseWith(Api.helpRequest.request, req, 'help request'));

      await registry.deregister(workerId, Events.deregister.at('worker', workerId).subject);

      const { help_request } = await withdrawn.next((b) => b.help_request.request_id === req.request_id);
      expect(help_request.status).toBe('cancelled');
      expect((await h.store.helpRequests.get(req.request_id))?.status).toBe('cancelled');
      expect(await h.store.tasks.get(taskId)).toMatchObject({ status: 'failed', error: 'worker lost' });
      await h.relay.kick();
      expect(responses.items).toEqual([]);
    });
  });
}
