/** A question for the person behind a task (a help request on the bus, in the worker runtime). */
export interface HumanQuestion {
  question: string;
  /** Short title, e.g. "Budget". */
  header?: string;
  /** Suggested answers; the person may still answer freely. */
  options?: string[];
}

/**
 * Asks the human and resolves with the answer, or null when nobody answered in time or the request was
 * dismissed. Rejects only when `signal` aborts or the request could not be made at all.
 */
export type AskHuman = (question: HumanQuestion, signal: AbortSignal) => Promise<string | null>;

/** Whether a free-text answer means yes ("yes", "y", "ok", "continue", "sure", "go on"). */
export function isYes(answer: string | null): boolean {
  return answer !== null && /^\s*(y|yes|ok|okay|continue|sure|go on|approve[d]?)\b/i.test(answer);
}
