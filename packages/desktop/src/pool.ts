import { createHash } from 'node:crypto';
import { type Clock, type Logger, silentLogger, systemClock } from '@figaro/protocol';
import type { Desktop } from './desktop.js';
import { DesktopClosedError } from './errors.js';
import { SerialQueue } from './serial-queue.js';
import { VncDesktop, type VncDesktopOptions } from './vnc-desktop.js';

/** Where a pooled desktop is and how to log in. The pool keeps one connection per distinct target. */
export interface DesktopTarget {
  /** `vnc://host[:port]`, or `ws://` / `wss://` (RFB over a WebSocket); `?tls=1` requires TLS. */
  url: string;
  /** VNC password; part of the connection's identity (a changed password opens a new connection). */
  password?: string;
}

/** A desktop the pool can hold: it must tell when its connection has ended. */
export interface PooledDesktop extends Desktop {
  /** True once the connection ended (closed by anyone, or broken); the pool then reconnects. */
  readonly closed: boolean;
}

/** Opens a connection for the pool; injected so tests and other transports can replace VNC over TCP. */
export type DesktopConnector = (target: DesktopTarget) => Promise<PooledDesktop>;

/** Options of `DesktopPool`. */
export interface DesktopPoolOptions {
  /** A connection unused this long (milliseconds) is closed. Default 60 000. */
  idleMs?: number;
  /** Default: `VncDesktop.connect({url, password, ...timeouts})`. */
  connect?: DesktopConnector;
  /**
   * Limits of the default connector (10 s each by default, see `VncDesktop.DEFAULT_TIMEOUTS`): a
   * desktop that accepts TCP and stalls fails the operation with code `timeout`, so the operations
   * queued behind it on that desktop run (and reconnect) instead of waiting forever.
   */
  timeouts?: Pick<VncDesktopOptions, 'connectTimeoutMs' | 'handshakeTimeoutMs' | 'firstFrameTimeoutMs'>;
  clock?: Clock;
  logger?: Logger;
}

interface Entry {
  readonly key: string;
  readonly label: string;
  readonly queue: SerialQueue;
  desktop: PooledDesktop | undefined;
  /** Operations queued or running; the idle timer runs only at zero. */
  pending: number;
  idleTimer: { cancel(): void } | undefined;
}

/**
 * Shares one connection per desktop among callers. Operations on one desktop run one at a time in call
 * order (a drag is never interleaved with a click); different desktops run in parallel. A connection
 * is opened on first use, closed after `idleMs` without use, and replaced on the next use when it has
 * ended (server restart, network failure). An operation that fails because the connection broke
 * under it is not retried: its caller gets the error and the next operation reconnects.
 */
export class DesktopPool {
  private readonly entries = new Map<string, Entry>();
  private readonly idleMs: number;
  private readonly connector: DesktopConnector;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private isClosed = false;

  constructor(options: DesktopPoolOptions = {}) {
    this.idleMs = options.idleMs ?? 60_000;
    this.connector =
      options.connect ??
      ((target) =>
        VncDesktop.connect({
          ...options.timeouts,
          url: target.url,
          ...(target.password !== undefined ? { password: target.password } : {}),
        }));
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
  }

  /** Number of open connections. */
  get size(): number {
    let open = 0;
    for (const entry of this.entries.values()) if (entry.desktop && !entry.desktop.closed) open++;
    return open;
  }

  /**
   * Runs `operation` with the target's desktop, after every operation queued on it before. Connection
   * failures reject with the connector's error (`DesktopError` with code `unauthorized`, `unavailable`
   * or `timeout`); after `close()` every call rejects with `DesktopClosedError`.
   */
  use<T>(target: DesktopTarget, operation: (desktop: PooledDesktop) => Promise<T>): Promise<T> {
    if (this.isClosed) return Promise.reject(new DesktopClosedError('desktop pool closed'));
    const entry = this.entry(target);
    entry.pending++;
    entry.idleTimer?.cancel();
    entry.idleTimer = undefined;
    return entry.queue
      .run(async () => {
        if (this.isClosed) throw new DesktopClosedError('desktop pool closed');
        return operation(await this.connected(entry, target));
      })
      .finally(() => {
        entry.pending--;
        if (entry.pending === 0) this.armIdleTimer(entry);
      });
  }

  /** Closes the target's connection now, if open (e.g. after its credentials changed). */
  async drop(target: DesktopTarget): Promise<void> {
    const entry = this.entries.get(keyOf(target));
    if (entry) await this.closeEntry(entry);
  }

  /** Closes every connection; later `use` calls reject. Safe to call twice. */
  async close(): Promise<void> {
    this.isClosed = true;
    await Promise.all([...this.entries.values()].map((entry) => this.closeEntry(entry)));
  }

  private entry(target: DesktopTarget): Entry {
    const key = keyOf(target);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = {
        key,
        label: target.url,
        queue: new SerialQueue(),
        desktop: undefined,
        pending: 0,
        idleTimer: undefined,
      };
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** The entry's desktop, connecting when it has none or its connection has ended. Runs in the queue. */
  private async connected(entry: Entry, target: DesktopTarget): Promise<PooledDesktop> {
    if (entry.desktop && !entry.desktop.closed) return entry.desktop;
    if (entry.desktop) {
      this.logger.info({ desktop: entry.label }, 'desktop connection ended; reconnecting');
      entry.desktop = undefined;
    }
    const desktop = await this.connector(target);
    if (this.isClosed) {
      await desktop.close();
      throw new DesktopClosedError('desktop pool closed');
    }
    entry.desktop = desktop;
    return desktop;
  }

  private armIdleTimer(entry: Entry): void {
    if (this.isClosed || !entry.desktop) return;
    entry.idleTimer = this.clock.setTimeout(() => {
      entry.idleTimer = undefined;
      if (entry.pending > 0) return;
      this.logger.debug({ desktop: entry.label }, 'closing idle desktop connection');
      void this.closeEntry(entry);
    }, this.idleMs);
  }

  private async closeEntry(entry: Entry): Promise<void> {
    entry.idleTimer?.cancel();
    entry.idleTimer = undefined;
    const desktop = entry.desktop;
    entry.desktop = undefined;
    if (entry.pending === 0) this.entries.delete(entry.key);
    await desktop?.close().catch((err: unknown) => {
      this.logger.warn({ desktop: entry.label, err: String(err) }, 'closing a desktop connection failed');
    });
  }
}

/** Identity of a target: the URL and a hash of the password, so the map never holds it in clear. */
function keyOf(target: DesktopTarget): string {
  const secret =
    target.password === undefined ? '' : createHash('sha256').update(target.password).digest('hex');
  return `${target.url}\n${secret}`;
}
