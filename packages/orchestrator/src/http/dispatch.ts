import {
  Api,
  type ApiEntry,
  type ErrorCode,
  type ErrorReply,
  FigaroError,
  formatIssues,
  type Logger,
  parseWith,
  toErrorReply,
} from '@figaro/protocol';
import type { ApiHandlers, ApiName, CallContext, Principal } from '../api/handlers.js';

/** A handler with its request type erased; see `handlerOf`. */
type ErasedHandler = (request: unknown, ctx: CallContext) => Promise<unknown>;

/** Entries that only a signed-in person or an `admin` token may call over HTTP and WebSocket. */
const ADMIN_ONLY: ReadonlySet<ApiName> = new Set<ApiName>(['tokensCreate', 'tokensList', 'tokensRevoke']);

/** The catalogue entry answered for `name`. */
export function apiEntry(name: ApiName): ApiEntry {
  return Api[name];
}

/** True when `key` names a catalogue entry with a fixed `figaro.api.*` subject. */
export function isApiName(key: string): key is ApiName {
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

/** `figaro.api.tasks.create` → `tasksCreate`, for every entry the orchestrator answers. */
export const apiNameBySubject: ReadonlyMap<string, ApiName> = new Map(
  Object.keys(Api)
    .filter(isApiName)
    .map((name) => [apiEntry(name).subject, name] as const),
);

/**
 * Throws `forbidden` unless `principal` may call `name`. Bus callers are trusted here: the bus's own
 * roles (NATS permissions) decide what they may publish.
 */
export function authorize(name: ApiName, principal: Principal): void {
  if (principal.kind !== 'token') return;
  if (ADMIN_ONLY.has(name)) {
    if (!principal.scopes.includes('admin')) {
      throw new FigaroError(
        'forbidden',
        `${apiEntry(name).subject} needs a signed-in user or an admin token`,
      );
    }
    return;
  }
  // A metrics-only (or agent-only) token reads metrics or speaks on the bus; the HTTP API needs `api`.
  if (!principal.scopes.includes('api') && !principal.scopes.includes('admin')) {
    throw new FigaroError('forbidden', `${apiEntry(name).subject} needs a token with the api scope`);
  }
}

/**
 * The handler for `name`, its request type erased: `callApi` hands it only what `name`'s own request
 * schema produced, which is exactly the type the handler declares.
 */
function handlerOf(handlers: ApiHandlers, name: ApiName): ErasedHandler | undefined {
  const handler: unknown = handlers[name];
  return typeof handler === 'function' ? (handler as ErasedHandler) : undefined;
}

/**
 * Calls the handler of one catalogue entry the same way for every transport: checks the caller's
 * rights, parses `rawInput` with the entry's request schema (`InvalidRequestError` naming each bad
 * field), runs the handler and parses its reply with the reply schema. A missing handler is
 * `unavailable` ("not implemented: <subject>"); a reply that fails its schema is a bug of the handler and
 * becomes `internal` (logged with the schema issues, never with the values).
 */
export async function callApi(
  handlers: ApiHandlers,
  name: ApiName,
  rawInput: unknown,
  ctx: CallContext,
  logger?: Logger,
): Promise<unknown> {
  const entry = apiEntry(name);
  authorize(name, ctx.principal);
  const handler = handlerOf(handlers, name);
  if (!handler) throw new FigaroError('unavailable', `not implemented: ${entry.subject}`);
  const request = parseWith(entry.request, rawInput, `${entry.subject} request`);
  const reply = await handler(request, ctx);
  const parsed = entry.reply.safeParse(reply);
  if (!parsed.success) {
    logger?.error(
      { subject: entry.subject, issues: formatIssues(parsed.error.issues) },
      'handler reply failed its schema',
    );
    throw new FigaroError('internal', 'internal error');
  }
  return parsed.data;
}

/** HTTP status of each wire error code. */
export const HTTP_STATUS = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  busy: 409,
  timeout: 504,
  unavailable: 503,
  internal: 500,
} as const satisfies Record<ErrorCode, number>;
export type HttpErrorStatus = (typeof HTTP_STATUS)[ErrorCode];

/**
 * Turns anything thrown into a wire error and its HTTP status. Errors that are not `FigaroError`s (and
 * `internal` ones) are logged; their messages never reach the caller.
 */
export function toHttpError(
  err: unknown,
  logger: Logger,
  fields: Record<string, unknown> = {},
): { status: HttpErrorStatus; body: ErrorReply } {
  const body = toErrorReply(err);
  if (!(err instanceof FigaroError) || body.code === 'internal') {
    logger.error({ ...fields, err: describeError(err) }, 'request failed');
  }
  return { status: HTTP_STATUS[body.code], body };
}

/** What a log line may say about a thrown value. */
export function describeError(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { value: String(err) };
}
