import { type Bus, type Subscription, serve } from '@figaro/bus';
import { Api, type ApiEntry, type Logger, ORCHESTRATOR_QUEUE } from '@figaro/protocol';
import type { ApiHandler, ApiHandlers, ApiName, CallContext } from './handlers.js';

const BUS_CONTEXT: CallContext = { principal: { kind: 'bus' }, transport: 'bus' };

/**
 * Answers every implemented `figaro.api.*` endpoint on the bus in the `orchestrator` queue group, so
 * that each request reaches one replica. Requests are parsed (and bad ones answered
 * `invalid_request`) by `serve`; handler errors become `{error, code}` replies there too.
 */
export async function serveApiOnBus(
  bus: Bus,
  handlers: ApiHandlers,
  logger: Logger,
): Promise<Subscription[]> {
  const subscriptions: Subscription[] = [];
  for (const name of Object.keys(handlers) as ApiName[]) {
    const handler = handlers[name] as ApiHandler<ApiName> | undefined;
    if (!handler) continue;
    // The map is keyed by catalogue name, so `Api[name]` is the entry this handler was typed for.
    const entry = Api[name] as ApiEntry;
    subscriptions.push(
      await serve(bus, entry, (request) => handler(request as never, BUS_CONTEXT), {
        queue: ORCHESTRATOR_QUEUE,
        logger,
        concurrency: 16,
      }),
    );
  }
  return subscriptions;
}
