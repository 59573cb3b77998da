import type {
  BetaToolComputerUse20250124,
  BetaToolComputerUse20251124,
  BetaToolUnion,
} from '@anthropic-ai/sdk/resources/beta/messages/messages';
import type {
  ContentBlockParam,
  MessageParam,
  TextBlockParam,
  ToolResultBlockParam,
  ToolUnion,
} from '@anthropic-ai/sdk/resources/messages/messages';
import type {
  ComputerToolSpec,
  FunctionToolSpec,
  MessagePart,
  ModelTurn,
  ToolSpec,
} from '../model-client.js';
import { type AnthropicComputerTool, COMPUTER_TOOLSET_NAME } from './computer-tool-version.js';

const ephemeral = { type: 'ephemeral' } as const;

/** How the request is built: which computer tool, and whether prompt caching breakpoints are set. */
export interface AnthropicRequestOptions {
  computerTool: AnthropicComputerTool;
  promptCaching: boolean;
}

/** The system prompt as one text block, with a cache breakpoint (tools and system are cached together). */
export function systemBlocks(system: string, options: AnthropicRequestOptions): TextBlockParam[] {
  if (system === '') return [];
  return [{ type: 'text', text: system, ...(options.promptCaching ? { cache_control: ephemeral } : {}) }];
}

/**
 * The conversation in Messages API form. With the GA toolset, neutral `computer` calls
 * (`{action, ...params}`) become per-action tool_use names with `toolset_name: "computer"`, and their
 * results carry the toolset name too.
 */
export function anthropicMessages(turn: ModelTurn, options: AnthropicRequestOptions): MessageParam[] {
  const computer = turn.tools.find((t): t is ComputerToolSpec => t.kind === 'computer');
  const toolset = options.computerTool === 'computer_toolset_20260801' && computer !== undefined;
  const computerCalls = new Set<string>();
  const breakpoints = new Set(options.promptCaching ? (turn.cacheBreakpoints ?? []) : []);
  return turn.messages.map((message, index) => {
    const content = message.content.map((part) => {
      const block = toBlock(part, toolset ? computer?.name : undefined, computerCalls);
      return block;
    });
    const last = content.at(-1);
    if (last !== undefined && breakpoints.has(index)) content[content.length - 1] = withCache(last);
    return { role: message.role, content };
  });
}

function toBlock(
  part: MessagePart,
  toolsetTool: string | undefined,
  computerCalls: Set<string>,
): ContentBlockParam {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'image':
      return { type: 'image', source: part.source };
    case 'tool_use': {
      if (toolsetTool === undefined || part.name !== toolsetTool) {
        return { type: 'tool_use', id: part.id, name: part.name, input: part.input };
      }
      computerCalls.add(part.id);
      const { action, ...params } = isRecord(part.input) ? part.input : {};
      return {
        type: 'tool_use',
        id: part.id,
        name: typeof action === 'string' ? action : 'screenshot',
        input: params,
        toolset_name: COMPUTER_TOOLSET_NAME,
      };
    }
    case 'tool_result': {
      const block: ToolResultBlockParam = {
        type: 'tool_result',
        tool_use_id: part.tool_use_id,
        content: part.content.map((c) =>
          c.type === 'text' ? { type: 'text', text: c.text } : { type: 'image', source: c.source },
        ),
        ...(part.is_error ? { is_error: true } : {}),
        ...(computerCalls.has(part.tool_use_id) ? { toolset_name: COMPUTER_TOOLSET_NAME } : {}),
      };
      return block;
    }
  }
}

function withCache(block: ContentBlockParam): ContentBlockParam {
  switch (block.type) {
    case 'text':
    case 'image':
    case 'tool_use':
    case 'tool_result':
      return { ...block, cache_control: ephemeral };
    default:
      return block;
  }
}

/** Tools for the GA API (`messages.stream`): function tools plus the computer toolset. */
export function gaTools(tools: readonly ToolSpec[]): ToolUnion[] {
  return tools.map((tool) =>
    tool.kind === 'computer'
      ? {
          type: 'computer_toolset_20260801',
          ...(tool.enableZoom ? {} : { configs: { zoom: { enabled: false } } }),
        }
      : functionTool(tool),
  );
}

/** Tools for the beta API (`beta.messages.stream`): function tools plus one `computer_2025…` tool. */
export function betaTools(tools: readonly ToolSpec[], version: AnthropicComputerTool): BetaToolUnion[] {
  return tools.map((tool) =>
    tool.kind === 'computer' ? betaComputerTool(tool, version) : functionTool(tool),
  );
}

function betaComputerTool(
  tool: ComputerToolSpec,
  version: AnthropicComputerTool,
): BetaToolComputerUse20250124 | BetaToolComputerUse20251124 {
  const base = {
    name: 'computer',
    display_width_px: tool.displayWidth,
    display_height_px: tool.displayHeight,
  } as const;
  return version === 'computer_20250124'
    ? { ...base, type: 'computer_20250124' }
    : { ...base, type: 'computer_20251124', enable_zoom: tool.enableZoom };
}

function functionTool(tool: FunctionToolSpec) {
  return {
    name: tool.name,
    description: tool.description,
    input_schema: { ...tool.inputSchema, type: 'object' as const },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
