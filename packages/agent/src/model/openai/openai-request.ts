import type {
  ChatCompletionContentPart,
  ChatCompletionContentPartImage,
  ChatCompletionFunctionTool,
  ChatCompletionMessageParam,
  ChatCompletionMessageToolCall,
} from 'openai/resources/chat/completions';
import type { ImageSource, ModelMessage, ModelTurn, ToolResultContent, ToolSpec } from '../model-client.js';

/**
 * The conversation as chat-completions messages. Tool results become `tool` messages (text only, as
 * the API allows); their images follow in one user message that names the call they belong to.
 */
export function openaiMessages(turn: ModelTurn): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [];
  if (turn.system !== '') out.push({ role: 'system', content: turn.system });
  for (const message of turn.messages) {
    if (message.role === 'assistant') out.push(assistantMessage(message));
    else out.push(...userMessages(message));
  }
  return out;
}

function assistantMessage(message: ModelMessage): ChatCompletionMessageParam {
  const text = message.content.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('');
  const toolCalls: ChatCompletionMessageToolCall[] = message.content.flatMap((p) =>
    p.type === 'tool_use'
      ? [{ id: p.id, type: 'function', function: { name: p.name, arguments: JSON.stringify(p.input ?? {}) } }]
      : [],
  );
  return {
    role: 'assistant',
    content: text === '' ? null : text,
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
  };
}

function userMessages(message: ModelMessage): ChatCompletionMessageParam[] {
  const tools: ChatCompletionMessageParam[] = [];
  const parts: ChatCompletionContentPart[] = [];
  for (const part of message.content) {
    switch (part.type) {
      case 'text':
        parts.push({ type: 'text', text: part.text });
        break;
      case 'image':
        parts.push(imagePart(part.source));
        break;
      case 'tool_result': {
        const text = resultText(part.content, part.is_error === true);
        tools.push({ role: 'tool', tool_call_id: part.tool_use_id, content: text });
        const images = part.content.filter((c) => c.type === 'image');
        if (images.length > 0) {
          parts.push({ type: 'text', text: `Image result of tool call ${part.tool_use_id}:` });
          for (const image of images) parts.push(imagePart(image.source));
        }
        break;
      }
      case 'tool_use':
        break;
    }
  }
  return parts.length > 0 ? [...tools, { role: 'user', content: parts }] : tools;
}

function resultText(content: readonly ToolResultContent[], isError: boolean): string {
  const text = content.flatMap((c) => (c.type === 'text' ? [c.text] : [])).join('\n');
  const images = content.filter((c) => c.type === 'image').length;
  const body =
    text !== ''
      ? text
      : images > 0
        ? `(${images === 1 ? '1 image follows' : `${images} images follow`})`
        : '(no output)';
  return isError ? `Error: ${body}` : body;
}

function imagePart(source: ImageSource): ChatCompletionContentPartImage {
  const url = source.type === 'url' ? source.url : `data:${source.media_type};base64,${source.data}`;
  return { type: 'image_url', image_url: { url } };
}

/**
 * Function tools; the computer tool becomes a function tool with an `action` enum and the display size
 * stated in its description (coordinates refer to the screenshots the model receives).
 */
export function openaiTools(tools: readonly ToolSpec[]): ChatCompletionFunctionTool[] {
  return tools.map((tool) => ({
    type: 'function',
    function: {
      name: tool.name,
      description:
        tool.kind === 'computer'
          ? `${tool.description} The screen is ${tool.displayWidth}x${tool.displayHeight} pixels; coordinates are [x, y] from the top left.`
          : tool.description,
      parameters: tool.inputSchema,
    },
  }));
}
