import { type Bus, RemoteError, type Subscription, subscribeEvent } from '@figaro/bus';
import { Api, type Clock, Events, type Logger, type ProgressState } from '@figaro/protocol';
import { z } from 'zod';
import { CancelledError } from '../errors.js';
import { defineTool, type Tool, ToolError } from '../tools/tool.js';

/** Default inactivity timeout of a delegation (`SUPERVISOR_DELEGATION_INACTIVITY_TIMEOUT`, 600 s). */
export const DEFAULT_DELEGATION_INACTIVITY_TIMEOUT_MS = 600_000;

/**
 * Progress states during which the inactivity timer is suspended: the child waits for a person (a
 * question, a budget decision) or was paused by one.
 */
const SUSPENDING_STATES: ReadonlySet<string> = new Set<ProgressState>(['waiting_human', 'paused', 'budget']);
/** The same, as the store's `waiting_on` column says it. */
const SUSPENDING_WAITS: ReadonlySet<string> = new Set(['human', 'paused', 'budget']);

/** How following a delegated task ended. */
export type DelegationOutcome =
  | { kind: 'completed'; result: string | null }
  | { kind: 'failed'; error: string }
  /** No event for the inactivity timeout; the child has been stopped. */
  | { kind: 'timeout' }
  /** The supervisor's own task was aborted; the child has been asked to stop. */
  | { kind: 'cancelled' };

/** What following a delegated task needs. */
export interface FollowOptions {
  bus: Bus;
  taskId: string;
  /** The supervisor task's signal: aborting it stops the child. */
  signal: AbortSignal;
  /** Time without any event of the child (while it is not waiting for a person), in ms. */
  inactivityTimeoutMs: number;
  clock: Clock;
  logger: Logger;
}

/**
 * Follows a delegated task until it ends. Subscribes to its events first, then reads its state once
 * (the task may have ended before the subscription). Every message and every change of progress state
 * resets the inactivity timer (a progress event that repeats the current state is a liveness signal
 * and does not); a `waiting_human`, `budget` or `paused` state suspends it until the next event. The
 * timer is also suspended while the child waits in the queue for a worker (only its thinking and
 * acting time counts, ARCHITECTURE.md), and starts when it is assigned. Events of an attempt
 * older than one already seen are ignored (a requeued task's previous assignee). On timeout or abort
 * the child is stopped (`figaro.api.tasks.stop`), never left running.
 */
export async function followDelegatedTask(options: FollowOptions): Promise<DelegationOutcome> {
  const { bus, taskId, signal, clock, logger } = options;
  let settle: (outcome: DelegationOutcome) => void = () => {};
  const ended = new Promise<DelegationOutcome>((resolve) => {
    settle = resolve;
  });
  let finished = false;
  let timer: { cancel(): void } | undefined;
  let suspended = false;
  let latestAttempt = 0;
  let lastState: ProgressState | undefined;
  let lastStateAttempt = 0;
  const finish = (outcome: DelegationOutcome) => {
    if (finished) return;
    finished = true;
    timer?.cancel();
    settle(outcome);
  };
  const arm = () => {
    timer?.cancel();
    timer = undefined;
    if (!finished && !suspended)
      timer = clock.setTimeout(() => finish({ kind: 'timeout' }), options.inactivityTimeoutMs);
  };
  /** Whether an event of `attempt` speaks for the task (0: the orchestrator's own events). */
  const current = (attempt: number) => {
    if (attempt === 0) return true;
    if (attempt < latestAttempt) return false;
    latestAttempt = attempt;
    return true;
  };
  const onAbort = () => finish({ kind: 'cancelled' });
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();

  const subscriptions: Subscription[] = [];
  try {
    subscriptions.push(
      await subscribeEvent(bus, Events.taskMessage.at(taskId), async (event) => {
        if (current(event.attempt)) arm();
      }),
      await subscribeEvent(bus, Events.taskProgress.at(taskId), async (event) => {
        if (!current(event.attempt)) return;
        // A repeat of the same state is the child's liveness signal (every 30 s), not activity.
        if (event.state === lastState && event.attempt === lastStateAttempt) return;
        lastState = event.state;
        lastStateAttempt = event.attempt;
        suspended = SUSPENDING_STATES.has(event.state);
        arm();
      }),
      await subscribeEvent(bus, Events.taskAssigned.at(taskId), async () => {
        // Assigned (again, after a requeue): the child is being worked on from now.
        suspended = false;
        arm();
      }),
      await subscribeEvent(bus, Events.taskComplete.at(taskId), async (event) => {
        if (current(event.attempt)) finish({ kind: 'completed', result: event.result.result ?? null });
      }),
      await subscribeEvent(bus, Events.taskError.at(taskId), async (event) => {
        if (current(event.attempt))
          finish({ kind: 'failed', error: event.cancelled ? 'cancelled' : event.error });
      }),
    );
    if (!finished) {
      const task = await bus.request(Api.tasksGet, { task_id: taskId, include_messages: false });
      if (task.status === 'completed') finish({ kind: 'completed', result: task.result?.result ?? null });
      else if (task.status === 'failed') finish({ kind: 'failed', error: task.error ?? 'failed' });
      else if (task.status === 'cancelled') finish({ kind: 'failed', error: task.error ?? 'cancelled' });
      else {
        suspended =
          task.status === 'pending' || (task.waiting_on !== null && SUSPENDING_WAITS.has(task.waiting_on));
        if (timer === undefined) arm();
      }
    }
    const outcome = await ended;
    if (outcome.kind === 'timeout' || outcome.kind === 'cancelled') await stopTask(bus, taskId, logger);
    return outcome;
  } finally {
    timer?.cancel();
    signal.removeEventListener('abort', onAbort);
    for (const subscription of subscriptions) await subscription.unsubscribe().catch(() => {});
  }
}

