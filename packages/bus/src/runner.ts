import type { Logger } from '@figaro/protocol';

type Job = () => Promise<void>;

/** The concurrency option checked: a positive integer, 1 when absent; anything else throws a TypeError. */
function checkConcurrency(concurrency: number | undefined): number {
  const value = concurrency ?? 1;
  if (!Number.isInteger(value) || value < 1) {
    throw new TypeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  return value;
}

/**
 * Runs one subscription's handler jobs: FIFO, at most `concurrency` at once, never synchronously inside
 * `push()` (the first job of a burst starts on a later turn of the event loop, as a network delivery
 * would). A job that throws is logged and the next one runs.
 */
export class HandlerRunner {
  readonly #concurrency: number;
  readonly #logger: Logger;
  readonly #queue: Job[] = [];
  #running = 0;
  #scheduled = false;
  #waiters: Array<() => void> = [];

  constructor(concurrency: number | undefined, logger: Logger) {
    this.#concurrency = checkConcurrency(concurrency);
    this.#logger = logger;
  }

  /** Queues a job. */
  push(job: Job): void {
    this.#queue.push(job);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.#pump();
      });
    }
  }

  /** Drops the jobs that have not started. */
  clear(): void {
    this.#queue.length = 0;
    this.#notify();
  }

  /** Resolves when fewer than `concurrency` jobs are running or queued (back-pressure for pullers). */
  whenFree(): Promise<void> {
    return this.#until(() => this.#running + this.#queue.length < this.#concurrency);
  }

  /** Resolves when no job is running or queued. */
  idle(): Promise<void> {
    return this.#until(() => this.#running === 0 && this.#queue.length === 0);
  }

  #until(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (condition()) resolve();
        else this.#waiters.push(check);
      };
      this.#waiters.push(check);
    });
  }

  #pump(): void {
    while (this.#running < this.#concurrency) {
      const job = this.#queue.shift();
      if (!job) break;
      this.#running++;
      void this.#run(job);
    }
  }

  async #run(job: Job): Promise<void> {
    try {
      await job();
    } catch (err) {
      this.#logger.error({ err }, 'bus handler failed');
    } finally {
      this.#running--;
      this.#pump();
      this.#notify();
    }
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const check of waiters) check();
  }
}
