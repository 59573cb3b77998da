import type { MiddlewareHandler } from 'hono';
import type { Principal } from '../api/handlers.js';

/** What the orchestrator reports on `/metrics` besides the HTTP counters. */
export interface MetricsSnapshot {
  /** Stored tasks per status. */
  tasksByStatus: Readonly<Record<string, number>>;
  /** Tasks waiting in the queue. */
  queueDepth: number;
  /** Connected agents per kind (`worker`, `supervisor`). */
  agentsConnected: Readonly<Record<string, number>>;
  /** Open dashboard WebSockets. */
  wsConnections?: number;
}

/** Reads a snapshot of the orchestrator's state for one scrape. */
export type MetricsSource = () => Promise<MetricsSnapshot>;

/** True when `principal` may read `/metrics`: a token with the `metrics` or `admin` scope. */
export function mayReadMetrics(principal: Principal): boolean {
  return (
    principal.kind === 'token' && (principal.scopes.includes('metrics') || principal.scopes.includes('admin'))
  );
}

/** A label value as the Prometheus text format wants it. */
function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/**
 * Counts HTTP responses by status class and renders the Prometheus text format (version 0.0.4) by
 * hand: no client library.
 */
export class HttpMetrics {
  readonly #byClass = new Map<string, number>([
    ['1xx', 0],
    ['2xx', 0],
    ['3xx', 0],
    ['4xx', 0],
    ['5xx', 0],
  ]);

  /** Counts every response that passes through (errors included: it runs outside the error handler). */
  middleware(): MiddlewareHandler {
    return async (c, next) => {
      await next();
      this.count(c.res.status);
    };
  }

  count(status: number): void {
    const key = `${Math.min(5, Math.max(1, Math.floor(status / 100)))}xx`;
    this.#byClass.set(key, (this.#byClass.get(key) ?? 0) + 1);
  }

  /** The text of one scrape. */
  render(snapshot: MetricsSnapshot): string {
    const lines: string[] = [];
    const metric = (name: string, type: 'gauge' | 'counter', help: string, samples: [string, number][]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
    };
    metric(
      'figaro_tasks',
      'gauge',
      'Stored tasks by status.',
      Object.entries(snapshot.tasksByStatus).map(([status, n]) => [`{status="${label(status)}"}`, n]),
    );
    metric('figaro_queue_depth', 'gauge', 'Tasks waiting in the queue.', [['', snapshot.queueDepth]]);
    metric(
      'figaro_agents_connected',
      'gauge',
      'Connected agents by kind.',
      Object.entries(snapshot.agentsConnected).map(([kind, n]) => [`{kind="${label(kind)}"}`, n]),
    );
    if (snapshot.wsConnections !== undefined) {
      metric('figaro_ws_connections', 'gauge', 'Open dashboard WebSockets.', [['', snapshot.wsConnections]]);
    }
    metric(
      'figaro_http_requests_total',
      'counter',
      'HTTP responses by status class.',
      [...this.#byClass].map(([cls, n]) => [`{code="${cls}"}`, n]),
    );
    const memory = process.memoryUsage();
    metric('figaro_process_resident_memory_bytes', 'gauge', 'Resident set size.', [['', memory.rss]]);
    metric('figaro_process_heap_used_bytes', 'gauge', 'V8 heap in use.', [['', memory.heapUsed]]);
    metric('figaro_process_uptime_seconds', 'gauge', 'Seconds since the process started.', [
      ['', Math.round(process.uptime())],
    ]);
    return `${lines.join('\n')}\n`;
  }
}
