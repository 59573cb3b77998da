import { randomUUID } from 'node:crypto';
import type { Clock, Logger, Task } from '@figaro/protocol';
import { WebSocket } from 'ws';
import type { ApiHandlers, ApiName, CallContext, Principal } from '../../src/api/handlers.js';
import { ApiRouter } from '../../src/api/router.js';
import { createHttpApp, type HttpAppOptions } from '../../src/http/app.js';
import type { AuthService, LoginResult } from '../../src/http/auth.js';
import { type RunningHttpServer, startHttpServer } from '../../src/http/server.js';
import { WsHub, type WsHubOptions } from '../../src/http/ws-hub.js';

export const TASK_ID = '0b9c7a52-4d1e-4a8e-9d6f-2f1c3b5a7e90';
export const ADMIN_TOKEN = 'tok-admin-5f0c2a';
export const API_TOKEN = 'tok-api-9b17e3';
export const PASSWORD = 'correct horse battery staple';

/** A clock the test moves by hand. */
class ManualClock implements Clock {
  #now = Date.parse('2025-06-01T12:00:00.000Z');
  now(): Date {
    return new Date(this.#now);
  }
  advance(ms: number): void {
    this.#now += ms;
  }
  setTimeout(): { cancel(): void } {
    throw new Error('not used');
  }
}

/** A token that may only read metrics. */
export const METRICS_TOKEN = 'fgr_metrics_only_token_0000';

/** An AuthService over maps: user `admin`, tokens `ADMIN_TOKEN` (admin) and `API_TOKEN` (api). */
class FakeAuth implements AuthService {
  readonly sessions = new Map<string, Principal>();
  readonly tokens = new Map<string, Principal>([
    [ADMIN_TOKEN, { kind: 'token', tokenId: 't-admin', scopes: ['admin'] }],
    [API_TOKEN, { kind: 'token', tokenId: 't-api', scopes: ['api'] }],
    [METRICS_TOKEN, { kind: 'token', tokenId: 't-metrics', scopes: ['metrics'] }],
  ]);
  logins = 0;

