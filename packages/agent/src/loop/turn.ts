import type { Usage } from '@figaro/protocol';
import type { MessagePart, ModelClient, ModelTurn, StopReason, ToolUsePart } from '../model/model-client.js';
import { abortable } from '../util/sleep.js';

/** One model turn, collected. */
export interface TurnOutcome {
  /** Text and tool_use parts in stream order (text deltas merged). */
  content: MessagePart[];
  toolCalls: ToolUsePart[];
  usage: Usage;
  stopReason: StopReason;
  messageId: string | undefined;
  model: string | undefined;
}

/**
 * Runs one model turn and collects its stream. Text deltas go to `onText` as they arrive. Cancellation
 * wins even over a stream that ignores its signal: every read is raced against `signal`.
 */
export async function executeTurn(
  model: ModelClient,
  turn: ModelTurn,
  signal: AbortSignal,
  onText: (text: string) => void,
): Promise<TurnOutcome> {
  const outcome: TurnOutcome = {
    content: [],
    toolCalls: [],
    usage: {},
    stopReason: 'other',
    messageId: undefined,
    model: undefined,
  };
  const iterator = model.run(turn, signal)[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await abortable(iterator.next(), signal);
      if (next.done) break;
      const event = next.value;
      switch (event.type) {
        case 'text_delta': {
          const last = outcome.content.at(-1);
          if (last?.type === 'text') last.text += event.text;
          else outcome.content.push({ type: 'text', text: event.text });
          onText(event.text);
          break;
        }
        case 'tool_call': {
          const call: ToolUsePart = { type: 'tool_use', id: event.id, name: event.name, input: event.input };
          outcome.content.push(call);
          outcome.toolCalls.push(call);
          break;
        }
        case 'usage':
          outcome.usage = { ...event.usage };
          break;
        case 'stop':
          outcome.stopReason = event.reason;
          outcome.messageId = event.messageId;
          outcome.model = event.model;
          break;
      }
    }
  } finally {
    if (signal.aborted) void iterator.return?.(undefined)?.catch(() => {});
  }
  return outcome;
}