/** Stops a task; one that already ended (`conflict`) or vanished is fine. */
async function stopTask(bus: Bus, taskId: string, logger: Logger): Promise<void> {
  try {
    await bus.request(Api.tasksStop, { task_id: taskId }, { timeoutMs: 5_000 });
  } catch (err) {
    if (err instanceof RemoteError && (err.code === 'conflict' || err.code === 'not_found')) return;
    logger.warn({ task_id: taskId, err: String(err) }, 'could not stop a delegated task');
  }
}

const DelegateInput = z.object({
  prompt: z
    .string()
    .min(1)
    .describe('Complete instructions for the worker: it sees only this text, not your conversation'),
  worker_id: z.string().optional().describe('A specific worker (see list_workers); default any free worker'),
});

/** Options of the `delegate_to_worker` tool. */
export interface DelegateToolOptions {
  bus: Bus;
  supervisorId: string;
  /** The supervisor's task: the parent of every delegation. */
  parentTaskId: string;
  inactivityTimeoutMs: number;
  clock: Clock;
  logger: Logger;
}

/**
 * `delegate_to_worker`: creates a child task (`figaro.api.delegate`, idempotent on the parent task and
 * the tool_use id) and blocks until it ends. The worker's result text is the tool result; a failed or
 * timed-out child is an error result for the model; an aborted supervisor task stops the child and
 * ends the call as cancelled.
 */
export function delegateToWorkerTool(options: DelegateToolOptions): Tool<z.infer<typeof DelegateInput>> {
  return defineTool({
    name: 'delegate_to_worker',
    description:
      "Hand a piece of desktop work to a worker agent and wait until it finishes. Returns the worker's final answer, or why it failed.",
    input: DelegateInput,
    async run(input, ctx) {
      const reply = await options.bus.request(Api.delegate, {
        prompt: input.prompt,
        supervisor_id: options.supervisorId,
        parent_task_id: options.parentTaskId,
        // Tool ids are unique per model conversation; the parent id keeps them apart across tasks.
        idempotency_key: `${options.parentTaskId}:${ctx.toolUseId}`,
        ...(input.worker_id ? { worker_id: input.worker_id } : {}),
      });
      const childId = reply.task_id;
      const log = options.logger.child({ child_task_id: childId });
      log.info({ worker_id: reply.worker_id, queued: reply.queued }, 'delegated');
      const outcome = await followDelegatedTask({
        bus: options.bus,
        taskId: childId,
        signal: ctx.signal,
        inactivityTimeoutMs: options.inactivityTimeoutMs,
        clock: options.clock,
        logger: log,
      });
      switch (outcome.kind) {
        case 'completed':
          return [
            { type: 'text', text: outcome.result ?? '(the worker finished without a final answer)' },
            { type: 'text', text: `(delegated task ${childId} completed)` },
          ];
        case 'failed':
          throw new ToolError(`delegated task ${childId} failed: ${outcome.error}`);
        case 'timeout':
          throw new ToolError(
            `delegated task ${childId} showed no activity for ${Number((options.inactivityTimeoutMs / 1000).toFixed(1))} s and was stopped`,
          );
        case 'cancelled':
          throw new CancelledError();
      }
    },
  });
}
