import type { Bus, BusMessage, Subscription } from '@figaro/bus';
import { type Logger, ORCHESTRATOR_QUEUE } from '@figaro/protocol';
import type { CallContext, RoutedName } from './handlers.js';
import { AGENT_FACING_NAMES, API_NAMES, type ApiRouter, apiEntry } from './router.js';

export { API_NAMES } from './router.js';

const BUS_CONTEXT: CallContext = { principal: { kind: 'bus' }, transport: 'bus' };
const INTERNAL_REPLY = { error: 'internal error', code: 'internal' } as const;

/**
 * Answers the API on the bus in the `orchestrator` queue group, so that each request reaches one
 * replica: every `figaro.api.*` entry (those without a handler answer the router's one
 * "not implemented"), and the agent-facing entries (`figaro.register.*`, `figaro.help.request`) that
 * have a handler in the router. Each request goes through `router.call`, like REST and the WebSocket.
 */
export async function serveApiOnBus(bus: Bus, router: ApiRouter, logger: Logger): Promise<Subscription[]> {
  const names: RoutedName[] = [...API_NAMES, ...AGENT_FACING_NAMES.filter((name) => router.has(name))];
  const subscriptions: Subscription[] = [];
  try {
    for (const name of names) {
      const entry = apiEntry(name);
      const answer = async (msg: BusMessage) => {
        if (msg.reply === undefined) {
          logger.warn({ subject: msg.subject }, 'dropped a request without a reply subject');
          return;
        }
        let raw: unknown;
        try {
          raw = msg.json();
        } catch (err) {
          await msg.respond(router.errorOf(err, { subject: msg.subject }));
          return;
        }
        const result = await router.call(name, raw, BUS_CONTEXT);
        try {
          await msg.respond(result.ok ? result.data : result.error);
        } catch (err) {
          // e.g. a reply over the payload limit: the caller still gets an answer instead of a timeout.
          logger.error({ subject: msg.subject, err: String(err) }, 'could not send a reply');
          await msg.respond(INTERNAL_REPLY);
        }
      };
      subscriptions.push(
        await bus.subscribe(entry.pattern, answer, { queue: ORCHESTRATOR_QUEUE, concurrency: 16 }),
      );
    }
  } catch (err) {
    await Promise.allSettled(subscriptions.map((s) => s.unsubscribe()));
    throw err;
  }
  return subscriptions;
}
