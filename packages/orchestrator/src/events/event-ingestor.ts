import type { Consumer, DurableMessage } from '@figaro/bus';
import {
  Broadcasts,
  InvalidRequestError,
  Patterns,
  parseTaskSubject,
  type TaskCompleteEvent,
  type TaskErrorEvent,
  TaskEventSchemas,
  type TaskMessageEvent,
  type TaskProgressEvent,
} from '@figaro/protocol';
import { FINISHED_STATUSES, type StoreRepos, type TaskRecord } from '@figaro/store';
import type { OrchestratorDeps } from '../deps.js';
import { addToOutbox } from '../outbox/outbox-writer.js';
import { toTask } from '../tasks/task-view.js';
import { markAgentIdleIfFree } from './agent-release.js';
import { KeyedLanes } from './keyed-lanes.js';

type EventKind = keyof typeof TaskEventSchemas;

/**
 * Reads task events from the TASKS stream with one durable consumer shared by every replica, applies
 * one task's events in order (different tasks in parallel), and acks only after the event is stored.
 * An invalid event is logged and terminated; a store failure is retried with backoff and, after
 * `eventMaxDeliver` deliveries, quarantined as a dead letter.
 */
export class EventIngestor {
  readonly #deps: OrchestratorDeps;
  readonly #afterCommit: () => void;
  readonly #drain: () => Promise<void>;
  readonly #lanes = new KeyedLanes();
  #consumer: Consumer | null = null;

  constructor(deps: OrchestratorDeps, hooks: { afterCommit: () => void; drain: () => Promise<void> }) {
    this.#deps = deps;
    this.#afterCommit = hooks.afterCommit;
    this.#drain = hooks.drain;
  }

