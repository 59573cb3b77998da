import { type Consumer, consumeEvents, type DurableMessage, type ParsedEvent } from '@figaro/bus';
import {
  Events,
  Patterns,
  parseTaskSubject,
  type TaskCompleteEvent,
  type TaskErrorEvent,
  type TaskMessageEvent,
  type TaskProgressEvent,
} from '@figaro/protocol';
import { FINISHED_STATUSES } from '@figaro/store';
import type { OrchestratorDeps } from '../deps.js';
import type { TaskLifecycle, TaskOutcome } from '../tasks/task-lifecycle.js';
import { KeyedLanes } from './keyed-lanes.js';

/** The task events the ingestor reads from the TASKS stream, by kind. */
const TASK_EVENTS = {
  assigned: Events.taskAssigned,
  message: Events.taskMessage,
  progress: Events.taskProgress,
  complete: Events.taskComplete,
  error: Events.taskError,
} as const;

/** One stored task event, parsed with its kind's schema. */
type TaskEvent = ParsedEvent<typeof TASK_EVENTS>;

/** What applying an event did: a committed change (kick the relay), an agent freed (drain the queue). */
interface Outcome {
  changed: boolean;
  freedAgent: boolean;
}

/**
 * Reads task events from the TASKS stream with one durable consumer shared by every replica, applies
 * one task's events in order (different tasks in parallel), and acks only after the event is stored.
 * An invalid event (failing its schema, or naming another task than its subject) is logged and
 * terminated; a store failure is retried with backoff and, after
 * `eventMaxDeliver` deliveries, quarantined as a dead letter.
 */
export class EventIngestor {
  readonly #deps: OrchestratorDeps;
  readonly #lifecycle: TaskLifecycle;
  readonly #afterCommit: () => void;
  readonly #drain: () => Promise<void>;
  readonly #lanes = new KeyedLanes();
  #consumer: Consumer | null = null;

  constructor(
    deps: OrchestratorDeps,
    lifecycle: TaskLifecycle,
    hooks: { afterCommit: () => void; drain: () => Promise<void> },
  ) {
    this.#deps = deps;
    this.#lifecycle = lifecycle;
    this.#afterCommit = hooks.afterCommit;
    this.#drain = hooks.drain;
  }

  async start(): Promise<void> {
    const { bus, config, logger } = this.#deps;
    this.#consumer = await consumeEvents(
      bus,
      'TASKS',
      config.eventsDurable,
      Patterns.allTaskEvents,
      TASK_EVENTS,
      (event, msg) => this.#lanes.run(event.payload.task_id, () => this.#process(event, msg)),
      {
        ackWaitMs: config.eventAckWaitMs,
        maxDeliver: config.eventMaxDeliver,
        concurrency: config.eventConcurrency,
        logger,
        // `.input` requests share the subject tree; they are not events.
        unmatched: 'ack',
      },
    );
  }

  async stop(): Promise<void> {
    await this.#consumer?.stop();
    this.#consumer = null;
  }

  async #process(event: TaskEvent, msg: DurableMessage): Promise<void> {
    const { logger, config } = this.#deps;
    const taskId = event.payload.task_id;
    if (parseTaskSubject(msg.subject)?.taskId !== taskId) {
      logger.warn({ subject: msg.subject }, 'task event for another task than its subject dropped');
      msg.term();
      return;
    }
    try {
      const outcome = await this.#apply(event);
      msg.ack();
      if (outcome.changed) this.#afterCommit();
      if (outcome.freedAgent) await this.#drain();
    } catch (err) {
      if (msg.deliveryCount >= config.eventMaxDeliver) {
        logger.error(
          { subject: msg.subject, err: errorText(err) },
          'task event failed every delivery: dead letter',
        );
        await this.#deadLetter(taskId, event.kind, event.payload, errorText(err)).catch(
          (deadLetterErr: unknown) => {
            // The event is lost now: say so, with the task, instead of dropping it silently.
            logger.error(
              { subject: msg.subject, task_id: taskId, err: errorText(deadLetterErr) },
              'dead letter could not be stored; the task event is lost',
            );
          },
        );
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

  async #apply(event: TaskEvent): Promise<Outcome> {
    switch (event.kind) {
      case 'assigned':
        return { changed: false, freedAgent: false }; // our own announcement, stored when published
      case 'message':
        return this.#onMessage(event.payload);
      case 'progress':
        return this.#onProgress(event.payload);
      case 'complete':
        return this.#onFinal(event.payload, {
          status: 'completed',
          result: event.payload.result,
          by: 'agent',
        });
      case 'error':
        return this.#onFinal(event.payload, { status: 'failed', error: event.payload.error, by: 'agent' });
    }
  }

  async #onMessage(event: TaskMessageEvent): Promise<Outcome> {
    return this.#deps.store.tx(async (repos) => {
      const { updated } = await repos.taskEvents.record({
        task_id: event.task_id,
        attempt: event.attempt,
        seq: event.seq,
        type: 'message',
        payload: event,
        ...(event.cost_usd !== undefined ? { cost_usd: event.cost_usd } : {}),
      });
      // Every version the count makes is announced, so dashboards see each count and no version gap
      // (the first message then announces two: its count, then the running task).
      if (updated) await this.#lifecycle.markUpdated(repos, updated);
      const started = await this.#lifecycle.start(repos, event.task_id, event.attempt);
      return { changed: started || updated !== null, freedAgent: false };
    });
  }

  async #onProgress(event: TaskProgressEvent): Promise<Outcome> {
    return this.#deps.store.tx(async (repos) => {
      const started = await this.#lifecycle.start(repos, event.task_id, event.attempt);
      const waitingOn =
        event.state === 'waiting_human'
          ? 'human'
          : event.state === 'paused' || event.state === 'budget'
            ? event.state
            : null;
      await repos.tasks.recordActivity(event.task_id, event.attempt, event.since);
      const waiting = await this.#lifecycle.markWaiting(repos, event.task_id, waitingOn, {
        attempt: event.attempt,
      });
      return { changed: started || waiting !== null, freedAgent: false };
    });
  }

  async #onFinal(event: TaskCompleteEvent | TaskErrorEvent, outcome: TaskOutcome): Promise<Outcome> {
    return this.#deps.store.tx(async (repos) => {
      const { inserted } = await repos.taskEvents.record({
        task_id: event.task_id,
        attempt: event.attempt,
        seq: event.seq,
        type: outcome.status === 'completed' ? 'complete' : 'error',
        payload: event,
      });
      const task = await repos.tasks.get(event.task_id);
      if (!inserted || !task || task.attempt !== event.attempt) return { changed: false, freedAgent: false };
      if (FINISHED_STATUSES.includes(task.status)) {
        // A stopped task: the agent's final event ends the stop grace at once.
        const released = await this.#lifecycle.endStopGrace(repos, task);
        return { changed: released, freedAgent: released };
      }
      // A task taken back to the queue keeps its attempt until the next claim: a late final event of
      // that attempt is history, not the task's end.
      if (task.status !== 'assigned' && task.status !== 'running')
        return { changed: false, freedAgent: false };
      await this.#lifecycle.finish(repos, task, outcome);
      return { changed: true, freedAgent: true };
    });
  }

  async #deadLetter(taskId: string, kind: string, payload: unknown, reason: string): Promise<void> {
    await this.#deps.store.taskEvents.deadLetter(taskId, kind, payload, reason);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
