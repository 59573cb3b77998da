import type { Clock } from '@figaro/protocol';
import { DesktopClosedError } from './errors.js';
import type { RfbClient } from './rfb/rfb-client.js';

/** Settle parameters of one screenshot, in milliseconds. */
export interface SettleOptions {
  settleMs: number;
  maxWaitMs: number;
}

/**
 * Decides when the client framebuffer may be shown (ARCHITECTURE.md, "Screenshot semantics"): first a
 * probe round trip, so everything the server had to send before now has arrived; then `settleMs`
 * without changes, counted from the later of the last change and the last action, so an action's
 * effects that the desktop paints a moment later are included. Gives up at `maxWaitMs`.
 */
export class ScreenSettle {
  private lastChangeAt = Number.NEGATIVE_INFINITY;
  private lastActionAt = Number.NEGATIVE_INFINITY;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly client: RfbClient,
    private readonly clock: Clock,
  ) {
    client.onUpdate((info) => {
      if (info.changed) this.lastChangeAt = this.now();
      for (const wake of this.waiters) wake();
    });
    client.onClose(() => {
      for (const wake of this.waiters) wake();
    });
  }

  /** Records that an input action has just been sent. */
  actionSent(): void {
    this.lastActionAt = this.now();
  }

  /** Resolves true once settled, false when `maxWaitMs` ran out first. Rejects if the connection closes. */
  async wait(options: SettleOptions): Promise<boolean> {
    const deadline = this.now() + options.maxWaitMs;
    const probe = this.client.probe();
    let probed = false;
    void probe.then(
      () => {
        probed = true;
      },
      () => {},
    );
    while (!probed) {
      if (this.client.closed) await probe;
      const left = deadline - this.now();
      if (left <= 0) return false;
      await Promise.race([probe, this.nextUpdate(left)]);
    }
    for (;;) {
      if (this.client.closed) throw new DesktopClosedError();
      const quietSince = Math.max(this.lastChangeAt, this.lastActionAt);
      const now = this.now();
      if (now - quietSince >= options.settleMs) return true;
      if (now >= deadline) return false;
      await this.nextUpdate(Math.min(quietSince + options.settleMs, deadline) - now);
    }
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  /** Resolves at the next update, when the connection closes, or after `ms`, whichever is first. */
  private nextUpdate(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        timer.cancel();
        this.waiters.delete(done);
        resolve();
      };
      const timer = this.clock.setTimeout(done, Math.max(0, ms));
      this.waiters.add(done);
    });
  }
}
