import type { Api, ApiEntry, ParsedRequestOf, ReplyInputOf, TokenScope } from '@figaro/protocol';
import type { z } from 'zod';

/** Who is calling: a signed-in person, an API token, or a process on the bus (trusted by the bus's own auth). */
export type Principal =
  | { kind: 'user'; userId: string; username: string }
  | { kind: 'token'; tokenId: string; scopes: readonly z.infer<typeof TokenScope>[] }
  | { kind: 'bus' };

/** Context of one API call, whichever transport carried it. */
export interface CallContext {
  principal: Principal;
  transport: 'bus' | 'http' | 'ws';
  /** `Idempotency-Key` header of a REST call, if any. */
  idempotencyKey?: string;
}

/** Endpoints the orchestrator answers only on the bus (agents' presence and help requests). */
export type AgentFacingName = 'registerWorker' | 'registerSupervisor' | 'helpRequest';

/** Names of the catalogue entries with a fixed `figaro.api.*` subject: the ones every transport serves. */
export type ApiName = Exclude<
  { [K in keyof typeof Api]: (typeof Api)[K] extends { at: unknown } ? never : K }[keyof typeof Api],
  AgentFacingName
>;

/** Every catalogue entry the API router answers: the `figaro.api.*` ones and the agent-facing ones. */
export type RoutedName = ApiName | AgentFacingName;

type EntryOf<K extends RoutedName> = Extract<(typeof Api)[K], ApiEntry>;

/** A handler gets the request already parsed by the entry's schema and returns the reply's input shape. */
export type ApiHandler<K extends RoutedName> = (
  request: ParsedRequestOf<EntryOf<K>>,
  ctx: CallContext,
) => Promise<ReplyInputOf<EntryOf<K>>>;

/**
 * The orchestrator's API: one handler per catalogue entry that is implemented. The `ApiRouter` serves
 * this map to the bus, the REST routes and the WebSocket hub, so every transport behaves alike; the
 * agent-facing entries are reached on the bus only.
 */
export type ApiHandlers = { [K in RoutedName]?: ApiHandler<K> };
