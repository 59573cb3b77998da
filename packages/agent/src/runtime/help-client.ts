import { type Bus, subscribeEvent } from '@figaro/bus';
import { Api, Events, type HelpQuestion, type HelpResponse } from '@figaro/protocol';
import type { z } from 'zod';

/** What asking a human yields: the answers, or why there are none. */
export type HumanAnswer =
  | { answered: true; answers: Record<string, string>; source: string }
  | { answered: false; reason: 'timeout' | 'dismissed' | 'cancelled' };

/**
 * Asks a human through the orchestrator (PROTOCOL.md "Help requests"): subscribes to the response
 * subject first, then sends the request (idempotent on its id, retried until acknowledged), and waits
 * for the response, the timeout, or the abort signal.
 */
export async function askHuman(
  bus: Bus,
  request: {
    requestId: string;
    workerId: string;
    supervisorId?: string;
    taskId: string;
    questions: z.input<typeof HelpQuestion>[];
    timeoutSeconds: number;
  },
  signal: AbortSignal,
): Promise<HumanAnswer> {
  let resolve: (response: HelpResponse) => void = () => {};
  const response = new Promise<HelpResponse>((r) => {
    resolve = r;
  });
  const subscription = await subscribeEvent(
    bus,
    Events.helpResponse.at(request.requestId),
    async (payload) => {
      resolve(payload);
    },
  );
  try {
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) return { answered: false, reason: 'cancelled' };
      try {
        await bus.request(Api.helpRequest, {
          request_id: request.requestId,
          worker_id: request.workerId,
          ...(request.supervisorId ? { supervisor_id: request.supervisorId } : {}),
          task_id: request.taskId,
          questions: request.questions,
          timeout_seconds: request.timeoutSeconds,
        });
        break;
      } catch (err) {
        if (attempt >= 10) throw err;
        await new Promise((r) => setTimeout(r, Math.min(5_000, 200 * 2 ** attempt)));
      }
    }
    // Stopped while the request was on its way: the abort event has already fired.
    if (signal.aborted) return { answered: false, reason: 'cancelled' };
    // The orchestrator times the request out; the local timer only guards against a lost response.
    const guard = (request.timeoutSeconds + 30) * 1000;
    const outcome = await Promise.race([
      response,
      new Promise<'cancelled'>((r) => signal.addEventListener('abort', () => r('cancelled'), { once: true })),
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), guard).unref()),
    ]);
    if (outcome === 'cancelled' || outcome === 'timeout') return { answered: false, reason: outcome };
    if (outcome.answers) return { answered: true, answers: outcome.answers, source: outcome.source };
    return { answered: false, reason: outcome.error === 'dismissed' ? 'dismissed' : 'timeout' };
  } finally {
    await subscription.unsubscribe();
  }
}
