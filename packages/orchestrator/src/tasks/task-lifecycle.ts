import { type AgentKind, Broadcasts, Events, FigaroError, type TaskOptions } from '@figaro/protocol';
import {
  type ClaimingAgent,
  FINISHED_STATUSES,
  NotFoundError,
  type StoreRepos,
  type TaskRecord,
  TransitionConflictError,
  type WaitingOnGuard,
} from '@figaro/store';
import type { OrchestratorDeps } from '../deps.js';
import { announceTaskEnd, nextOrchestratorSeq } from '../events/orchestrator-events.js';
import { addToOutbox } from '../outbox/outbox-writer.js';
import { toTask } from './task-view.js';

/** What a new task is stored with (`TasksRepo.create`'s input, with the options it is queued by). */
export interface TaskDraft {
  id: string;
  prompt: string;
  options: TaskOptions;
  source: string;
  source_metadata: Record<string, unknown>;
  parent_task_id: string | null;
  original_task_id: string | null;
  retry_number: number;
  supervisor_id: string | null;
  idempotency_key: string | null;
}

/** Why an assignment is taken back: the agent said busy, or did not answer in time. */
export type TakeBackReason = 'busy' | 'no_reply';

/**
 * How a task in assigned or running ends. `agent`: its agent reported the end (the agent is freed and
 * its session counts the outcome). `orchestrator`: the orchestrator ended it without the agent (lost
 * or restarted agent); the end is announced on the task's event subject and its delegations are
 * cancelled.
 */
export type TaskOutcome =
  | { status: 'completed'; result: unknown; by: 'agent' }
  | { status: 'failed'; error: string; by: 'agent' | 'orchestrator' };

/** The error stored on delegations cancelled because their parent ended. */
export const PARENT_ENDED = 'parent task ended';

/**
 * The one owner of task state in the orchestrator. Each method runs inside the caller's transaction
 * (`repos`), so a change commits together with what the caller does around it, and does the whole
 * step: the guarded transition in the store, the follow-ups in the outbox and the `task_updated`
 * broadcast with the new version. Callers kick the outbox relay after committing.
 */
export class TaskLifecycle {
  readonly #deps: OrchestratorDeps;

  constructor(deps: OrchestratorDeps) {
    this.#deps = deps;
  }

  /**
   * Stores a task `pending` and queues it (pinned to `options.worker_id` when given); it waits on
   * `no_worker` when no connected agent could ever take it. Same id and content → the stored task
   * with `created: false` and nothing else done.
   */
  async create(repos: StoreRepos, draft: TaskDraft): Promise<{ task: TaskRecord; created: boolean }> {
    const result = await repos.tasks.create(draft);
    if (!result.created) return result;
    await repos.queue.enqueue(draft.id, draft.options.worker_id ?? null);
    const waiting = await repos.tasks.setWaitingOn(draft.id, 'no_worker', {
      statuses: ['pending'],
      noConnectedAgentOf: kindsFor(draft.options.target),
    });
    const task = waiting ?? result.task;
    await addToOutbox(repos, Broadcasts.task_created, { task: toTask(task), version: task.version });
    return { task, created: true };
  }

  /**
   * Claims the agent's oldest eligible queued task (one statement, see `TaskQueueRepo.claim`) with an
   * accept deadline, and stores and announces the assignment (`figaro.task.{id}.assigned`, attempt 0).
   */
  async claim(repos: StoreRepos, agent: ClaimingAgent): Promise<TaskRecord | null> {
    const { clock, config } = this.#deps;
    const deadline = new Date(clock.now().getTime() + config.acceptTimeoutMs);
    const claimed = await repos.queue.claim(agent, deadline);
    if (!claimed) return null;
    const { task } = claimed;
    const payload = {
      task_id: task.id,
      attempt: task.attempt,
      prompt: task.prompt,
      ...(agent.kind === 'worker' ? { worker_id: agent.id } : { supervisor_id: agent.id }),
    };
    const seq = await nextOrchestratorSeq(repos, task.id);
    await repos.taskEvents.record({ task_id: task.id, attempt: 0, seq, type: 'assigned', payload });
    await addToOutbox(repos, Events.taskAssigned.at(task.id), payload);
    await this.#updated(repos, task);
    return task;
  }