  async login(username: string, password: string): Promise<LoginResult | null> {
    this.logins += 1;
    if (username !== 'admin' || password !== PASSWORD) return null;
    const sessionId = `sess-${randomUUID()}`;
    this.sessions.set(sessionId, { kind: 'user', userId: 'u1', username });
    return { sessionId, expiresAt: new Date(Date.now() + 3_600_000) };
  }
  async session(sessionId: string): Promise<Principal | null> {
    return this.sessions.get(sessionId) ?? null;
  }
  async logout(sessionId: string): Promise<void> {
    this.sessions.delete(sessionId);
  }
  async token(bearer: string): Promise<Principal | null> {
    return this.tokens.get(bearer) ?? null;
  }
}

/** A log line as the recording logger keeps it. */
export interface LogLine {
  level: string;
  fields: Record<string, unknown>;
  message?: string;
}

/** A logger that keeps every line, to assert what is (and is not) logged. */
export function recordingLogger(lines: LogLine[] = []): Logger & { lines: LogLine[] } {
  const log =
    (level: string) =>
    (fields: Record<string, unknown>, message?: string): void => {
      lines.push({ level, fields, ...(message !== undefined ? { message } : {}) });
    };
  const logger = {
    lines,
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: () => logger,
  };
  return logger;
}

export function task(overrides: Partial<Task> = {}): Task {
  return {
    task_id: TASK_ID,
    prompt: 'open the browser',
    options: { target: 'auto' },
    status: 'pending',
    attempt: 0,
    result: null,
    error: null,
    worker_id: null,
    supervisor_id: null,
    source: 'api',
    source_metadata: null,
    scheduled_task_id: null,
    parent_task_id: null,
    original_task_id: null,
    retry_number: 0,
    waiting_on: null,
    activity_at: null,
    created_at: '2025-06-01T12:00:00.000Z',
    assigned_at: null,
    started_at: null,
    completed_at: null,
    message_count: 0,
    cost_usd: 0,
    version: 1,
    ...overrides,
  };
}

/** One handler call as the fakes record it. */
export interface Call {
  name: ApiName;
  request: unknown;
  ctx: CallContext;
}

/** Handlers for every REST route that record their calls and answer valid replies. */
export function fakeHandlers(calls: Call[] = []): ApiHandlers {
  const answer =
    <Q, R>(name: ApiName, reply: (req: Q) => R) =>
    async (req: Q, ctx: CallContext): Promise<R> => {
      calls.push({ name, request: req, ctx });
      return reply(req);
    };
  const handlers: ApiHandlers = {
    tasksCreate: answer('tasksCreate', (req: { prompt: string }) => task({ prompt: req.prompt })),
    tasksList: answer('tasksList', () => ({ tasks: [task()], next_cursor: null })),
    tasksSearch: answer('tasksSearch', () => ({ tasks: [] })),
    tasksGet: answer('tasksGet', (req: { task_id: string }) => ({
      ...task({ task_id: req.task_id }),
      messages: [],
    })),
    tasksStop: answer('tasksStop', (req: { task_id: string }) => ({
      success: true as const,
      task_id: req.task_id,
    })),
    workers: answer('workers', () => ({
      workers: [
        {
          id: 'w1',
          status: 'idle' as const,
          capabilities: [],
          novnc_url: 'vnc://10.0.0.5:5900',
          vnc_username: null,
          vnc_password: '***' as const,
          agent_connected: true,
          metadata: {},
        },
      ],
    })),
    supervisorStatus: answer('supervisorStatus', () => ({ supervisors: [] })),
    desktopWorkersRegister: answer('desktopWorkersRegister', () => ({ status: 'ok' as const })),
    desktopWorkersUpdate: answer('desktopWorkersUpdate', () => ({ status: 'ok' as const })),
    desktopWorkersRemove: answer('desktopWorkersRemove', () => ({ status: 'ok' as const })),
    helpRequestsList: answer('helpRequestsList', () => ({ help_requests: [] })),
    helpRequestsRespond: answer('helpRequestsRespond', (req: { request_id: string }) => ({
      success: true,
      request_id: req.request_id,
    })),
    helpRequestsDismiss: answer('helpRequestsDismiss', (req: { request_id: string }) => ({
      success: true,
      request_id: req.request_id,
    })),
    vnc: answer('vnc', () => ({ ok: true as const })),
    ssh: answer('ssh', () => ({ stdout: 'hi\n', stderr: '', exit_code: 0 })),
    telnet: answer('telnet', () => ({ output: 'hi' })),
    tokensList: answer('tokensList', () => ({ tokens: [] })),
    tokensCreate: answer(
      'tokensCreate',
      (req: { name: string; scopes: Array<'api' | 'agent' | 'metrics' | 'admin'> }) => ({
        token_id: 't-new',
        name: req.name,
        scopes: req.scopes,
        created_at: '2025-06-01T12:00:00.000Z',
        last_used_at: null,
        token: 'tok-new-secret',
      }),
    ),
    tokensRevoke: answer('tokensRevoke', () => ({ status: 'ok' as const })),
  };
  return handlers;
}

/** A running app on a free port with its hub, fake auth and recorded calls. */
export interface TestServer extends RunningHttpServer {
  auth: FakeAuth;
  hub: WsHub;
  calls: Call[];
  logger: ReturnType<typeof recordingLogger>;
  clock: ManualClock;
}

/** Starts the whole HTTP layer on 127.0.0.1:0 with fakes; `overrides` replace parts of it. */
export async function startTestServer(
  overrides: {
    handlers?: ApiHandlers;
    /** One router for REST and the hub (e.g. shared with a bus server); else one over `handlers`. */
    router?: ApiRouter;
    app?: Partial<HttpAppOptions>;
    hub?: Partial<WsHubOptions>;
  } = {},
): Promise<TestServer> {
  const calls: Call[] = [];
  const auth = new FakeAuth();
  const logger = recordingLogger();
  const clock = new ManualClock();
  const router = overrides.router ?? new ApiRouter(overrides.handlers ?? fakeHandlers(calls), { logger });
  const app = createHttpApp({
    health: async () => ({ status: 'ok', bus: 'memory', store: 'pglite' }),
    logger,
    router,
    auth,
    clock,
    ...overrides.app,
  });
  const hub = new WsHub({ router, auth, logger, ...overrides.hub });
  const server = await startHttpServer(app, { host: '127.0.0.1', port: 0, hub });
  return { ...server, auth, hub, calls, logger, clock };
}

/** Signs in as admin and returns the `Cookie` header value to send back. */
export async function loginCookie(url: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ password: PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
  const cookie = res.headers.get('set-cookie') ?? '';
  return cookie.split(';')[0] ?? '';
}

/** A WebSocket client whose incoming frames are awaited one by one. */
export class WsClient {
  readonly ws: WebSocket;
  readonly #frames: unknown[] = [];
  readonly #waiters: Array<(frame: unknown) => void> = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => {
      const frame: unknown = JSON.parse(data.toString());
      const waiter = this.#waiters.shift();
      if (waiter) waiter(frame);
      else this.#frames.push(frame);
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
  }

  /** Connects, resolving once open, or rejecting with the HTTP status of a refused upgrade. */
  static connect(url: string, headers: Record<string, string> = {}): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url.replace(/^http/, 'ws'), { headers });
      const client = new WsClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(new UpgradeRefused(res.statusCode ?? 0)));
      ws.once('error', reject);
    });
  }

  /** The next frame, waiting for it if none is buffered. */
  next(): Promise<unknown> {
    const frame = this.#frames.shift();
    if (frame !== undefined) return Promise.resolve(frame);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Frames received and not yet taken with `next`. */
  drain(): unknown[] {
    return this.#frames.splice(0);
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Sends a request and returns the next frame (its reply, when nothing else is pushed meanwhile). */
  async request(id: string, subject: string, data: unknown = {}): Promise<unknown> {
    this.send({ type: 'req', id, subject, data });
    return this.next();
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close();
    return this.closed;
  }
}

/** A refused WebSocket upgrade and its HTTP status. */
export class UpgradeRefused extends Error {
  constructor(readonly status: number) {
    super(`upgrade refused with ${status}`);
  }
}
