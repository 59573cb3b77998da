import { type Bus, type Subscription, serve } from '@figaro/bus';
import { Api, type ApiEntry, FigaroError, type Logger, ORCHESTRATOR_QUEUE } from '@figaro/protocol';
import type { ApiHandler, ApiHandlers, ApiName, CallContext } from './handlers.js';

const BUS_CONTEXT: CallContext = { principal: { kind: 'bus' }, transport: 'bus' };
const AGENT_FACING = new Set(['registerWorker', 'registerSupervisor', 'helpRequest']);

/** Every `figaro.api.*` endpoint of the catalogue (fixed subjects, not the agent-facing ones). */
export const API_NAMES: readonly ApiName[] = Object.entries(Api)
  .filter(([name, entry]) => !('at' in entry) && !AGENT_FACING.has(name))
  .map(([name]) => name as ApiName);

/**
 * Answers every `figaro.api.*` endpoint on the bus in the `orchestrator` queue group, so that each
 * request reaches one replica. Requests are parsed (and bad ones answered `invalid_request`) by
 * `serve`; handler errors become `{error, code}` replies there too. An endpoint without a handler yet
 * still validates its input, then answers `unavailable`, so no caller waits for a timeout.
 */
export async function serveApiOnBus(
  bus: Bus,
  handlers: ApiHandlers,
  logger: Logger,
): Promise<Subscription[]> {
  const subscriptions: Subscription[] = [];
  for (const name of API_NAMES) {
    // The map is keyed by catalogue name, so `Api[name]` is the entry this handler was typed for.
    const entry = Api[name] as ApiEntry;
    const handler =
      (handlers[name] as ApiHandler<ApiName> | undefined) ??
      (async () => {
        throw new FigaroError('unavailable', `${entry.subject} is not available on this orchestrator yet`);
      });
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
