import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  type ErrorReply,
  FigaroError,
  InvalidRequestError,
  type Logger,
  WsClientFrame,
  type WsServerFrame,
} from '@figaro/protocol';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { describeError } from '../api/errors.js';
import type { ApiHandlers, CallContext } from '../api/handlers.js';
import { ApiRouter, mayUseApi } from '../api/router.js';
import { type AuthService, authenticate, type Credentials } from './auth.js';
import { originAllowed } from './csrf.js';
import { HubSocket, UNAUTHORIZED_CLOSE_CODE } from './ws-socket.js';

/** Where dashboards connect. */
export const WS_PATH = '/api/ws';

/** Something the HTTP server hands WebSocket upgrades to (see `startHttpServer`). */
export interface UpgradeHandler {
  /** Takes over the socket of an upgrade request: accepts it or answers with an HTTP error. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes every connection. */
  close(): Promise<void>;
}

/** Receives the events dashboards may subscribe to. */
export interface EventSink {
  /**
   * Sends `{type:"evt", topic, version, data}` to every socket subscribed to `topic`. `version` is the
   * entity's version when it has one, else 0 (apply in arrival order).
   */
  publish(topic: string, version: number, data: unknown): void;
}

/** Options of a `WsHub`. */
export interface WsHubOptions {
  /** The API `req` frames call. */
  router?: ApiRouter;
  /** Handlers to serve through a router of their own, when no `router` is given (tests). */
  handlers?: ApiHandlers;
  auth: AuthService;
  logger: Logger;
  /** Origins allowed besides the request's own host (`https://dash.example.com`). Default none. */
  allowedOrigins?: readonly string[];
  /** Frames a socket may have waiting to be written. Default 1,000. */
  maxQueuedFrames?: number;
  /** Bytes a socket may have waiting to be written. Default 4 MiB. */
  maxQueuedBytes?: number;
  /** Largest frame a client may send, in bytes. Default 1 MiB. */
  maxFrameBytes?: number;
  /** Topics one socket may hold. Default 500. */
  maxTopics?: number;
  /**
   * Keep-alive ping interval, in milliseconds; a socket that has not answered the previous ping is cut.
   * Default 30,000; 0 turns pings off.
   */
  pingIntervalMs?: number;
}

function rejectUpgrade(socket: Duplex, status: 401 | 403 | 404 | 500 | 503, body: ErrorReply): void {
  if (socket.destroyed) return;
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
  );
}

function errorFrame(id: string, error: ErrorReply): WsServerFrame {
  return { type: 'res', id, error };
}

/** The `id` of a frame that failed its schema, when it has a usable one. */
function idOf(raw: unknown): string {
  if (typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'string') {
    return raw.id.slice(0, 100);
  }
  return '';
}

/**
 * The dashboard WebSocket (`/api/ws`, PROTOCOL.md "Dashboard WebSocket"). Upgrades are checked before
 * they are accepted: `Origin` must be the request's own host or an allowed origin (clients that send
 * none, i.e. not browsers, pass), then credentials as for REST or a `?token=` parameter, which must be
 * a signed-in person's or a token's with the `api` or `admin` scope (`mayUseApi`). `req` frames
 * call the `ApiRouter` (same answers as REST and the bus); `sub`/`unsub` manage topics; `publish` pushes events. A malformed frame
 * gets an `invalid_request` reply and the socket stays open.
 */
