/** A promise with its resolve function. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Collects values; `upTo(n)` resolves once at least n were collected (or rejects after `ms`). */
export function collector<T>() {
  const items: T[] = [];
  let waiters: Array<() => void> = [];
  return {
    items,
    push(item: T) {
      items.push(item);
      const current = waiters;
      waiters = [];
      for (const check of current) check();
    },
    upTo(n: number, ms = 10_000): Promise<T[]> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`got ${items.length} of ${n} items in ${ms} ms`)),
          ms,
        );
        const check = () => {
          if (items.length >= n) {
            clearTimeout(timer);
            resolve(items.slice());
          } else waiters.push(check);
        };
        check();
      });
    },
  };
}

/** A bounded pause, only where the assertion is that nothing more happens. */
export function quietPeriod(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Retries `fn` until it resolves, every `intervalMs`, failing with the last error after `ms`. */
export async function eventually<T>(fn: () => Promise<T>, ms = 10_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

export { recordingLogger } from '@figaro/protocol/testing';

/** The error a promise rejects with; fails when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & { code?: unknown }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`rejected with a non-error: ${String(err)}`);
  }
  throw new Error('expected a rejection, got a value');
}
