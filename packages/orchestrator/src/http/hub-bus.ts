import type { Bus, BusMessage, Subscription } from '@figaro/bus';
import {
  BroadcastName,
  Broadcasts,
  Events,
  type Logger,
  Patterns,
  parseTaskSubject,
  silentLogger,
} from '@figaro/protocol';
import { summarizeTaskEvent } from './task-summary.js';
import type { EventSink } from './ws-hub.js';

/** `data` of every pushed event: what happened and its payload. */
export interface HubEvent {
  /** A broadcast name (`task_updated`, `workers`, …) or `task_event` for a task event summary. */
  event: string;
  payload: unknown;
}

const broadcastBySubject: ReadonlyMap<string, BroadcastName> = new Map(
  BroadcastName.options.map((name) => [Broadcasts[name].subject, name]),
);

/** The dashboard topics a broadcast goes to (PROTOCOL.md: fleet = workers, supervisors, queue, help). */
export function topicsOf(name: BroadcastName, payload: unknown): string[] {
  if (name.startsWith('scheduled_task_')) return ['schedules'];
  if (name.startsWith('task_')) {
    const taskId = taskIdOf(payload);
    const topics = name === 'task_queued' ? ['tasks', 'fleet'] : ['tasks'];
    return taskId ? [...topics, `task:${taskId}`] : topics;
  }
  return ['fleet'];
}

function taskIdOf(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  if ('task_id' in payload && typeof payload.task_id === 'string') return payload.task_id;
  if (
    'task' in payload &&
    typeof payload.task === 'object' &&
    payload.task !== null &&
    'task_id' in payload.task
  ) {
    return typeof payload.task.task_id === 'string' ? payload.task.task_id : undefined;
  }
  return undefined;
}

function versionOf(payload: unknown): number {
  if (typeof payload !== 'object' || payload === null || !('version' in payload)) return 0;
  const { version } = payload;
  return typeof version === 'number' && Number.isSafeInteger(version) && version >= 0 ? version : 0;
}

/** Options of `connectHubToBus`. */
export interface HubBusOptions {
  /** Receives payloads dropped for failing their schema. Default silent. */
  logger?: Logger;
}

/** The subscriptions that feed a hub; `close` ends them. */
export interface HubBusConnection {
  close(): Promise<void>;
}

/**
 * Feeds a hub from the bus, on every replica (no queue group): post-commit broadcasts go to `fleet`,
 * `tasks` (and the task's own topic) or `schedules`; task events go to `task:{id}` as summaries. Only
 * payloads that pass their protocol schema are forwarded, so no secret a schema masks reaches a
 * dashboard. Resolves once every subscription is registered.
 */
export async function connectHubToBus(
  hub: EventSink,
  bus: Bus,
  options: HubBusOptions = {},
): Promise<HubBusConnection> {
  const logger = options.logger ?? silentLogger;
  const onBroadcast = async (msg: BusMessage) => {
    const name = broadcastBySubject.get(msg.subject);
    if (!name) return;
    let payload: unknown;
    try {
      payload = msg.decode(Broadcasts[name].schema, msg.subject);
    } catch (err) {
      logger.warn(
        { subject: msg.subject, err: err instanceof Error ? err.message : String(err) },
        'dropped broadcast',
      );
      return;
    }
    const data: HubEvent = { event: name, payload };
    for (const topic of topicsOf(name, payload)) hub.publish(topic, versionOf(payload), data);
  };
  const onTaskEvent = async (msg: BusMessage) => {
    const parts = parseTaskSubject(msg.subject);
    if (!parts) return;
    let summary: ReturnType<typeof summarizeTaskEvent> = null;
    try {
      summary = summarizeTaskEvent(parts.kind, msg.json());
    } catch {
      // Not JSON: summary stays null and the event is dropped below.
    }
    if (!summary || summary.task_id !== parts.taskId) {
      logger.warn({ subject: msg.subject }, 'dropped task event');
      return;
    }
    hub.publish(`task:${parts.taskId}`, 0, { event: 'task_event', payload: summary } satisfies HubEvent);
  };

  const taskPatterns = [
    Events.taskAssigned,
    Events.taskMessage,
    Events.taskProgress,
    Events.taskComplete,
    Events.taskError,
  ].map((entry) => entry.pattern);
  const subscriptions: Subscription[] = [];
  try {
    subscriptions.push(await bus.subscribe(Patterns.allBroadcasts, onBroadcast));
    // One pattern per event kind rather than `figaro.task.>`: a plain subscriber on `.input` would
    // count as a responder and turn an absent agent's "no responders" into a timeout.
    for (const pattern of taskPatterns) subscriptions.push(await bus.subscribe(pattern, onTaskEvent));
  } catch (err) {
    await Promise.allSettled(subscriptions.map((s) => s.unsubscribe()));
    throw err;
  }
  return {
    close: async () => {
      await Promise.allSettled(subscriptions.map((s) => s.unsubscribe()));
    },
  };
}
