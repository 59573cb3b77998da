import { NoRespondersError, RemoteError, TimeoutError } from '@figaro/bus';
import { Api } from '@figaro/protocol';
import type { ClaimingAgent, TaskRecord } from '@figaro/store';
import type { OrchestratorDeps } from '../deps.js';
import type { TakeBackReason, TaskLifecycle } from '../tasks/task-lifecycle.js';

/**
 * Hands queued tasks to agents. `drain()` claims, for every available agent (supervisors first), its
 * oldest eligible task, commits the assignment, then offers it with a request to the agent. An agent
 * that is busy or does not answer gets its task taken back to the same place in line.
 */
export class Dispatcher {
  readonly #deps: OrchestratorDeps;
  readonly #lifecycle: TaskLifecycle;
  readonly #afterCommit: () => void;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = false;
  readonly #offers = new Set<Promise<void>>();

  /** `afterCommit` is called after each committed change that wrote to the outbox (kicks the relay). */
  constructor(deps: OrchestratorDeps, lifecycle: TaskLifecycle, afterCommit: () => void) {
    this.#deps = deps;
    this.#lifecycle = lifecycle;
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
    for (const { id, kind } of await this.#deps.store.agents.available()) {
      const agent: ClaimingAgent = { id, kind };
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
    const task = await this.#deps.store.tx((repos) => this.#lifecycle.claim(repos, agent));
    if (task) this.#afterCommit();
    return task;
  }

  async #offer(task: TaskRecord, agent: ClaimingAgent): Promise<void> {
    const { bus, config, logger } = this.#deps;
    let failure: TakeBackReason | null = null;
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
    else await this.#accepted(task);
  }

  /**
   * The agent reserved the task. Its status is left to its own heartbeats: its load is counted from
   * the tasks it holds, and its first event may already have been applied.
   */
  async #accepted(task: TaskRecord): Promise<void> {
    await this.#deps.store.tx((repos) => this.#lifecycle.accept(repos, task.id, task.attempt));
  }

  /**
   * Returns an assigned task to its place in the queue (see `TaskLifecycle.takeBack`) and drains again
   * so that the next pass offers it to someone else.
   */
  async takeBack(taskId: string, attempt: number, agent: ClaimingAgent, why: TakeBackReason): Promise<void> {
    const requeued = await this.#deps.store.tx((repos) =>
      this.#lifecycle.takeBack(repos, taskId, attempt, agent, why),
    );
    if (!requeued) return;
    this.#deps.logger.info(
      { task_id: taskId, agent_id: agent.id, why },
      'assignment taken back; task requeued',
    );
    this.#afterCommit();
    void this.drain();
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