  /**
   * The agent reserved its assignment: the accept deadline no longer applies and the task leaves the
   * queue. False for a late acceptance of an assignment already taken back (the task keeps its place).
   */
  async accept(repos: StoreRepos, taskId: string, attempt: number): Promise<boolean> {
    const accepted = await repos.tasks.clearAcceptDeadline(taskId, attempt);
    if (accepted) await repos.queue.remove(taskId);
    return accepted;
  }

  /**
   * Returns an assigned task to its place in the queue: its agent said busy, did not answer, or let
   * the accept deadline pass. The agent is told to stop it (in case it started anyway) and marked busy
   * or offline so that the next claim goes to someone else. Null when the task is no longer assigned
   * on that attempt.
   */
  async takeBack(
    repos: StoreRepos,
    taskId: string,
    attempt: number,
    agent: ClaimingAgent,
    why: TakeBackReason,
  ): Promise<TaskRecord | null> {
    const task = await this.#transitionOrNull(() =>
      repos.tasks.transition(taskId, 'pending', {
        expect: { status: ['assigned'], attempt },
        set: agent.kind === 'worker' ? { worker_id: null } : { supervisor_id: null },
      }),
    );
    if (!task) return null;
    const pinned = task.options.worker_id;
    await repos.queue.enqueue(taskId, typeof pinned === 'string' ? pinned : null);
    await repos.agents.setStatus(agent.id, why === 'busy' ? 'busy' : 'offline');
    await addToOutbox(repos, stopEvent(agent.kind, agent.id), { task_id: taskId, attempt });
    await this.#updated(repos, task);
    return task;
  }

  /** The first event of the current attempt makes an assigned task running; true when it did. */
  async start(repos: StoreRepos, taskId: string, attempt: number): Promise<boolean> {
    const task = await repos.tasks.get(taskId);
    if (task?.status !== 'assigned' || task.attempt !== attempt) return false;
    const running = await repos.tasks.transition(taskId, 'running', {
      expect: { status: ['assigned'], attempt },
    });
    await this.#updated(repos, running);
    return true;
  }

  /**
   * Sets what a task waits on (`human`, `paused`, `budget`, or null; the guard defaults to assigned or
   * running), always as a new version with its broadcast. Null when nothing changed.
   */
  async markWaiting(
    repos: StoreRepos,
    taskId: string,
    waitingOn: string | null,
    guard: WaitingOnGuard = {},
  ): Promise<TaskRecord | null> {
    const task = await repos.tasks.setWaitingOn(taskId, waitingOn, guard);
    if (task) await this.#updated(repos, task);
    return task;
  }

  /**
   * Ends a task in assigned or running on its current attempt (see `TaskOutcome`); a conflict (the
   * task changed) is the store's `TransitionConflictError`.
   */
  async finish(repos: StoreRepos, task: TaskRecord, outcome: TaskOutcome): Promise<TaskRecord> {
    const expect = { status: ['assigned', 'running'] as const, attempt: task.attempt };
    const finished =
      outcome.status === 'completed'
        ? await repos.tasks.transition(task.id, 'completed', { expect, set: { result: outcome.result } })
        : await repos.tasks.transition(task.id, 'failed', { expect, set: { error: outcome.error } });
    await repos.queue.remove(task.id);
    if (outcome.by === 'orchestrator') await announceTaskEnd(repos, task.id, outcome.error, false);
    await this.#updated(repos, finished);
    if (outcome.by === 'agent') {
      await this.release(repos, finished);
      const assignee = finished.worker_id ?? finished.supervisor_id;
      if (assignee) await repos.agents.countSessionOutcome(assignee, outcome.status);
    } else {
      for (const child of await repos.tasks.unfinishedChildren(task.id)) {
        await this.cancelTree(repos, child, PARENT_ENDED, false);
      }
    }
    return finished;
  }

  /**
   * Frees the agent of a task that no longer occupies it (finished, or stopped and its stop grace
   * over): a `busy` agent becomes `idle` once nothing else occupies it.
   */
  async release(repos: StoreRepos, task: TaskRecord): Promise<void> {
    if (task.worker_id) await repos.agents.markIdleIfFree(task.worker_id, 'worker');
    else if (task.supervisor_id) await repos.agents.markIdleIfFree(task.supervisor_id, 'supervisor');
  }

  /**
   * Ends a stopped task's stop grace (its agent confirmed the stop, or the grace ran out) and frees the
   * agent. True when this call ended it.
   */
  async endStopGrace(repos: StoreRepos, task: TaskRecord): Promise<boolean> {
    const ended = await repos.tasks.clearReleaseDeadline(task.id);
    if (ended) await this.release(repos, task);
    return ended;
  }

  /**
   * Cancels a task that is not finished and, recursively, its unfinished delegations, storing `error`
   * on each. An agent holding one is told to stop and stays occupied until it confirms or the stop
   * grace ends. `announce` publishes the end on the task's event subject (for whoever waits on it);
   * delegations cancelled with their parent are not announced: their parent's agent is being stopped.
   * A task that changed meanwhile is a `conflict`.
   */
  async cancelTree(repos: StoreRepos, task: TaskRecord, error: string, announce = true): Promise<void> {
    if (FINISHED_STATUSES.includes(task.status)) return;
    const held = task.status === 'assigned' || task.status === 'running';
    const graceEnds = new Date(this.#deps.clock.now().getTime() + this.#deps.config.stopGraceMs);
    let cancelled: TaskRecord;
    try {
      cancelled = await repos.tasks.transition(task.id, 'cancelled', {
        expect: { status: [task.status], attempt: task.attempt },
        set: { error, release_deadline: held ? graceEnds : null },
      });
    } catch (err) {
      if (err instanceof TransitionConflictError) {
        throw new FigaroError('conflict', `task ${task.id} changed while stopping; try again`, {
          cause: err,
        });
      }
      throw err;
    }
    await repos.queue.remove(task.id);
    if (held) {
      const agent = task.worker_id
        ? { kind: 'worker' as const, id: task.worker_id }
        : task.supervisor_id
          ? { kind: 'supervisor' as const, id: task.supervisor_id }
          : null;
      if (agent)
        await addToOutbox(repos, stopEvent(agent.kind, agent.id), {
          task_id: task.id,
          attempt: task.attempt,
        });
    }
    // After the stop (the relay publishes in order, so the agent hears of it first).
    if (announce) await announceTaskEnd(repos, task.id, error, true);
    await addToOutbox(repos, Broadcasts.task_cancelled, {
      task_id: task.id,
      ...(task.worker_id ? { worker_id: task.worker_id } : {}),
      ...(task.supervisor_id ? { supervisor_id: task.supervisor_id } : {}),
    });
    await this.#updated(repos, cancelled);
    for (const child of await repos.tasks.unfinishedChildren(task.id)) {
      await this.cancelTree(repos, child, error, false);
    }
  }

  /**
   * Announces a change the store made to a task outside a transition (its message count and cost,
   * counted by `TaskEventsRepo.record`): the `task_updated` of its new version.
   */
  async markUpdated(repos: StoreRepos, task: TaskRecord): Promise<void> {
    await this.#updated(repos, task);
  }

  /** The one builder of `task_updated`: the task's API view and its new version. */
  async #updated(repos: StoreRepos, task: TaskRecord): Promise<void> {
    await addToOutbox(repos, Broadcasts.task_updated, { task: toTask(task), version: task.version });
  }

  /** A transition whose refusal (the task moved on, or is gone) means "nothing to do". */
  async #transitionOrNull(run: () => Promise<TaskRecord>): Promise<TaskRecord | null> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof TransitionConflictError || err instanceof NotFoundError) return null;
      throw err;
    }
  }
}

/** `figaro.{worker|supervisor}.{id}.stop`. */
export function stopEvent(kind: AgentKind, agentId: string) {
  return kind === 'worker' ? Events.workerStop.at(agentId) : Events.supervisorStop.at(agentId);
}

/** The agent kinds that could take a task of this target. */
function kindsFor(target: TaskOptions['target']): AgentKind[] {
  return target === 'worker'
    ? ['worker']
    : target === 'supervisor'
      ? ['supervisor']
      : ['worker', 'supervisor'];
}
