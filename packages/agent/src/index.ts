export {
  agentDirs,
  type ClaudeCodeAuth,
  type ClaudeCodeDirs,
  claudeCodeEnv,
  makeClaudeCodeStateDir,
} from './engines/claude-code/claude-code-env.js';
export {
  CLAUDE_CODE_BUILTIN_TOOLS,
  type ClaudeCodeWorkerExecutorOptions,
  claudeCodeWorkerPrompt,
  createClaudeCodeWorkerExecutor,
} from './engines/claude-code/claude-code-worker.js';
export {
  FIGARO_MCP_SERVER,
  figaroMcpServer,
  figaroToolName,
  type McpTool,
  type McpToolHooks,
  mcpTool,
  mcpToolName,
} from './engines/claude-code/mcp-server.js';
export { AgentConfigError, AgentError, CancelledError, ModelError } from './errors.js';
export { type AskHuman, type HumanQuestion, isYes } from './human.js';
export { type AgentLimits, BudgetGuard, type BudgetReached, type BudgetUsage } from './loop/budget.js';
export {
  ContextEconomy,
  type ContextEconomyOptions,
  countImages,
  OMITTED_IMAGE_NOTE,
  type PreparedContext,
} from './loop/context-economy.js';
export { type AgentInput, InputQueue } from './loop/input-queue.js';
export {
  canonicalJson,
  isObservationCall,
  type LoopDetectionOptions,
  LoopDetector,
  type LoopVerdict,
} from './loop/loop-detector.js';
export { runAgentLoop } from './loop/run-agent-loop.js';
export {
  type AgentLoopEvent,
  type AgentLoopOptions,
  type AgentLoopResult,
  type AgentLoopStatus,
  toTaskResult,
} from './loop/types.js';
export {
  AnthropicModelClient,
  type AnthropicModelClientOptions,
} from './model/anthropic/anthropic-model-client.js';
export {
  AnthropicComputerTool,
  computerBetaHeader,
  DEFAULT_ANTHROPIC_COMPUTER_TOOL,
} from './model/anthropic/computer-tool-version.js';
export { createModelClient, ModelEngine, type ModelEngineConfig } from './model/create-model-client.js';
export {
  type ComputerToolSpec,
  type FunctionToolSpec,
  type ImagePart,
  type ImageSource,
  type MessagePart,
  type ModelClient,
  type ModelEvent,
  type ModelMessage,
  type ModelTurn,
  StopReason,
  type TextPart,
  type ToolResultContent,
  type ToolResultPart,
  type ToolSpec,
  type ToolUsePart,
} from './model/model-client.js';
export { OpenAIModelClient, type OpenAIModelClientOptions } from './model/openai/openai-model-client.js';
export {
  costOf,
  DEFAULT_MODEL_PRICE,
  FAMILY_PRICES,
  MODEL_PRICES,
  type ModelPrice,
  priceOf,
} from './model/pricing.js';
export * from './roles/index.js';
export * from './runtime/index.js';
export {
  type CommandOptions,
  type CommandResult,
  type CommandRunner,
  LocalCommandRunner,
  type LocalCommandRunnerOptions,
  OrchestratorSshRunner,
} from './tools/command-runner.js';
export { ComputerAction, ComputerInput, OBSERVATION_ACTIONS } from './tools/computer/computer-input.js';
export {
  COMPUTER_TOOL_NAME,
  ComputerTool,
  type ComputerToolOptions,
} from './tools/computer/computer-tool.js';
export { ShellInput, shellTool } from './tools/shell-tool.js';
export {
  defineTool,
  jsonSchemaOf,
  type Tool,
  type ToolContext,
  ToolError,
  textResult,
} from './tools/tool.js';
export { ToolRegistry } from './tools/tool-registry.js';
