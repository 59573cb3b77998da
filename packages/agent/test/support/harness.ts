import type { Usage } from '@figaro/protocol';
import {
  type AgentLoopEvent,
  type AgentLoopOptions,
  type AgentLoopResult,
  ComputerTool,
  type ModelTurn,
  runAgentLoop,
  type Tool,
  ToolRegistry,
} from '../../src/index.js';
import { FakeDesktop, ScriptedModel, type ScriptedTurn } from '../../src/testing.js';
import { textOf } from './tool-results.js';

export { lastToolResults } from './tool-results.js';

/** A loop run on a ScriptedModel and a FakeDesktop, with every event recorded. */
export interface Harness {
  model: ScriptedModel;
  desktop: FakeDesktop;
  events: AgentLoopEvent[];
  result: Promise<AgentLoopResult>;
  abort: AbortController;
}

export function startLoop(
  script: ScriptedTurn[],
  options: Partial<AgentLoopOptions> & { desktop?: FakeDesktop; extraTools?: Tool<unknown>[] } = {},
): Harness {
  const model = new ScriptedModel(script);
  const desktop = options.desktop ?? new FakeDesktop();
  const tools = new ToolRegistry([new ComputerTool({ desktop, settleMs: 0 })]);
  for (const tool of options.extraTools ?? []) tools.register(tool);
  const events: AgentLoopEvent[] = [];
  const abort = new AbortController();
  const { desktop: _d, extraTools: _t, onEvent, ...rest } = options;
  const result = runAgentLoop({
    model,
    modelName: 'claude-sonnet-4-6',
    system: 'You operate a Linux desktop.',
    tools,
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Do the task.' }] }],
    signal: abort.signal,
    onEvent: async (event) => {
      events.push(event);
      await onEvent?.(event);
    },
    ...rest,
  });
  return { model, desktop, events, result, abort };
}

/** Images in a request, including those inside tool results. */
export function imagesIn(turn: ModelTurn): number {
  let n = 0;
  for (const m of turn.messages)
    for (const p of m.content) {
      if (p.type === 'image') n++;
      if (p.type === 'tool_result') n += p.content.filter((c) => c.type === 'image').length;
    }
  return n;
}

/** Text of a tool result. */
export function resultText(result: { content: Array<{ type: string; text?: string }> }): string {
  return textOf(result.content);
}

export const sonnetStep: Usage = { input_tokens: 1000, output_tokens: 100 };
