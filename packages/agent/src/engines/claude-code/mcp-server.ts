import {
  createSdkMcpServer,
  type McpSdkServerConfigWithInstance,
  tool as sdkTool,
} from '@anthropic-ai/claude-agent-sdk';
import type { ProgressState } from '@figaro/protocol';
import { z } from 'zod';
import { AgentConfigError, CancelledError } from '../../errors.js';
import type { ToolResultContent } from '../../model/model-client.js';
import { type Tool, type ToolContext, ToolError } from '../../tools/tool.js';

/** Name of Figaro's in-process MCP server; Claude Code calls its tools `mcp__figaro__<tool>`. */
export const FIGARO_MCP_SERVER = 'figaro';

/** The name Claude Code gives a tool of Figaro's MCP server, e.g. `mcp__figaro__computer`. */
export function mcpToolName(tool: string): string {
  return `mcp__${FIGARO_MCP_SERVER}__${tool}`;
}

/** The Figaro tool name of an MCP tool name (`mcp__figaro__computer` → `computer`); others unchanged. */
export function figaroToolName(name: string): string {
  const prefix = mcpToolName('');
  return name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

/** A Figaro tool as the MCP server offers it: its input object's shape, and a call that parses first. */
export interface McpTool {
  readonly name: string;
  readonly description: string;
  readonly shape: z.ZodRawShape;
  /** Parses `args` with the tool's schema (throws ToolError when invalid), then runs the tool. */
  call(args: unknown, ctx: ToolContext): Promise<ToolResultContent[]>;
}

/** Wraps a tool whose input schema is a zod object (MCP tools take an object of named arguments). */
export function mcpTool<I>(tool: Tool<I>): McpTool {
  const schema: z.ZodType<I> = tool.input;
  if (!(schema instanceof z.ZodObject))
    throw new AgentConfigError(`tool ${tool.name}: an MCP tool needs a zod object input`);
  return {
    name: tool.name,
    description: tool.description,
    shape: schema.shape,
    async call(args, ctx) {
      const parsed = tool.input.safeParse(args);
      if (!parsed.success) throw new ToolError(`invalid input: ${parsed.error.message}`);
      return tool.run(parsed.data, ctx);
    },
  };
}

/** What the MCP tools need from the task they run for. */
export interface McpToolHooks {
  /** Aborted when the task is stopped: a running tool stops at once. */
  signal: AbortSignal;
  /** Publishes a progress state (`acting` while a tool runs, `waiting_human` while ask_human waits). */
  progress(state: ProgressState): void;
}

/** The content of an MCP tool result (text and base64 images). */
type McpContent = { type: 'text'; text: string } | { type: 'image'; data: string; mimeType: string };

/** A tool result as the MCP SDK expects it (`CallToolResult`). */
interface McpResult {
  [key: string]: unknown;
  content: McpContent[];
  isError?: boolean;
}

/**
 * Figaro tools as an in-process MCP server (`createSdkMcpServer`). Each call is parsed with the tool's
 * own zod schema (a parse failure is an error result), runs with the task's abort signal and the
 * tool_use id Claude Code passes in `_meta`, and returns text and images (screenshots reach the model
 * as image blocks). Tool failures are error results for the model; cancellation is too, and the query
 * is being aborted meanwhile.
 */
export function figaroMcpServer(
  tools: readonly McpTool[],
  hooks: McpToolHooks,
): McpSdkServerConfigWithInstance {
  let calls = 0;
  const definitions = tools.map((tool) =>
    sdkTool(tool.name, tool.description, tool.shape, async (args, extra): Promise<McpResult> => {
      const toolUseId = toolUseIdOf(extra) ?? `${tool.name}-${++calls}`;
      hooks.progress('acting');
      try {
        const content = await tool.call(args, {
          signal: hooks.signal,
          toolUseId,
          progress: (state) => hooks.progress(state),
        });
        return { content: content.map(toMcpContent) };
      } catch (err) {
        if (err instanceof CancelledError || hooks.signal.aborted) return errorResult('cancelled');
        return errorResult(err instanceof Error ? err.message : String(err));
      } finally {
        if (!hooks.signal.aborted) hooks.progress('thinking');
      }
    }),
  );
  return createSdkMcpServer({ name: FIGARO_MCP_SERVER, version: '0.1.0', tools: definitions });
}

/** Claude Code passes the model's tool_use id as `_meta["claudecode/toolUseId"]`. */
function toolUseIdOf(extra: unknown): string | undefined {
  if (typeof extra !== 'object' || extra === null || !('_meta' in extra)) return undefined;
  const meta = extra._meta;
  if (typeof meta !== 'object' || meta === null || !('claudecode/toolUseId' in meta)) return undefined;
  const id = meta['claudecode/toolUseId'];
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

function toMcpContent(part: ToolResultContent): McpContent {
  if (part.type === 'text') return { type: 'text', text: part.text };
  if (part.source.type === 'base64')
    return { type: 'image', data: part.source.data, mimeType: part.source.media_type };
  return { type: 'text', text: `[image at ${part.source.url}]` };
}

function errorResult(text: string): McpResult {
  return { content: [{ type: 'text', text }], isError: true };
}
