import { REST_PREFIX, REST_ROUTES, type RestRoute } from '@figaro/orchestrator';
import {
  Api,
  type ApiEntry,
  ErrorReply,
  formatIssues,
  InvalidRequestError,
  parseWith,
  type ReplyOf,
  type RequestOf,
} from '@figaro/protocol';
import { redactUrl } from '../config/load.js';
import { ApiError, ConnectionError, ProtocolError } from './errors.js';

/** Options of a `FigaroClient`. */
export interface FigaroClientOptions {
  /** Figaro's base URL (`http://127.0.0.1:8000`), with no trailing slash. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token: string;
  /** The `fetch` to use; default the global one. */
  fetch?: typeof fetch;
  /** Extra time over the catalogue entry's own timeout before a request is abandoned, in ms. Default 5,000. */
  timeoutMarginMs?: number;
}

/** The first REST route of each catalogue subject (`figaro.api.workers` → `GET /workers`). */
const routeBySubject: ReadonlyMap<string, RestRoute> = (() => {
  const map = new Map<string, RestRoute>();
  for (const route of REST_ROUTES) {
    const subject = Api[route.api].subject;
    if (!map.has(subject)) map.set(subject, route);
  }
  return map;
})();

/**
 * A client of Figaro's REST API (`/api/v1`), typed from the protocol catalogue like the bus: `call`
 * takes a catalogue entry and its request, finds the entry's REST route, and parses the reply with the
 * entry's reply schema. `{error, code}` replies become `ApiError`s, an unreachable server a
 * `ConnectionError`, a reply that breaks its schema a `ProtocolError`.
 */
export class FigaroClient {
  /** The base URL requests go to. */
  readonly baseUrl: string;
  /** The base URL as messages show it (a password in it masked). */
  readonly displayUrl: string;
  readonly #token: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMarginMs: number;

  constructor(options: FigaroClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.displayUrl = displayUrl(this.baseUrl);
    this.#token = options.token;
    this.#fetch = options.fetch ?? fetch;
    this.#timeoutMarginMs = options.timeoutMarginMs ?? 5_000;
  }

  /** The token, for the WebSocket upgrade of the same server. */
  get token(): string {
    return this.#token;
  }

  /**
   * Calls one catalogue entry over REST. The request is checked against the entry's request schema
   * first, so a bad field fails here (an `ApiError` with code `invalid_request`) without a round trip.
   */
  async call<E extends ApiEntry>(entry: E, request: RequestOf<E>): Promise<ReplyOf<E>> {
    const route = routeBySubject.get(entry.subject);
    if (!route) throw new Error(`bug: ${entry.subject} has no REST route`);
    const checked = entry.request.safeParse(request);
    if (!checked.success) {
      throw new ApiError('invalid_request', `invalid request: ${formatIssues(checked.error.issues)}`, 0);
    }
    const { url, body } = this.#buildRequest(route, checked.data);
    const response = await this.#send(url, route.method, body, entry.timeoutMs + this.#timeoutMarginMs);
    const text = await response.text().catch((err: unknown) => {
      throw new ConnectionError(`lost the connection to Figaro at ${this.displayUrl} while reading a reply`, {
        cause: err,
      });
    });
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch (err) {
      throw new ProtocolError(
        `Figaro at ${this.displayUrl} answered HTTP ${response.status} with a body that is not JSON`,
        { cause: err },
      );
    }
    if (!response.ok) {
      const error = ErrorReply.safeParse(json);
      if (!error.success) {
        throw new ProtocolError(
          `Figaro at ${this.displayUrl} answered HTTP ${response.status} without an error`,
        );
      }
      throw ApiError.fromReply(error.data, response.status);
    }
    try {
      return parseWith<E['reply']>(entry.reply, json, `${entry.subject} reply`);
    } catch (err) {
      const detail = err instanceof InvalidRequestError ? formatIssues(err.issues) : String(err);
      throw new ProtocolError(
        `the reply of ${entry.subject} does not match the protocol (${detail}); ` +
          'are the CLI and the server the same version?',
        { cause: err },
      );
    }
  }

  /** Fills path parameters from the request; other fields go to the query string or the JSON body. */
  #buildRequest(route: RestRoute, request: unknown): { url: string; body: string | undefined } {
    const fields: Record<string, unknown> =
      typeof request === 'object' && request !== null ? { ...request } : {};
    let path = route.path;
    for (const [param, field] of Object.entries(route.params ?? {})) {
      path = path.replace(`:${param}`, encodeURIComponent(String(fields[field])));
      delete fields[field];
    }
    const url = new URL(`${this.baseUrl}${REST_PREFIX}${path}`);
    if (route.from === 'query') {
      for (const [key, value] of Object.entries(fields)) {
        if (value !== undefined) url.searchParams.set(key, String(value));
      }
    }
    const body = route.from === 'body' ? JSON.stringify(fields) : undefined;
    return { url: url.toString(), body };
  }

  async #send(url: string, method: string, body: string | undefined, timeoutMs: number): Promise<Response> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.#token}`,
      Accept: 'application/json',
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    try {
      return await this.#fetch(url, {
        method: method.toUpperCase(),
        headers,
        ...(body !== undefined ? { body } : {}),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
    } catch (err) {
      throw connectionError(this.displayUrl, err, timeoutMs);
    }
  }
}

/** The one-line reason Figaro could not be reached. */
export function connectionError(baseUrl: string, err: unknown, timeoutMs?: number): ConnectionError {
  if (err instanceof Error && err.name === 'TimeoutError') {
    const seconds = Math.round((timeoutMs ?? 0) / 1000);
    return new ConnectionError(`Figaro at ${baseUrl} did not answer within ${seconds} s`, { cause: err });
  }
  const code = networkCode(err);
  const detail = code && code !== 'ECONNREFUSED' ? ` (${code})` : '';
  return new ConnectionError(`cannot reach Figaro at ${baseUrl}${detail}: is \`figaro up\` running?`, {
    cause: err,
  });
}

function networkCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if ('code' in current && typeof current.code === 'string') return current.code;
    current = current.cause;
  }
  return undefined;
}

/** A base URL as messages show it: a password in it masked, no trailing slash. */
export function displayUrl(baseUrl: string): string {
  return redactUrl(baseUrl).replace(/\/+$/, '');
}
