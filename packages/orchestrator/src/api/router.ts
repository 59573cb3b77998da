import {
  Api,
  type ApiEntry,
  type ErrorReply,
  FigaroError,
  formatIssues,
  type Logger,
  parseWith,
  silentLogger,
} from '@figaro/protocol';
import { publicError } from './errors.js';
import type {
  AgentFacingName,
  ApiHandlers,
  ApiName,
  CallContext,
  Principal,
  RoutedName,
} from './handlers.js';

/** Endpoints reached on the bus only: agents' presence and their help requests. */
export const AGENT_FACING_NAMES: readonly AgentFacingName[] = [
  'registerWorker',
  'registerSupervisor',
  'helpRequest',
];

/** True when `key` names a catalogue entry with a fixed `figaro.api.*` subject. */
function isApiName(key: string): key is ApiName {
  if (!Object.hasOwn(Api, key)) return false;
  const entry: unknown = Api[key as keyof typeof Api];
  return (
    typeof entry === 'object' &&
    entry !== null &&
    'subject' in entry &&
    typeof entry.subject === 'string' &&
    entry.subject.startsWith('figaro.api.')
  );
}

/** Every `figaro.api.*` endpoint of the catalogue: what the bus, REST and the WebSocket all serve. */
export const API_NAMES: readonly ApiName[] = Object.keys(Api).filter(isApiName);

/** The catalogue entry of `name`. */
export function apiEntry(name: RoutedName): ApiEntry {
  return Api[name];
}

/** `figaro.api.tasks.create` → `tasksCreate`, for every `figaro.api.*` entry. */
export const apiNameBySubject: ReadonlyMap<string, ApiName> = new Map(
  API_NAMES.map((name) => [apiEntry(name).subject, name] as const),
);

/** Entries that only a signed-in person or an `admin` token may call over HTTP and WebSocket. */
const ADMIN_ONLY: ReadonlySet<RoutedName> = new Set<RoutedName>([
  'tokensCreate',
  'tokensList',
  'tokensRevoke',
]);

/**
 * `figaro.api.*` entries only agents on the bus may call (ARCHITECTURE.md "Bus roles"): `delegate`
 * creates a `source: "delegation"` task under a supervisor's task, which no dashboard or token acts for.
 */
const BUS_ONLY: ReadonlySet<RoutedName> = new Set<RoutedName>(['delegate']);

/**
 * True when `principal` may use the API at all over HTTP and WebSocket: a signed-in person, or a token
 * with the `api` or `admin` scope (a `metrics` or `agent` token may not, nor read dashboard events).
 */
export function mayUseApi(principal: Principal): boolean {
  if (principal.kind !== 'token') return true;
  return principal.scopes.includes('api') || principal.scopes.includes('admin');
}

/**
 * Entries whose `source` says which door a request came in. Only bus principals (the gateway, the
 * scheduler's agents) choose it; a REST caller is `api`, a dashboard WebSocket `dashboard`.
 */
const SOURCE_OWNED: ReadonlySet<RoutedName> = new Set<RoutedName>([
  'tasksCreate',
  'helpRequestsRespond',
  'helpRequestsDismiss',
]);

/** Sources a REST caller may name for itself: the command-line client or a plain API client. */
const HTTP_CLIENT_SOURCES: ReadonlySet<unknown> = new Set(['api', 'cli']);

/**
 * The `source` of a request that came in over `transport`, or undefined when the caller says its own
 * (bus callers). A REST caller may say `cli` or `api`, never a gateway channel or a system source.
 */
function sourceOf(transport: CallContext['transport'], claimed: unknown): string | undefined {
  if (transport === 'http') return HTTP_CLIENT_SOURCES.has(claimed) ? (claimed as string) : 'api';
  if (transport === 'ws') return 'dashboard';
  return undefined;
}

/** The one answer to an entry that has no handler on this orchestrator, on every transport. */
function notImplemented(name: RoutedName): FigaroError {
  return new FigaroError('unavailable', `not implemented: ${apiEntry(name).subject}`);
}

/** What a call answers: the reply, or the error a caller may see. */
export type RouterResult = { ok: true; data: unknown } | { ok: false; error: ErrorReply };

/** A handler with its request type erased: it only ever gets what its own request schema produced. */
type ErasedHandler = (request: unknown, ctx: CallContext) => Promise<unknown>;

