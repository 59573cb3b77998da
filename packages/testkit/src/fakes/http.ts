import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** A running node:http server on 127.0.0.1 and its origin URL (no trailing slash). */
export interface Listening {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts `handler` on a kernel-chosen free port of 127.0.0.1 (port 0, so no race with other tests).
 * A handler that throws answers 500 with the error message; `close()` drops open connections too,
 * so a hanging stream never keeps a test run alive.
 */
export function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<Listening> {
  const server = createServer((req, res) => {
    handler(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(err) } });
      else res.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        server,
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** Reads the whole request body. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks);
}

/** Lower-cased request headers, repeated headers joined with `, `. */
export function headerRecord(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** The API key a client sent, from `x-api-key` or `Authorization: Bearer …`. */
export function apiKeyOf(headers: Record<string, string>): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '');
  return headers['x-api-key'] ?? bearer?.[1];
}

/** Writes a JSON response unless the client already went away. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** Type guard for a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An AbortSignal that fires when the client disconnects before the response finished
 * (`res.on('close')`, which also covers a socket dropped mid-stream).
 */
export function disconnectSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

/** Resolves after `ms`, or early (without error) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Resolves when `signal` aborts (the client disconnected). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** Opens a `text/event-stream` response. */
export function startSse(res: ServerResponse, headers: Record<string, string> = {}): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...headers,
  });
  res.flushHeaders();
}

/**
 * Writes SSE frames (each already formatted, ending in a blank line) with `delayMs` between them.
 * Stops writing as soon as the client disconnects; returns whether every frame was written.
 */
export async function writeFrames(
  res: ServerResponse,
  frames: readonly string[],
  signal: AbortSignal,
  delayMs = 0,
): Promise<boolean> {
  for (const [i, frame] of frames.entries()) {
    if (i > 0) await sleep(delayMs, signal);
    if (signal.aborted || res.destroyed) return false;
    res.write(frame);
  }
  return true;
}

/** Copies a WHATWG `Response` (from a step function) onto the node response, stopping on disconnect. */
export async function sendWebResponse(
  res: ServerResponse,
  response: Response,
  signal: AbortSignal,
): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, headers);
  if (response.body) {
    for await (const chunk of response.body) {
      if (signal.aborted || res.destroyed) {
        await response.body.cancel().catch(() => undefined);
        return;
      }
      res.write(chunk);
    }
  }
  res.end();
}

/** Splits `text` into up to `parts` consecutive non-empty pieces (at least two when it has two chars). */
export function splitInto(text: string, parts: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / Math.max(1, parts)));
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}

/**
 * The agent prefix of `pathname` when it ends in `suffix` (`/w1/v1/messages` → `w1`, `/v1/messages`
 * → `''`), or undefined when it does not.
 */
export function prefixOf(pathname: string, suffix: string): string | undefined {
  if (!pathname.endsWith(suffix)) return undefined;
  return pathname.slice(0, -suffix.length).replace(/^\/+|\/+$/g, '');
}

/** Normalises an agent name given to `fake.agent(name)` into a path prefix. */
export function agentPrefix(name: string): string {
  const prefix = name.replace(/^\/+|\/+$/g, '');
  if (!/^[\w.~-]+(?:\/[\w.~-]+)*$/.test(prefix)) throw new Error(`not a usable path prefix: "${name}"`);
  return prefix;
}
