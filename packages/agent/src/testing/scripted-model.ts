import type { Usage } from '@figaro/protocol';
import type { ModelClient, ModelEvent, ModelTurn, StopReason } from '../model/model-client.js';

/** One scripted turn: its events, or a function of the request that returns them. */
export type ScriptedTurn =
  | ModelEvent[]
  | ((turn: ModelTurn) => ModelEvent[])
  | {
      events: ModelEvent[] | ((turn: ModelTurn) => ModelEvent[]);
      /** After the events, never finish (and ignore the signal): tests that cancellation does not need the model's help. */
      hang?: boolean;
      /** Wait this long before each event, in ms. */
      delayMs?: number;
    };

/**
 * A ModelClient that plays a script, one entry per turn, and records every request (deep-copied).
 * A request past the end of the script throws, so a loop that runs too long fails its test;
 * `remaining` tells a test whether every step was consumed.
 */
export class ScriptedModel implements ModelClient {
  readonly requests: ModelTurn[] = [];
  readonly #script: ScriptedTurn[];

  constructor(script: ScriptedTurn[]) {
    this.#script = [...script];
  }

  /** Steps not yet played. */
  get remaining(): number {
    return this.#script.length;
  }

  async *run(turn: ModelTurn, signal: AbortSignal): AsyncIterable<ModelEvent> {
    this.requests.push(structuredClone({ ...turn, messages: [...turn.messages], tools: [...turn.tools] }));
    const step = this.#script.shift();
    if (step === undefined) throw new Error(`ScriptedModel: unexpected request #${this.requests.length}`);
    const spec = Array.isArray(step) || typeof step === 'function' ? { events: step } : step;
    const events = typeof spec.events === 'function' ? spec.events(turn) : spec.events;
    for (const event of events) {
      if (spec.delayMs) await new Promise((r) => setTimeout(r, spec.delayMs));
      if (signal.aborted && !spec.hang) throw new Error('aborted');
      yield event;
    }
    if (spec.hang) await new Promise(() => {});
  }
}

/** Events of one turn: optional text, tool calls, usage, then stop (tool_use when there are calls). */
export function modelTurn(
  parts: {
    text?: string;
    toolCalls?: Array<{ id?: string; name: string; input: unknown }>;
    usage?: Usage;
    stop?: StopReason;
  } = {},
): ModelEvent[] {
  const events: ModelEvent[] = [];
  if (parts.text) events.push({ type: 'text_delta', text: parts.text });
  for (const [i, call] of (parts.toolCalls ?? []).entries())
    events.push({
      type: 'tool_call',
      id: call.id ?? `toolu_${nextId++}_${i}`,
      name: call.name,
      input: call.input,
    });
  events.push({ type: 'usage', usage: parts.usage ?? { input_tokens: 100, output_tokens: 20 } });
  events.push({
    type: 'stop',
    reason: parts.stop ?? ((parts.toolCalls?.length ?? 0) > 0 ? 'tool_use' : 'end_turn'),
  });
  return events;
}

/** One computer action as a scripted turn. */
export function computerTurn(input: Record<string, unknown>, usage?: Usage): ModelEvent[] {
  return modelTurn({ toolCalls: [{ name: 'computer', input }], ...(usage ? { usage } : {}) });
}

let nextId = 1;
