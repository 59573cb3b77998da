import type { Clock } from '@figaro/protocol';

/** Per-task limits (`options.max_turns`, `options.budget_usd`, `options.max_duration_s`); absent = unlimited. */
export interface AgentLimits {
  maxTurns?: number;
  budgetUsd?: number;
  maxDurationS?: number;
}

/** A limit that has been reached, with the question to put to the human. */
export interface BudgetReached {
  kind: 'max_turns' | 'budget_usd' | 'max_duration_s';
  question: string;
}

/** Where the run stands. */
export interface BudgetUsage {
  turns: number;
  costUsd: number;
}

/**
 * Tracks a task's budgets. Checked before every model turn, so a run overshoots a limit by at most one
 * step. When the human agrees to continue, the limit grows by its original amount.
 */
export class BudgetGuard {
  readonly #clock: Clock;
  readonly #startedAt: number;
  readonly #original: AgentLimits;
  readonly #current: AgentLimits;

  constructor(limits: AgentLimits, clock: Clock) {
    this.#clock = clock;
    this.#startedAt = clock.now().getTime();
    this.#original = { ...limits };
    this.#current = { ...limits };
  }

  /** The first limit reached, or undefined. */
  reached(usage: BudgetUsage): BudgetReached | undefined {
    const { maxTurns, budgetUsd, maxDurationS } = this.#current;
    const steps = `${usage.turns} step${usage.turns === 1 ? '' : 's'}`;
    if (budgetUsd !== undefined && usage.costUsd >= budgetUsd) {
      const more = this.#original.budgetUsd ?? budgetUsd;
      return {
        kind: 'budget_usd',
        question: `budget of $${dollars(budgetUsd)} reached after ${steps}; continue with another $${dollars(more)}?`,
      };
    }
    if (maxTurns !== undefined && usage.turns >= maxTurns) {
      const more = this.#original.maxTurns ?? maxTurns;
      return {
        kind: 'max_turns',
        question: `turn limit of ${maxTurns} reached after ${steps}; continue with another ${more} turns?`,
      };
    }
    if (maxDurationS !== undefined && this.elapsedMs() >= maxDurationS * 1000) {
      const more = this.#original.maxDurationS ?? maxDurationS;
      return {
        kind: 'max_duration_s',
        question: `time limit of ${maxDurationS} s reached after ${steps}; continue for another ${more} s?`,
      };
    }
    return undefined;
  }

  /** Raises a limit by its original amount (the human said yes). */
  extend(kind: BudgetReached['kind']): void {
    if (kind === 'budget_usd')
      this.#current.budgetUsd = (this.#current.budgetUsd ?? 0) + (this.#original.budgetUsd ?? 0);
    if (kind === 'max_turns')
      this.#current.maxTurns = (this.#current.maxTurns ?? 0) + (this.#original.maxTurns ?? 0);
    if (kind === 'max_duration_s')
      this.#current.maxDurationS = (this.#current.maxDurationS ?? 0) + (this.#original.maxDurationS ?? 0);
  }

  elapsedMs(): number {
    return this.#clock.now().getTime() - this.#startedAt;
  }
}

function dollars(value: number): string {
  return value >= 1 ? value.toFixed(2) : String(Number(value.toPrecision(2)));
}
