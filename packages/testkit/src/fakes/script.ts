/** What every fake records about a request it received, in arrival order. */
export interface RecordedRequestBase {
  /** 1-based position of this request among the requests of its script. */
  readonly seq: number;
  readonly method: string;
  /** The full request path including the prefix and query, e.g. `/w1/v1/messages?beta=true`. */
  readonly path: string;
  /** The agent prefix the request came in under (`''` for the root script). */
  readonly prefix: string;
  readonly query: Readonly<Record<string, string>>;
  /** Lower-cased request headers. */
  readonly headers: Readonly<Record<string, string>>;
  /** The key from `x-api-key` or `Authorization: Bearer`, if any. */
  readonly apiKey: string | undefined;
}

/** Options of `waitForRequest`. */
export interface WaitOptions {
  /** Reject after this many milliseconds with the number of requests seen so far. Default 10 000. */
  readonly timeoutMs?: number;
}

interface Waiter<R> {
  readonly n: number;
  readonly resolve: (request: R) => void;
}

/**
 * An ordered queue of scripted steps plus the record of requests it answered. Each request takes the
 * next step; a request with no step left, or whose step could not be answered, is recorded as a
 * failure that `assertDone()` reports together with any step left unconsumed.
 */
export class Script<Step, Req extends RecordedRequestBase> {
  /** Every request this script received, in order (including unexpected ones). */
  readonly requests: Req[] = [];
  readonly #steps: Step[] = [];
  readonly #failures: string[] = [];
  readonly #waiters: Waiter<Req>[] = [];
  readonly #aborts = new Map<number, () => void>();
  readonly #aborted = new Set<number>();
  readonly #label: string;
  readonly #describe: (step: Step) => string;

  /** @param label names the script in failure messages; @param describe summarises a step. */
  constructor(label: string, describe: (step: Step) => string) {
    this.#label = label;
    this.#describe = describe;
  }

  /** Queues steps; each subsequent request consumes one, in order. Returns the script for chaining. */
  reply(...steps: Step[]): this {
    this.#steps.push(...steps);
    return this;
  }

  /** Number of steps not consumed yet. */
  get pending(): number {
    return this.#steps.length;
  }

  /** Failures recorded so far (unexpected requests, step functions that threw, malformed requests). */
  get failures(): readonly string[] {
    return this.#failures;
  }

  /** The most recent request; throws if none arrived. */
  lastRequest(): Req {
    const last = this.requests.at(-1);
    if (!last) throw new Error(`${this.#label}: no request received yet`);
    return last;
  }

  /** Resolves with the n-th (1-based) request once it has arrived; rejects after the timeout. */
  waitForRequest(n: number, options: WaitOptions = {}): Promise<Req> {
    const arrived = this.requests[n - 1];
    if (arrived) return Promise.resolve(arrived);
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(
          new Error(
            `${this.#label}: request #${n} did not arrive within ${timeoutMs} ms (got ${this.requests.length})`,
          ),
        );
      }, timeoutMs);
      const waiter: Waiter<Req> = {
        n,
        resolve: (request) => {
          clearTimeout(timer);
          resolve(request);
        },
      };
      this.#waiters.push(waiter);
    });
  }

  /**
   * Resolves once the client of the n-th request (default: the latest) disconnected before its
   * response was complete — e.g. after the agent was stopped mid-stream.
   */
  waitForDisconnect(n = this.requests.length, options: WaitOptions = {}): Promise<void> {
    if (this.#aborted.has(n)) return Promise.resolve();
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`${this.#label}: client of request #${n} did not disconnect within ${timeoutMs} ms`),
          ),
        timeoutMs,
      );
      this.#aborts.set(n, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Throws one error listing unexpected requests, other failures and unconsumed steps, if any. */
  assertDone(): void {
    const problems = this.problems();
    if (problems.length > 0) throw new Error(`${this.#label}:\n  ${problems.join('\n  ')}`);
  }

  /** @internal The lines `assertDone` would report. */
  problems(): string[] {
    const left = this.#steps.map((step, i) => `unconsumed step ${i + 1}: ${this.#describe(step)}`);
    return [...this.#failures, ...left];
  }

  /** @internal Records a request and hands out the next step (undefined, and a failure, if none is left). */
  take(
    build: (seq: number) => Req,
    summary: (request: Req) => string,
  ): { request: Req; step: Step | undefined } {
    const request = build(this.requests.length + 1);
    this.requests.push(request);
    const step = this.#steps.shift();
    if (step === undefined) this.fail(`unexpected request #${request.seq} ${summary(request)}: no step left`);
    for (const waiter of this.#waiters.filter((w) => w.n <= this.requests.length)) {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve(this.requests[waiter.n - 1] ?? request);
    }
    return { request, step };
  }

  /** @internal Records a failure for `assertDone`. */
  fail(message: string): void {
    this.#failures.push(message);
  }

  /** @internal Notes that the client of request `seq` disconnected early. */
  disconnected(seq: number): void {
    this.#aborted.add(seq);
    this.#aborts.get(seq)?.();
    this.#aborts.delete(seq);
  }

  /** @internal The script's name in messages. */
  get label(): string {
    return this.#label;
  }
}

/** Throws one error listing the problems of every script and of the server itself. */
export function assertAllDone(
  name: string,
  scripts: Iterable<{ problems(): string[]; label: string }>,
  own: readonly string[],
): void {
  const lines = [...own];
  for (const script of scripts)
    for (const problem of script.problems()) lines.push(`${script.label}: ${problem}`);
  if (lines.length > 0) throw new Error(`${name} is not done:\n  ${lines.join('\n  ')}`);
}

/** Parses a query string into a plain record (last value wins). */
export function queryRecord(search: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of search) out[key] = value;
  return out;
}

/** Shortens `text` for failure messages. */
export function preview(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
