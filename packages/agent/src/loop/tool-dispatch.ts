import type { ProgressState } from '@figaro/protocol';
import { z } from 'zod';
import { CancelledError } from '../errors.js';
import type { ToolResultContent, ToolResultPart, ToolUsePart } from '../model/model-client.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import { abortable } from '../util/sleep.js';
import { type LoopDetector, screenHash } from './loop-detector.js';

/** What dispatching needs besides the calls. */
export interface DispatchContext {
  tools: ToolRegistry;
  detector: LoopDetector;
  signal: AbortSignal;
  progress(state: ProgressState): void;
  /** Hash of the screen the model saw last (before the first call); updated from image results. */
  screen: string | undefined;
}

/**
 * Runs a turn's tool calls one after another (they share one desktop) and returns one tool_result per
 * call, in order. Unknown tools, invalid inputs, loop blocks and tool failures become `is_error`
 * results for the model; only cancellation throws.
 */
export async function dispatchToolCalls(
  calls: readonly ToolUsePart[],
  ctx: DispatchContext,
): Promise<ToolResultPart[]> {
  const results: ToolResultPart[] = [];
  for (const call of calls) {
    if (ctx.signal.aborted) throw new CancelledError();
    const result = await runOne(call, ctx);
    results.push(result);
    const image = result.content.findLast((c) => c.type === 'image');
    if (image?.source.type === 'base64') ctx.screen = screenHash(image.source.data);
  }
  return results;
}

async function runOne(call: ToolUsePart, ctx: DispatchContext): Promise<ToolResultPart> {
  const tool = ctx.tools.get(call.name);
  if (!tool)
    return errorResult(
      call,
      `Unknown tool "${call.name}". Available: ${ctx.tools
        .list()
        .map((t) => t.name)
        .join(', ')}.`,
    );
  const verdict = ctx.detector.check(call.name, call.input, ctx.screen);
  if (verdict.action === 'block') return errorResult(call, verdict.message);
  const parsed = tool.input.safeParse(call.input);
  if (!parsed.success)
    return errorResult(call, `Invalid input for ${call.name}: ${z.prettifyError(parsed.error)}`);
  let content: ToolResultContent[];
  try {
    content = await abortable(
      tool.run(parsed.data, { signal: ctx.signal, toolUseId: call.id, progress: ctx.progress }),
      ctx.signal,
    );
  } catch (err) {
    if (ctx.signal.aborted) throw new CancelledError('cancelled', { cause: err });
    return errorResult(call, err instanceof Error ? err.message : String(err));
  }
  if (verdict.action === 'warn') content = [...content, { type: 'text', text: verdict.message }];
  return { type: 'tool_result', tool_use_id: call.id, content };
}

function errorResult(call: ToolUsePart, message: string): ToolResultPart {
  return {
    type: 'tool_result',
    tool_use_id: call.id,
    content: [{ type: 'text', text: message }],
    is_error: true,
  };
}
