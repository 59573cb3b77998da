import { NoRespondersError, RemoteError, TimeoutError } from '@figaro/bus';
import { AgentKind, Api, Broadcasts, Events } from '@figaro/protocol';
import { queryRows, type StoreRepos, type TaskRecord } from '@figaro/store';
import { z } from 'zod';
import type { OrchestratorDeps } from '../deps.js';
import { nextOrchestratorSeq } from '../events/orchestrator-events.js';
import { addToOutbox } from '../outbox/outbox-writer.js';
import { toTask } from '../tasks/task-view.js';
import { type ClaimingAgent, TaskQueue } from './task-queue.js';

const AvailableAgent = z.object({ id: z.string(), kind: AgentKind });

/** Why an offer did not stick. */
type OfferFailure = 'busy' | 'no_reply';

/**
 * Hands queued tasks to agents. `drain()` claims, for every available agent (supervisors first), its
 * oldest eligible task, commits the assignment, then offers it with a request to the agent. An agent
 * that is busy or does not answer gets its task taken back to the same place in line.
 */
export class Dispatcher {
  readonly #deps: OrchestratorDeps;
  readonly #afterCommit: () => void;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  readonly #offers = new Set<Promise<void>>();

  /** `afterCommit` is called after each committed change that wrote to the outbox (kicks the relay). */
  constructor(deps: OrchestratorDeps, afterCommit: () => void) {
    this.#deps = deps;
    this.#afterCommit = afterCommit;
  }

  /** Assigns what can be assigned now; concurrent calls coalesce into one more pass. */
  drain(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#pass()
      .catch((err: unknown) => {
        this.#deps.logger.error({ err: errorText(err) }, 'queue drain failed');
      })
      .finally(() => {
        this.#running = null;
        if (this.#again && !this.#stopped) {
          this.#again = false;
          void this.drain();
        }
      });
    return this.#running;
  }

