import { createHash } from 'node:crypto';
import { OBSERVATION_ACTIONS } from '../tools/computer/computer-input.js';

/** Thresholds of loop detection (ARCHITECTURE.md, "Agent loop rules"). */
export interface LoopDetectionOptions {
  /** Default true. */
  enabled?: boolean;
  /** Same call key this many times within the window: warn. Default 10. */
  repeatWarn?: number;
  /** … and block. Default 20. */
  repeatBlock?: number;
  /** Number of recent (non-observation) calls looked at. Default 30. */
  window?: number;
  /** Trailing A/B/A/B alternation of this many calls: warn. Default 6. */
  pingPongWarn?: number;
  /** … and block. Default 12. */
  pingPongBlock?: number;
  /** Calls that only observe and never count; default: the computer tool's screenshot/wait/zoom/cursor_position. */
  isObservation?: (name: string, input: unknown) => boolean;
}

/** What to do with one call. */
export type LoopVerdict =
  | { action: 'run' }
  | { action: 'warn'; message: string }
  | { action: 'block'; message: string };

/** The default observation test: computer tool actions that only look. */
export function isObservationCall(name: string, input: unknown): boolean {
  if (name !== 'computer' || typeof input !== 'object' || input === null) return false;
  const action = 'action' in input ? input.action : undefined;
  return typeof action === 'string' && OBSERVATION_ACTIONS.has(action);
}

/**
 * Detects a model stuck in a loop. A call's key is its tool name, its input in canonical JSON and a
 * hash of the screen the model saw before it, so repeating an action on a screen that changed (paging)
 * is not a loop. Blocked calls still count, so a model that insists stays blocked until it changes.
 */
export class LoopDetector {
  readonly #enabled: boolean;
  readonly #repeatWarn: number;
  readonly #repeatBlock: number;
  readonly #window: number;
  readonly #pingPongWarn: number;
  readonly #pingPongBlock: number;
  readonly #isObservation: (name: string, input: unknown) => boolean;
  readonly #keys: string[] = [];

  constructor(options: LoopDetectionOptions = {}) {
    this.#enabled = options.enabled ?? true;
    this.#repeatWarn = options.repeatWarn ?? 10;
    this.#repeatBlock = options.repeatBlock ?? 20;
    this.#window = options.window ?? 30;
    this.#pingPongWarn = options.pingPongWarn ?? 6;
    this.#pingPongBlock = options.pingPongBlock ?? 12;
    this.#isObservation = options.isObservation ?? isObservationCall;
  }

  /** Records a call about to run and says whether to run it, warn, or block it. */
  check(name: string, input: unknown, screenHash: string | undefined): LoopVerdict {
    if (!this.#enabled || this.#isObservation(name, input)) return { action: 'run' };
    this.#keys.push(`${name}\u0000${canonicalJson(input)}\u0000${screenHash ?? ''}`);
    if (this.#keys.length > this.#window) this.#keys.shift();
    const key = this.#keys.at(-1);
    const repeats = this.#keys.filter((k) => k === key).length;
    const pingPong = this.#alternation();
    if (repeats >= this.#repeatBlock)
      return {
        action: 'block',
        message: `Blocked: you made this exact ${name} call ${repeats} times in your last ${this.#keys.length} actions without the screen changing. It was not executed. Stop repeating it and change your approach (look at the screen, try another element, another tool, or ask the human).`,
      };
    if (pingPong >= this.#pingPongBlock)
      return {
        action: 'block',
        message: `Blocked: your last ${pingPong} actions alternate between the same two calls without progress. It was not executed. Change your approach.`,
      };
    if (repeats >= this.#repeatWarn)
      return {
        action: 'warn',
        message: `Warning: you have made this exact ${name} call ${repeats} times on an unchanged screen. If it is not working, try a different approach; at ${this.#repeatBlock} it will be blocked.`,
      };
    if (pingPong >= this.#pingPongWarn)
      return {
        action: 'warn',
        message: `Warning: your last ${pingPong} actions alternate between the same two calls. If this is not making progress, try a different approach.`,
      };
    return { action: 'run' };
  }

  /** Length of the trailing A/B/A/B… run (A ≠ B); 0 when the last two calls are equal. */
  #alternation(): number {
    const keys = this.#keys;
    const n = keys.length;
    if (n < 2 || keys[n - 1] === keys[n - 2]) return 0;
    let length = 2;
    while (length < n && keys[n - 1 - length] === keys[n - 1 - length + 2]) length++;
    return length;
  }
}

/** JSON with object keys sorted, so equal inputs give equal keys whatever the model's key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

/** A short hash of image data, used as the screen part of call keys. */
export function screenHash(data: string): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 16);
}
