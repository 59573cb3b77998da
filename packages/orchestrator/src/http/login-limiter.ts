import type { Clock } from '@figaro/protocol';

/** Options of a `LoginLimiter`. */
export interface LoginLimiterOptions {
  clock: Clock;
  /** Attempts that did not succeed allowed per client within `windowMs`. Default 10. */
  maxFailures?: number;
  /** Length of the sliding window, in milliseconds. Default 60,000. */
  windowMs?: number;
  /** Clients tracked at most; beyond it, clients with nothing inside the window are forgotten. Default 10,000. */
  maxClients?: number;
}

/**
 * Sliding-window limit on password guesses per client address. An attempt counts from the moment it
 * starts (so parallel guesses cannot slip past the limit) and is forgiven only when it succeeds.
 */
export class LoginLimiter {
  readonly #clock: Clock;
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #maxClients: number;
  /** Client → start times (ms) of attempts not forgiven, oldest first. */
  readonly #attempts = new Map<string, number[]>();

  constructor(options: LoginLimiterOptions) {
    this.#clock = options.clock;
    this.#maxFailures = options.maxFailures ?? 10;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#maxClients = options.maxClients ?? 10_000;
  }

  /**
   * Records an attempt of `client` and returns a token to `forgive` on success, or returns the
   * milliseconds until the next attempt is allowed when the limit is reached (nothing recorded).
   */
  begin(client: string): { allowed: true; attempt: number } | { allowed: false; retryAfterMs: number } {
    const now = this.#clock.now().getTime();
    const recent = this.#recent(client, now);
    const oldest = recent[0];
    if (oldest !== undefined && recent.length >= this.#maxFailures) {
      return { allowed: false, retryAfterMs: Math.max(1, oldest + this.#windowMs - now) };
    }
    if (!this.#attempts.has(client) && this.#attempts.size >= this.#maxClients) this.#prune(now);
    recent.push(now);
    this.#attempts.set(client, recent);
    return { allowed: true, attempt: now };
  }

  /** Forgets one attempt of `client` that succeeded. */
  forgive(client: string, attempt: number): void {
    const recent = this.#attempts.get(client);
    if (!recent) return;
    const index = recent.indexOf(attempt);
    if (index >= 0) recent.splice(index, 1);
    if (recent.length === 0) this.#attempts.delete(client);
  }

  #recent(client: string, now: number): number[] {
    return (this.#attempts.get(client) ?? []).filter((at) => at > now - this.#windowMs);
  }

  #prune(now: number): void {
    for (const client of [...this.#attempts.keys()]) {
      const recent = this.#recent(client, now);
      if (recent.length === 0) this.#attempts.delete(client);
      else this.#attempts.set(client, recent);
    }
  }
}
