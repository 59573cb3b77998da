import { randomUUID } from 'node:crypto';
import type { Bus } from '@figaro/bus';
import type { HealthReply } from '@figaro/protocol';
import type { Store } from '@figaro/store';
import type { MetricsSnapshot } from './metrics.js';

/** How long the store and the bus have to answer a probe, in milliseconds. */
const PROBE_TIMEOUT_MS = 2_000;

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('probe timed out')), ms);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/** True when a message published on the bus comes back to a subscriber of this process. */
async function busAnswers(bus: Bus): Promise<boolean> {
  const subject = `figaro.health.${randomUUID()}`;
  let received!: () => void;
  const back = new Promise<void>((resolve) => {
    received = resolve;
  });
  const subscription = await bus.subscribe(subject, async () => received());
  try {
    await bus.publish(subject, { ping: true });
    await within(back, PROBE_TIMEOUT_MS);
    return true;
  } finally {
    await subscription.unsubscribe().catch(() => {});
  }
}

/**
 * `/api/health` and `/api/ready`: `ok` when the store answers a query and the bus carries a message
 * back to this process within 2 s each, else `degraded` (503).
 */
export async function probeHealth(bus: Bus, store: Store): Promise<HealthReply> {
  const [storeOk, busOk] = await Promise.all([
    within(store.db.query('SELECT 1 AS ok'), PROBE_TIMEOUT_MS).then(
      () => true,
      () => false,
    ),
    busAnswers(bus).catch(() => false),
  ]);
  return { status: storeOk && busOk ? 'ok' : 'degraded', bus: bus.kind, store: store.kind };
}

/** Task counts by status, queue depth and connected agents, for `/metrics`. */
export async function storeMetrics(store: Store): Promise<MetricsSnapshot> {
  const [tasksByStatus, queueDepth, agents] = await Promise.all([
    store.tasks.countByStatus(),
    store.queue.depth(),
    store.agents.list(),
  ]);
  const agentsConnected: Record<string, number> = { worker: 0, supervisor: 0 };
  for (const agent of agents) {
    if (agent.connected) agentsConnected[agent.kind] = (agentsConnected[agent.kind] ?? 0) + 1;
  }
  return { tasksByStatus, queueDepth, agentsConnected };
}