/**
 * Throws `forbidden` unless `principal` may call `name`. Bus callers are trusted here (the bus's own
 * roles decide what they may publish); agent-facing and bus-only entries are for bus callers only; tokens need
 * `api` (or `admin`), and the token entries need `admin` or a signed-in person.
 */
function authorize(name: RoutedName, principal: Principal): void {
  if (principal.kind === 'bus') return;
  const subject = apiEntry(name).subject;
  if (!isApiName(name) || BUS_ONLY.has(name)) {
    throw new FigaroError('forbidden', `${subject} is for agents on the bus`);
  }
  if (principal.kind !== 'token') return;
  if (ADMIN_ONLY.has(name)) {
    if (!principal.scopes.includes('admin')) {
      throw new FigaroError('forbidden', `${subject} needs a signed-in user or an admin token`);
    }
    return;
  }
  // A metrics-only (or agent-only) token reads metrics or speaks on the bus; the API needs `api`.
  if (!mayUseApi(principal)) {
    throw new FigaroError('forbidden', `${subject} needs a token with the api scope`);
  }
}

/** Options of an `ApiRouter`. */
export interface ApiRouterOptions {
  /** Logs handler failures and replies that fail their schema (never their values). Default silent. */
  logger?: Logger;
}

/**
 * The one way into the orchestrator's API, built from the catalogue and used by the bus server, the
 * REST routes and the WebSocket hub. Each call: authorises the principal, parses the request with the
 * entry's schema (`invalid_request` naming each bad field), sets `source` for callers that may not
 * choose it, runs the handler (or answers `unavailable` "not implemented: <subject>" when there is
 * none), checks the reply against the reply schema (a mismatch is `internal`), and maps every error
 * to `{error, code}` without internal text. `handlers` is read at each call, so handlers added later
 * (before the transports start) are served.
 */
export class ApiRouter {
  readonly #handlers: ApiHandlers;
  readonly #logger: Logger;

  constructor(handlers: ApiHandlers, options: ApiRouterOptions = {}) {
    this.#handlers = handlers;
    this.#logger = options.logger ?? silentLogger;
  }

  /** True when `name` has a handler here. */
  has(name: RoutedName): boolean {
    return typeof this.#handlers[name] === 'function';
  }

  /** The entry a WebSocket/REST subject names (`figaro.api.*` only), if any. */
  nameOf(subject: string): ApiName | undefined {
    return apiNameBySubject.get(subject);
  }

  /** Calls `name`; never throws. */
  async call(name: RoutedName, rawInput: unknown, ctx: CallContext): Promise<RouterResult> {
    try {
      return { ok: true, data: await this.#run(name, rawInput, ctx) };
    } catch (err) {
      return { ok: false, error: this.errorOf(err, { subject: apiEntry(name).subject }) };
    }
  }

  /** Calls `name` and returns the checked reply; throws a `FigaroError` with the public text. */
  async invoke(name: RoutedName, rawInput: unknown, ctx: CallContext): Promise<unknown> {
    const result = await this.call(name, rawInput, ctx);
    if (result.ok) return result.data;
    throw new FigaroError(result.error.code, result.error.error);
  }

  /** The `{error, code}` a caller gets for `err` (logged when it is not the caller's fault). */
  errorOf(err: unknown, fields: Record<string, unknown> = {}): ErrorReply {
    return publicError(err, this.#logger, fields);
  }

  async #run(name: RoutedName, rawInput: unknown, ctx: CallContext): Promise<unknown> {
    const entry = apiEntry(name);
    authorize(name, ctx.principal);
    const request = parseWith(entry.request, rawInput, `${entry.subject} request`);
    if (SOURCE_OWNED.has(name) && typeof request === 'object' && request) {
      const fields = request as Record<string, unknown>;
      const source = sourceOf(ctx.transport, fields.source);
      if (source !== undefined) fields.source = source;
    }
    const handler: unknown = this.#handlers[name];
    if (typeof handler !== 'function') throw notImplemented(name);
    const reply = await (handler as ErasedHandler)(request, ctx);
    const parsed = entry.reply.safeParse(reply);
    if (!parsed.success) {
      this.#logger.error(
        { subject: entry.subject, issues: formatIssues(parsed.error.issues) },
        'handler reply failed its schema',
      );
      throw new FigaroError('internal', 'internal error');
    }
    return parsed.data;
  }
}