export class WsHub implements UpgradeHandler, EventSink {
  readonly #options: WsHubOptions;
  readonly #logger: Logger;
  readonly #router: ApiRouter;
  readonly #wss: WebSocketServer;
  readonly #sockets = new Set<HubSocket>();
  readonly #byTopic = new Map<string, Set<HubSocket>>();
  readonly #allowedOrigins: ReadonlySet<string>;
  readonly #pinger: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: WsHubOptions) {
    this.#options = options;
    this.#logger = options.logger;
    this.#router = options.router ?? new ApiRouter(options.handlers ?? {}, { logger: options.logger });
    this.#allowedOrigins = new Set(options.allowedOrigins ?? []);
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes ?? 1024 * 1024 });
    const pingIntervalMs = options.pingIntervalMs ?? 30_000;
    if (pingIntervalMs > 0) {
      this.#pinger = setInterval(() => this.#ping(), pingIntervalMs);
      this.#pinger.unref();
    }
  }

  /** Open connections. */
  get connections(): number {
    return this.#sockets.size;
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== WS_PATH) {
      rejectUpgrade(socket, 404, { error: `no WebSocket at ${url.pathname}`, code: 'not_found' });
      return;
    }
    if (this.#closed) {
      rejectUpgrade(socket, 503, { error: 'shutting down', code: 'unavailable' });
      return;
    }
    if (!this.#originAllowed(request)) {
      rejectUpgrade(socket, 403, { error: 'origin not allowed', code: 'forbidden' });
      return;
    }
    const credentials: Credentials = {
      authorization: request.headers.authorization,
      cookie: request.headers.cookie,
      queryToken: url.searchParams.get('token') ?? undefined,
    };
    const onError = () => socket.destroy();
    socket.on('error', onError);
    authenticate(this.#options.auth, credentials).then(
      (found) => {
        socket.off('error', onError);
        if (!found) {
          rejectUpgrade(socket, 401, { error: 'authentication required', code: 'unauthorized' });
          return;
        }
        // Events carry task and help traffic: only those who may use the API may listen.
        if (!mayUseApi(found.principal)) {
          rejectUpgrade(socket, 403, {
            error: 'the WebSocket needs a token with the api scope',
            code: 'forbidden',
          });
          return;
        }
        if (this.#closed) {
          rejectUpgrade(socket, 503, { error: 'shutting down', code: 'unavailable' });
          return;
        }
        if (socket.destroyed) return;
        this.#wss.handleUpgrade(request, socket, head, (ws) => this.#accept(ws, credentials));
      },
      (err: unknown) => {
        socket.off('error', onError);
        this.#logger.error({ err: describeError(err), path: WS_PATH }, 'WebSocket authentication failed');
        rejectUpgrade(socket, 500, { error: 'internal error', code: 'internal' });
      },
    );
  }

  publish(topic: string, version: number, data: unknown): void {
    const sockets = this.#byTopic.get(topic);
    if (!sockets || sockets.size === 0) return;
    const text = JSON.stringify({ type: 'evt', topic, version, data } satisfies WsServerFrame);
    for (const socket of sockets) socket.send(text);
  }

  /** Closes every connection (code 1001) and refuses new ones; sockets that linger are cut after 2 s. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#pinger);
    const closing = [...this.#sockets].map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.ws.readyState === socket.ws.CLOSED) return resolve();
          const timer = setTimeout(() => socket.ws.terminate(), 2_000);
          socket.ws.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          socket.ws.close(1001, 'server shutting down');
        }),
    );
    await Promise.all(closing);
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #ping(): void {
    for (const socket of this.#sockets) {
      if (!socket.alive) {
        socket.ws.terminate();
        continue;
      }
      socket.alive = false;
      socket.ws.ping();
      // A socket that only listens must not outlive a logout, a revoked token or a lost api scope.
      void authenticate(this.#options.auth, socket.credentials).then(
        (found) => {
          if (!found || !mayUseApi(found.principal)) socket.ws.close(UNAUTHORIZED_CLOSE_CODE, 'unauthorized');
        },
        () => {},
      );
    }
  }

  #originAllowed(request: IncomingMessage): boolean {
    const origin = request.headers.origin;
    if (origin === undefined) return true;
    return originAllowed(origin, request.headers.host, this.#allowedOrigins);
  }

  #accept(ws: WebSocket, credentials: Credentials): void {
    const socket = new HubSocket(ws, credentials, {
      maxFrames: this.#options.maxQueuedFrames ?? 1_000,
      maxBytes: this.#options.maxQueuedBytes ?? 4 * 1024 * 1024,
    });
    this.#sockets.add(socket);
    ws.on('message', (data, isBinary) => this.#onFrame(socket, data, isBinary));
    ws.on('pong', () => {
      socket.alive = true;
    });
    ws.on('error', (err) => this.#logger.debug({ err: err.message }, 'WebSocket error'));
    ws.on('close', () => {
      this.#sockets.delete(socket);
      for (const topic of socket.topics) this.#unsubscribe(socket, topic);
    });
  }

  #onFrame(socket: HubSocket, data: RawData, isBinary: boolean): void {
    if (isBinary) {
      socket.send(errorFrame('', { error: 'frames must be JSON text', code: 'invalid_request' }));
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : data.toString());
    } catch {
      socket.send(errorFrame('', { error: 'frame is not valid JSON', code: 'invalid_request' }));
      return;
    }
    const parsed = WsClientFrame.safeParse(raw);
    if (!parsed.success) {
      socket.send(errorFrame(idOf(raw), new InvalidRequestError('frame', parsed.error.issues).toReply()));
      return;
    }
    const frame = parsed.data;
    switch (frame.type) {
      case 'sub':
        if (!socket.topics.has(frame.topic) && socket.topics.size >= (this.#options.maxTopics ?? 500)) {
          socket.send(errorFrame('', { error: 'too many topics', code: 'invalid_request' }));
          return;
        }
        socket.topics.add(frame.topic);
        this.#topicSockets(frame.topic).add(socket);
        return;
      case 'unsub':
        socket.topics.delete(frame.topic);
        this.#unsubscribe(socket, frame.topic);
        return;
      case 'req':
        void this.#request(socket, frame.id, frame.subject, frame.data);
        return;
    }
  }

  async #request(socket: HubSocket, id: string, subject: string, data: unknown): Promise<void> {
    try {
      const name = this.#router.nameOf(subject);
      if (!name) throw new FigaroError('not_found', `unknown subject: ${subject.slice(0, 200)}`);
      const found = await authenticate(this.#options.auth, socket.credentials);
      if (!found) {
        socket.send(errorFrame(id, { error: 'credentials no longer valid', code: 'unauthorized' }));
        socket.ws.close(UNAUTHORIZED_CLOSE_CODE, 'unauthorized');
        return;
      }
      const ctx: CallContext = { principal: found.principal, transport: 'ws' };
      const result = await this.#router.call(name, data ?? {}, ctx);
      socket.send(result.ok ? { type: 'res', id, data: result.data } : errorFrame(id, result.error));
    } catch (err) {
      socket.send(errorFrame(id, this.#router.errorOf(err, { path: WS_PATH })));
    }
  }

  #topicSockets(topic: string): Set<HubSocket> {
    let sockets = this.#byTopic.get(topic);
    if (!sockets) {
      sockets = new Set();
      this.#byTopic.set(topic, sockets);
    }
    return sockets;
  }

  #unsubscribe(socket: HubSocket, topic: string): void {
    const sockets = this.#byTopic.get(topic);
    sockets?.delete(socket);
    if (sockets?.size === 0) this.#byTopic.delete(topic);
  }
}