  async start(): Promise<void> {
    const { bus, config } = this.#deps;
    this.#consumer = await bus.consume(
      'TASKS',
      config.eventsDurable,
      Patterns.allTaskEvents,
      (msg) => this.#handle(msg),
      {
        ackWaitMs: config.eventAckWaitMs,
        maxDeliver: config.eventMaxDeliver,
        concurrency: config.eventConcurrency,
      },
    );
  }

  async stop(): Promise<void> {
    await this.#consumer?.stop();
    this.#consumer = null;
  }

  #handle(msg: DurableMessage): Promise<void> {
    const parsed = parseTaskSubject(msg.subject);
    if (!parsed) {
      msg.term();
      return Promise.resolve();
    }
    return this.#lanes.run(parsed.taskId, () => this.#process(parsed.taskId, parsed.kind, msg));
  }

  async #process(taskId: string, kind: string, msg: DurableMessage): Promise<void> {
    const { logger, config } = this.#deps;
    if (!(kind in TaskEventSchemas)) {
      // `.input` requests share the subject tree; they are not events.
      msg.ack();
      return;
    }
    const eventKind = kind as EventKind;
    let payload: unknown;
    try {
      payload = msg.decode(TaskEventSchemas[eventKind], `figaro.task.*.${kind} event`);
      if ((payload as { task_id: string }).task_id !== taskId) {
        throw new InvalidRequestError('task event', [
          { code: 'custom', path: ['task_id'], message: 'does not match the subject', input: undefined },
        ]);
      }
    } catch (err) {
      logger.warn({ subject: msg.subject, err: errorText(err) }, 'invalid task event dropped');
      msg.term();
      return;
    }
    try {
      const outcome = await this.#apply(eventKind, payload);
      msg.ack();
      if (outcome.changed) this.#afterCommit();
      if (outcome.freedAgent) await this.#drain();
    } catch (err) {
      if (msg.deliveryCount >= config.eventMaxDeliver) {
        logger.error(
          { subject: msg.subject, err: errorText(err) },
          'task event failed every delivery: dead letter',
        );
        await this.#deadLetter(taskId, kind, payload, errorText(err)).catch(() => {});
        msg.term();
      } else {
        logger.warn(
          { subject: msg.subject, err: errorText(err), delivery: msg.deliveryCount },
          'storing task event failed; retrying',
        );
        msg.nak(Math.min(30_000, 250 * 2 ** msg.deliveryCount));
      }
    }
  }

  async #apply(kind: EventKind, payload: unknown): Promise<{ changed: boolean; freedAgent: boolean }> {
    switch (kind) {
      case 'assigned':
        return { changed: false, freedAgent: false }; // our own announcement, stored when published
      case 'message':
        return this.#onMessage(payload as TaskMessageEvent);
      case 'progress':
        return this.#onProgress(payload as TaskProgressEvent);
      case 'complete':
        return this.#onFinal(payload as TaskCompleteEvent, 'complete');
      case 'error':
        return this.#onFinal(payload as TaskErrorEvent, 'error');
    }
  }

  async #onMessage(event: TaskMessageEvent): Promise<{ changed: boolean; freedAgent: boolean }> {
    return this.#deps.store.tx(async (repos) => {
      await repos.taskEvents.record({
        task_id: event.task_id,
        attempt: event.attempt,
        seq: event.seq,
        type: 'message',
        payload: event,
        ...(event.cost_usd !== undefined ? { cost_usd: event.cost_usd } : {}),
      });
      const changed = await markRunning(repos, event.task_id, event.attempt);
      return { changed, freedAgent: false };
    });
  }

  async #onProgress(event: TaskProgressEvent): Promise<{ changed: boolean; freedAgent: boolean }> {
    return this.#deps.store.tx(async (repos) => {
      const changed = await markRunning(repos, event.task_id, event.attempt);
      const waitingOn =
        event.state === 'waiting_human'
          ? 'human'
          : event.state === 'paused' || event.state === 'budget'
            ? event.state
            : null;
      await repos.db.query(
        `UPDATE tasks SET activity_at = $3::timestamptz, waiting_on = $4
          WHERE id = $1 AND attempt = $2 AND status IN ('assigned', 'running')`,
        [event.task_id, event.attempt, event.since, waitingOn],
      );
      return { changed, freedAgent: false };
    });
  }

  async #onFinal(
    event: TaskCompleteEvent | TaskErrorEvent,
    type: 'complete' | 'error',
  ): Promise<{ changed: boolean; freedAgent: boolean }> {
    return this.#deps.store.tx(async (repos) => {
      const { inserted } = await repos.taskEvents.record({
        task_id: event.task_id,
        attempt: event.attempt,
        seq: event.seq,
        type,
        payload: event,
      });
      const task = await repos.tasks.get(event.task_id);
      if (!inserted || !task || task.attempt !== event.attempt) return { changed: false, freedAgent: false };
      if (FINISHED_STATUSES.includes(task.status)) {
        // A stopped task: the agent's final event ends the stop grace at once.
        const released = await repos.tasks.clearReleaseDeadline(task.id);
        if (released) await releaseAgent(repos, task);
        return { changed: released, freedAgent: released };
      }
      // A task taken back to the queue keeps its attempt until the next claim: a late final event of
      // that attempt is history, not the task's end.
      if (task.status !== 'assigned' && task.status !== 'running')
        return { changed: false, freedAgent: false };
      const finished =
        type === 'complete'
          ? await repos.tasks.transition(task.id, 'completed', {
              expect: { status: ['assigned', 'running'], attempt: event.attempt },
              set: { result: (event as TaskCompleteEvent).result },
            })
          : await repos.tasks.transition(task.id, 'failed', {
              expect: { status: ['assigned', 'running'], attempt: event.attempt },
              set: { error: (event as TaskErrorEvent).error },
            });
      await addToOutbox(repos, Broadcasts.task_updated, {
        task: toTask(finished),
        version: finished.version,
      });
      await releaseAgent(repos, finished);
      const assignee = finished.worker_id ?? finished.supervisor_id;
      if (assignee)
        await repos.agents.countSessionOutcome(assignee, type === 'complete' ? 'completed' : 'failed');
      return { changed: true, freedAgent: true };
    });
  }

  async #deadLetter(taskId: string, kind: string, payload: unknown, reason: string): Promise<void> {
    await this.#deps.store.db.query(
      `INSERT INTO quarantined_events (task_id, attempt, seq, type, payload, reason)
       VALUES ($1, NULL, NULL, $2, $3::jsonb, $4)`,
      [taskId, kind, JSON.stringify(payload ?? null), `dead letter: ${reason}`.slice(0, 1000)],
    );
  }
}

/** The first event of the current attempt makes an assigned task running; true when it did. */
async function markRunning(repos: StoreRepos, taskId: string, attempt: number): Promise<boolean> {
  const task = await repos.tasks.get(taskId);
  if (task?.status !== 'assigned' || task.attempt !== attempt) return false;
  const running = await repos.tasks.transition(taskId, 'running', {
    expect: { status: ['assigned'], attempt },
  });
  await addToOutbox(repos, Broadcasts.task_updated, { task: toTask(running), version: running.version });
  return true;
}

async function releaseAgent(repos: StoreRepos, task: TaskRecord): Promise<void> {
  if (task.worker_id) await markAgentIdleIfFree(repos, task.worker_id, 'worker');
  else if (task.supervisor_id) await markAgentIdleIfFree(repos, task.supervisor_id, 'supervisor');
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
