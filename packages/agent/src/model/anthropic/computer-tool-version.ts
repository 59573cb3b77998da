/**
 * Versions of Anthropic's native computer tool Figaro can declare. The two `computer_2025…` tools are
 * beta tools (one `computer` tool with an `action` field, declared with a beta header);
 * `computer_toolset_20260801` is GA: each action is its own `tool_use` name with
 * `toolset_name: "computer"`, which the engine maps back to the neutral `computer` call.
 */
export const AnthropicComputerTool = {
  v20250124: 'computer_20250124',
  v20251124: 'computer_20251124',
  toolset20260801: 'computer_toolset_20260801',
} as const;
export type AnthropicComputerTool = (typeof AnthropicComputerTool)[keyof typeof AnthropicComputerTool];

/** The default: the newest single-tool beta version (adds `zoom`). */
export const DEFAULT_ANTHROPIC_COMPUTER_TOOL: AnthropicComputerTool = AnthropicComputerTool.v20251124;

/** The `anthropic-beta` value a computer tool version needs, or undefined for the GA toolset. */
export function computerBetaHeader(version: AnthropicComputerTool): string | undefined {
  switch (version) {
    case 'computer_20250124':
      return 'computer-use-2025-01-24';
    case 'computer_20251124':
      return 'computer-use-2025-11-24';
    case 'computer_toolset_20260801':
      return undefined;
  }
}

/** The toolset name the GA computer toolset's tool_use blocks carry. */
export const COMPUTER_TOOLSET_NAME = 'computer';
