import { Broadcasts, type EventEntry, Events } from '@figaro/protocol';
import { z } from 'zod';
import type { RoutedName } from '../../src/api/handlers.js';
import { apiEntry } from '../../src/api/router.js';
import { buildInput } from '../../src/http/request-input.js';
import type { RestRoute } from '../../src/http/routes.js';
import { encodePart, type FuzzGen } from './fuzz-gen.js';

/** Entries that only read: they also get inputs their schema accepts (odd but valid reads). */
export const READS: ReadonlySet<RoutedName> = new Set<RoutedName>([
  'tasksList',
  'tasksGet',
  'tasksSearch',
  'workers',
  'supervisorStatus',
  'helpRequestsList',
  'schedulesList',
  'schedulesGet',
  'schedulesVersions',
  'blobsGet',
  'memoriesSearch',
  'memoriesList',
  'tokensList',
]);

/** Events the fuzz publishes: those the orchestrator (or the hub) listens to, and the rest of the catalogue. */
export function eventTargets(taskId: string, agentId: string): EventEntry[] {
  const strangerTask = '00000000-0000-4000-8000-000000000000';
  return [
    Events.heartbeat.at('worker', agentId),
    Events.heartbeat.at('supervisor', 'fuzz-sup'),
    Events.deregister.at('worker', 'fuzz-ghost'),
    ...[
      Events.taskAssigned,
      Events.taskMessage,
      Events.taskProgress,
      Events.taskComplete,
      Events.taskError,
    ].flatMap((entry) => [entry.at(taskId), entry.at(strangerTask)]),
    Events.helpResponse.at('fuzz-request'),
    Events.gatewayTask.at('telegram'),
    Events.gatewaySend.at('telegram'),
    Events.gatewayRegister.at('telegram'),
    Events.workerStop.at('fuzz-nobody'),
    ...Object.values(Broadcasts),
  ];
}

function fieldsOf(schema: z.ZodType): string[] {
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

export const SKIP = Symbol('skip');

/**
 * A hostile payload for `schema`. When `mustFail` (anything that writes), only a payload the schema
 * refuses is returned (a few tries, else `SKIP`), so that the store may not change.
 */
export function generateInvalid(
  gen: FuzzGen,
  schema: z.ZodType,
  mustFail: boolean,
  maxLength: number,
  maxDepth: number,
): unknown {
  const fields = fieldsOf(schema);
  for (let attempt = 0; attempt < 6; attempt++) {
    const payload = gen.payload(fields, maxLength, maxDepth);
    if (!mustFail || !schema.safeParse(payload).success) return payload;
  }
  return SKIP;
}

const BAD_PERCENT = ['%', '%ZZ', '%C0%80', '%FF%FE', '%00', '%ED%A0%80', '..%2F..'];

/** One hostile request for `route`, or `undefined` when only a valid one came out for a write. */
export function restRequest(
  gen: FuzzGen,
  route: RestRoute,
  token: string,
): { path: string; init: RequestInit } | undefined {
  const entry = apiEntry(route.api);
  const write = route.method !== 'get';
  const fields = fieldsOf(entry.request);
  for (let attempt = 0; attempt < 6; attempt++) {
    const params: Record<string, string> = {};
    let path = route.path;
    for (const param of Object.keys(route.params ?? {})) {
      const raw = gen.chance(0.15) ? gen.pick(BAD_PERCENT) : undefined;
      const value = raw ?? gen.string(300);
      params[param] = value;
      path = path.replace(`:${param}`, raw ?? (encodePart(value) || '%20'));
    }
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    let body: string | undefined;
    let parsedBody: unknown;
    let query: Record<string, string> = {};
    if (route.from === 'body' || (write && gen.chance(0.2))) {
      if (gen.chance(0.25)) {
        body = gen.rawBody(300_000);
        parsedBody = SKIP;
      } else {
        parsedBody = gen.payload(fields, 300_000, 900);
        body = JSON.stringify(parsedBody);
      }
      headers['content-type'] = gen.chance(0.85)
        ? 'application/json'
        : gen.pick(['text/plain', 'application/x-www-form-urlencoded']);
    }
    if (route.from === 'query' || gen.chance(0.1)) {
      const payload = gen.payload(fields, 5_000, 3);
      if (payload && typeof payload === 'object' && !Array.isArray(payload)) {
        query = Object.fromEntries(
          Object.entries(payload).map(([k, v]) => [k, typeof v === 'string' ? v : (JSON.stringify(v) ?? '')]),
        );
        // Node's HTTP parser refuses request heads over 16 KiB itself: huge values go in bodies.
        query = Object.fromEntries(
          Object.entries(query)
            .map(([k, v]) => [k.slice(0, 200), v.slice(0, 1_500)])
            .slice(0, 3),
        );
        path += `?${Object.entries(query)
          .map(([k, v]) => `${encodePart(k)}=${encodePart(v)}`)
          .join('&')}`;
      }
    }
    if (route.idempotencyKey && gen.chance(0.2))
      headers['idempotency-key'] = gen.pick(['x'.repeat(201), 'a b', 'é', '']);
    const init: RequestInit = {
      method: route.method.toUpperCase(),
      headers,
      ...(body !== undefined ? { body } : {}),
    };
    // Routes without a body only name a (random, never stored) id: sent even when well-formed.
    if (!write || route.from === 'none' || !validForRoute(route, params, query, parsedBody, headers)) {
      return { path, init };
    }
  }
  return undefined;
}

/** True when the server could accept this request as it is (so a write would change the store). */
function validForRoute(
  route: RestRoute,
  params: Record<string, string>,
  query: Record<string, string>,
  body: unknown,
  headers: Record<string, string>,
): boolean {
  if (body === SKIP) return false;
  if (route.from === 'body' && body !== undefined && headers['content-type'] !== 'application/json')
    return false;
  try {
    const input = buildInput(route, { params, query, body: route.from === 'body' ? body : undefined });
    return apiEntry(route.api).request.safeParse(input).success;
  } catch {
    return false;
  }
}
