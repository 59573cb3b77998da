import { summarizeTaskEvent, WS_PATH } from '@figaro/orchestrator';
import {
  Api,
  Broadcasts,
  ErrorReply,
  FINISHED_STATUSES,
  formatIssues,
  type Task,
  TaskEventSummary,
  TaskWithMessages,
  WsServerFrame,
} from '@figaro/protocol';
import WebSocket, { type RawData } from 'ws';
import { z } from 'zod';
import { ApiError, ConnectionError, ProtocolError } from './errors.js';
import { connectionError, displayUrl } from './http-client.js';

/** A task event as the hub summarises it: kind, attempt, seq, preview text, blob references. */
export type EventSummary = z.infer<typeof TaskEventSummary>;

/** `data` of a pushed `evt` frame (the orchestrator's `HubEvent`). */
const HubEvent = z.object({ event: z.string(), payload: z.unknown() });

/** Broadcasts that carry the whole task. */
const TASK_BROADCASTS: ReadonlySet<string> = new Set(['task_updated', 'task_queued']);

const GET_REQUEST_ID = 'get';

/** Options of `watchTask`. */
export interface WatchTaskOptions {
  /** Figaro's base URL (`http://127.0.0.1:8000`); the socket goes to `/api/ws` under it. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>` on the upgrade. */
  token: string;
  taskId: string;
  /** Called with each newer version of the task (from the first fetch, then from pushes). */
  onTask?: (task: Task) => void;
  /** Called once per message event of the task, in order, history first, never twice. */
  onMessage?: (summary: EventSummary) => void;
  /** Called once the subscription is live and the task was fetched (before any later push). */
  onReady?: (task: Task) => void;
  /** Stops following: the promise resolves with `{outcome: "aborted"}`. */
  signal?: AbortSignal;
  /** Time allowed for the WebSocket upgrade, in milliseconds. Default 10,000. */
  connectTimeoutMs?: number;
}

/** How following a task ended. */
export type WatchOutcome = { outcome: 'finished'; task: Task } | { outcome: 'aborted' };

/**
 * Follows one task live over the dashboard WebSocket until it finishes. It subscribes to
 * `task:<id>` first and only then fetches the task over the same socket (frames are handled in order,
 * so the reply proves the subscription is live): a finish that happened before the subscription is in
 * the fetched task, one that happens after is pushed. Pushes that arrive before the fetch's reply are
 * held and applied after it; older task versions and repeated events are dropped.
 *
 * Rejects with `ApiError` (refused upgrade, unknown task), `ConnectionError` (unreachable, connection
 * lost) or `ProtocolError` (a frame that breaks the protocol).
 */
