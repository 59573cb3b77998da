import { CancelledError } from '../errors.js';
import type { ImagePart, TextPart } from '../model/model-client.js';

/** Input for a running task (from `figaro.task.{id}.input`, converted by the runtime). */
export type AgentInput =
  | { kind: 'user_message'; content: Array<TextPart | ImagePart> }
  | { kind: 'pause'; note?: string }
  | { kind: 'resume'; note?: string };

/**
 * Follow-up messages and pause/resume for a running loop. The loop reads it between turns: queued
 * messages join the next request; while paused, the loop waits before its next model call.
 */
export class InputQueue {
  #messages: Array<Array<TextPart | ImagePart>> = [];
  #paused = false;
  #wake: (() => void) | undefined;

  push(input: AgentInput): void {
    if (input.kind === 'user_message') this.#messages.push(input.content);
    else this.#paused = input.kind === 'pause';
    this.#wake?.();
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Whether messages are waiting. */
  get pending(): boolean {
    return this.#messages.length > 0;
  }

  /**
   * Waits while paused (calling `onPause` once when it starts waiting), then takes the queued messages.
   * Rejects with CancelledError when `signal` aborts.
   */
  async take(signal: AbortSignal, onPause: () => void): Promise<Array<Array<TextPart | ImagePart>>> {
    if (this.#paused) onPause();
    while (this.#paused) {
      if (signal.aborted) throw new CancelledError();
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener('abort', done);
          this.#wake = undefined;
          resolve();
        };
        this.#wake = done;
        signal.addEventListener('abort', done, { once: true });
      });
    }
    if (signal.aborted) throw new CancelledError();
    const taken = this.#messages;
    this.#messages = [];
    return taken;
  }
}