  /** Waits for the running pass and the offers in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#running;
    await Promise.allSettled([...this.#offers]);
  }

  async #pass(): Promise<void> {
    const { store } = this.#deps;
    const agents = await queryRows(
      store.db,
      AvailableAgent,
      `SELECT id, kind FROM agents WHERE connected AND status <> 'offline'
        ORDER BY (kind = 'supervisor') DESC, updated_at, id`,
    );
    for (const agent of agents) {
      for (;;) {
        if (this.#stopped) return;
        const claimed = await this.#claim(agent);
        if (!claimed) break;
        const offer = this.#offer(claimed, agent)
          .catch((err: unknown) => {
            // The sweeper takes back an assignment whose acceptance could not be recorded.
            this.#deps.logger.error(
              { task_id: claimed.id, err: errorText(err) },
              'recording an assignment outcome failed',
            );
          })
          .finally(() => this.#offers.delete(offer));
        this.#offers.add(offer);
      }
    }
  }

  async #claim(agent: ClaimingAgent): Promise<TaskRecord | null> {
    const { store, clock, config } = this.#deps;
    const deadline = new Date(clock.now().getTime() + config.acceptTimeoutMs);
    const task = await store.tx(async (repos) => {
      const claimed = await TaskQueue.claim(repos.db, agent, deadline);
      if (!claimed) return null;
      await this.#recordAssignment(repos, claimed.task, agent);
      return claimed.task;
    });
    if (task) this.#afterCommit();
    return task;
  }

  /** Stores and announces the assignment (`figaro.task.{id}.assigned`, attempt-0 sequence). */
  async #recordAssignment(repos: StoreRepos, task: TaskRecord, agent: ClaimingAgent): Promise<void> {
    const payload = {
      task_id: task.id,
      attempt: task.attempt,
      prompt: task.prompt,
      ...(agent.kind === 'worker' ? { worker_id: agent.id } : { supervisor_id: agent.id }),
    };
    const seq = await nextOrchestratorSeq(repos, task.id);
    await repos.taskEvents.record({ task_id: task.id, attempt: 0, seq, type: 'assigned', payload });
    await addToOutbox(repos, Events.taskAssigned.at(task.id), payload);
    await addToOutbox(repos, Broadcasts.task_updated, { task: toTask(task), version: task.version });
  }

  async #offer(task: TaskRecord, agent: ClaimingAgent): Promise<void> {
    const { bus, config, logger } = this.#deps;
    let failure: OfferFailure | null = null;
    try {
      const reply =
        agent.kind === 'worker'
          ? await bus.request(
              Api.workerTask.at(agent.id),
              { task_id: task.id, attempt: task.attempt, prompt: task.prompt, options: task.options },
              { timeoutMs: config.acceptTimeoutMs },
            )
          : await bus.request(
              Api.supervisorTask.at(agent.id),
              {
                task_id: task.id,
                attempt: task.attempt,
                prompt: task.prompt,
                options: task.options,
                source: task.source,
                source_metadata: task.source_metadata,
              },
              { timeoutMs: config.acceptTimeoutMs },
            );
      if ('code' in reply) failure = 'busy';
    } catch (err) {
      if (err instanceof RemoteError && err.code === 'busy') failure = 'busy';
      else {
        failure = 'no_reply';
        if (!(err instanceof TimeoutError || err instanceof NoRespondersError)) {
          logger.warn(
            { task_id: task.id, agent_id: agent.id, err: errorText(err) },
            'assignment request failed',
          );
        }
      }
    }
    if (failure) await this.takeBack(task.id, task.attempt, agent, failure);
    else await this.#accepted(task, agent);
  }

  /**
   * The agent reserved the task. Its status is left to its own heartbeats: its load is counted from
   * the tasks it holds, and its first event may already have been applied.
   */
  async #accepted(task: TaskRecord, _agent: ClaimingAgent): Promise<void> {
    await this.#deps.store.tx(async (repos) => {
      const updated = await repos.db.query(
        `UPDATE tasks SET accept_deadline = NULL
          WHERE id = $1 AND attempt = $2 AND status IN ('assigned', 'running') RETURNING id`,
        [task.id, task.attempt],
      );
      // A late acceptance of an assignment already taken back must not drop the task's place in line.
      if (updated.length > 0) await TaskQueue.remove(repos.db, task.id);
    });
  }

  /**
   * Returns an assigned task to its place in the queue: its agent said busy, did not answer, or let the
   * accept deadline pass. The agent is told to stop it (in case it started anyway) and is marked busy
   * or offline so that the next pass offers the task to someone else.
   */
  async takeBack(taskId: string, attempt: number, agent: ClaimingAgent, why: OfferFailure): Promise<void> {
    const { store, logger } = this.#deps;
    const requeued = await store.tx(async (repos) => {
      const rows = await repos.db.query(
        `UPDATE tasks SET status = 'pending', accept_deadline = NULL, version = version + 1, updated_at = now(),
                ${agent.kind === 'worker' ? 'worker_id = NULL' : 'supervisor_id = NULL'}
          WHERE id = $1 AND attempt = $2 AND status = 'assigned' RETURNING options->>'worker_id' AS pinned`,
        [taskId, attempt],
      );
      const [row] = rows;
      if (!row) return null;
      await TaskQueue.requeue(repos.db, taskId, typeof row.pinned === 'string' ? row.pinned : null);
      await repos.agents.setStatus(agent.id, why === 'busy' ? 'busy' : 'offline');
      const stop =
        agent.kind === 'worker' ? Events.workerStop.at(agent.id) : Events.supervisorStop.at(agent.id);
      await addToOutbox(repos, stop, { task_id: taskId, attempt });
      const task = await repos.tasks.get(taskId);
      if (task)
        await addToOutbox(repos, Broadcasts.task_updated, { task: toTask(task), version: task.version });
      return task;
    });
    if (!requeued) return;
    logger.info({ task_id: taskId, agent_id: agent.id, why }, 'assignment taken back; task requeued');
    this.#afterCommit();
    void this.drain();
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
