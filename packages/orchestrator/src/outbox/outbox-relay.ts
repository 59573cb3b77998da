import type { Bus } from '@figaro/bus';
import type { Logger } from '@figaro/protocol';
import type { Store } from '@figaro/store';

/**
 * Publishes rows of the `outbox` table, written in the same transaction as the state change they
 * follow, and deletes each row once published. `kick()` after a commit publishes at once; a timer
 * catches rows whose kick was lost (a crash between commit and publish, another replica's rows).
 */
export class OutboxRelay {
  readonly #bus: Bus;
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  #running: Promise<void> | null = null;
  #again = false;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(options: { bus: Bus; store: Store; logger: Logger; intervalMs: number }) {
    this.#bus = options.bus;
    this.#store = options.store;
    this.#logger = options.logger;
    this.#intervalMs = options.intervalMs;
  }

  start(): void {
    this.#timer = setInterval(() => this.kick(), this.#intervalMs);
    this.#timer.unref();
    this.kick();
  }

  /** Publishes pending rows soon; resolves when the pass that covers this kick has finished. */
  kick(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#drain().finally(() => {
      this.#running = null;
      if (this.#again && !this.#stopped) {
        this.#again = false;
        void this.kick();
      }
    });
    return this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#running;
  }

  async #drain(): Promise<void> {
    for (;;) {
      let published = 0;
      try {
        published = await this.#store.tx(async (repos) => {
          const rows = await repos.outbox.claimBatch(100);
          const done: number[] = [];
          const failed: number[] = [];
          for (const row of rows) {
            try {
              await this.#bus.publish(row.subject, row.payload, { headers: row.headers });
              done.push(row.id);
            } catch (err) {
              failed.push(row.id);
              this.#logger.warn(
                { subject: row.subject, err: errorText(err) },
                'outbox publish failed; will retry',
              );
            }
          }
          if (done.length > 0) await repos.outbox.delete(done);
          if (failed.length > 0) await repos.outbox.bumpAttempts(failed);
          return failed.length > 0 ? 0 : rows.length;
        });
      } catch (err) {
        if (!this.#stopped) this.#logger.error({ err: errorText(err) }, 'outbox relay pass failed');
        return;
      }
      if (published < 100) return;
    }
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