export function watchTask(options: WatchTaskOptions): Promise<WatchOutcome> {
  return new Promise<WatchOutcome>((resolve, reject) => {
    const baseUrl = displayUrl(options.baseUrl);
    const url = new URL(options.baseUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.pathname = `${url.pathname.replace(/\/+$/, '')}${WS_PATH}`;
    const ws = new WebSocket(url, {
      headers: { Authorization: `Bearer ${options.token}` },
      handshakeTimeout: options.connectTimeoutMs ?? 10_000,
    });
    const seen = new Set<string>();
    let version = -1;
    let held: unknown[] | null = [];
    let settled = false;

    const settle = (result: { ok: WatchOutcome } | { err: Error }) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) {
        ws.once('error', () => {});
        ws.close(1000);
        // A server that never completes the closing handshake must not keep the CLI alive.
        setTimeout(() => ws.terminate(), 1_000).unref();
      }
      if ('ok' in result) resolve(result.ok);
      else reject(result.err);
    };
    const onAbort = () => settle({ ok: { outcome: 'aborted' } });
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const applyTask = (task: Task) => {
      if (task.task_id !== options.taskId || task.version <= version) return;
      version = task.version;
      options.onTask?.(task);
      if (FINISHED_STATUSES.includes(task.status)) settle({ ok: { outcome: 'finished', task } });
    };
    const applyMessage = (summary: EventSummary) => {
      const key = `${summary.attempt}:${summary.seq}`;
      if (summary.type !== 'message' || seen.has(key)) return;
      seen.add(key);
      options.onMessage?.(summary);
    };
    const applyPush = (data: unknown) => {
      const event = HubEvent.safeParse(data);
      if (!event.success) throw new ProtocolError('a pushed event has no event name');
      if (event.data.event === 'task_event') {
        const summary = TaskEventSummary.safeParse(event.data.payload);
        if (summary.success && summary.data.task_id === options.taskId) applyMessage(summary.data);
      } else if (TASK_BROADCASTS.has(event.data.event)) {
        const broadcast = Broadcasts.task_updated.schema.safeParse(event.data.payload);
        if (broadcast.success) applyTask(broadcast.data.task);
      }
    };
    const applyFetched = (data: unknown) => {
      const parsed = TaskWithMessages.safeParse(data);
      if (!parsed.success) {
        throw new ProtocolError(
          `the reply of ${Api.tasksGet.subject} does not match the protocol (${formatIssues(parsed.error.issues)})`,
        );
      }
      const { messages = [], ...task } = parsed.data;
      for (const stored of messages) {
        const summary = summarizeTaskEvent(stored.type, stored.payload);
        if (summary) applyMessage(summary);
      }
      const pending = held ?? [];
      held = null;
      applyTask(task);
      if (!settled) options.onReady?.(task);
      for (const push of pending) if (!settled) applyPush(push);
    };

    const onFrame = (raw: RawData) => {
      let json: unknown;
      try {
        json = JSON.parse(frameText(raw));
      } catch {
        throw new ProtocolError('Figaro sent a WebSocket frame that is not JSON');
      }
      const frame = WsServerFrame.safeParse(json);
      if (!frame.success) throw new ProtocolError('Figaro sent a WebSocket frame the protocol does not know');
      const { data } = frame;
      if (data.type === 'evt') {
        if (held) held.push(data.data);
        else applyPush(data.data);
        return;
      }
      if (data.error) {
        // Only the fetch is a request; an error without its id refuses a frame we sent.
        throw ApiError.fromReply(data.error, 0);
      }
      if (data.id === GET_REQUEST_ID) applyFetched(data.data);
    };

    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'sub', topic: `task:${options.taskId}` }));
      ws.send(
        JSON.stringify({
          type: 'req',
          id: GET_REQUEST_ID,
          subject: Api.tasksGet.subject,
          data: { task_id: options.taskId, include_messages: true },
        }),
      );
    });
    ws.on('message', (raw) => {
      if (settled) return;
      try {
        onFrame(raw);
      } catch (err) {
        settle({ err: err instanceof Error ? err : new ProtocolError(String(err)) });
      }
    });
    ws.on('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => {
        let error: ErrorReply | undefined;
        try {
          error = ErrorReply.parse(JSON.parse(body));
        } catch {
          error = undefined;
        }
        const status = response.statusCode ?? 0;
        settle({
          err: error
            ? ApiError.fromReply(error, status)
            : new ProtocolError(`Figaro at ${baseUrl} refused the WebSocket with HTTP ${status}`),
        });
      });
    });
    ws.on('error', (err) =>
      settle({ err: connectionError(baseUrl, err, options.connectTimeoutMs ?? 10_000) }),
    );
    ws.on('close', (code) => {
      settle({
        err: new ConnectionError(
          `lost the connection to Figaro at ${baseUrl} (WebSocket closed with code ${code}) ` +
            `while following task ${options.taskId}`,
        ),
      });
    });
  });
}

/** The text of a frame, however `ws` delivered its bytes. */
function frameText(raw: RawData): string {
  if (Array.isArray(raw)) return Buffer.concat(raw).toString('utf8');
  if (Buffer.isBuffer(raw)) return raw.toString('utf8');
  return Buffer.from(new Uint8Array(raw)).toString('utf8');
}
