export {
  type AnthropicRequestBody,
  AnthropicScript,
  type AnthropicStep,
  type FakeAnthropic,
  type FakeAnthropicOptions,
  type RecordedAnthropicRequest,
  startFakeAnthropic,
} from './anthropic.js';
export {
  type AnthropicAnswer,
  type AnthropicApiError,
  type AnthropicReply,
  type AnthropicUsage,
  type ScriptedToolUse,
  textReply,
  toolUse,
} from './anthropic-wire.js';
export {
  type ChatMessage,
  type ChatRequestLike,
  type ContentBlock,
  countImages,
  lastUserText,
  type ToolResult,
  toolResults,
} from './messages.js';
export {
  type FakeOpenAI,
  type FakeOpenAIOptions,
  type OpenAIRequestBody,
  OpenAIScript,
  type OpenAIStep,
  type RecordedEmbedding,
  type RecordedOpenAIRequest,
  type RecordedTranscription,
  startFakeOpenAI,
  type TranscriptStep,
} from './openai.js';
export { pseudoEmbedding } from './openai-media.js';
export {
  type OpenAIAnswer,
  type OpenAIApiError,
  type OpenAIReply,
  type OpenAIUsage,
  type ScriptedToolCall,
  toolCall,
} from './openai-wire.js';
export { type RecordedRequestBase, Script, type WaitOptions } from './script.js';
