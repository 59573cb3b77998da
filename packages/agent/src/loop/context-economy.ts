import type { MessagePart, ModelMessage, ToolResultContent } from '../model/model-client.js';

/** How many screenshots stay in the context (ARCHITECTURE.md, "Agent loop rules"). */
export interface ContextEconomyOptions {
  /** Images always kept. Default 3. */
  keep?: number;
  /** Images dropped together, so the cached prefix changes only once every `batch` turns. Default 5. */
  batch?: number;
  /** Text that replaces a dropped image. */
  note?: string;
}

/** The note that replaces an old screenshot. */
export const OMITTED_IMAGE_NOTE = '[older screenshot omitted to save context]';

/** A request's messages after compaction, with the prompt-cache breakpoints to set. */
export interface PreparedContext {
  messages: ModelMessage[];
  /** Message indexes: the last message unchanged since the previous request, and the newest one. */
  cacheBreakpoints: number[];
}

/**
 * Keeps at most `keep + batch` images in the context: once there are more, the oldest are replaced by a
 * short note in one step (a multiple of `batch`), never one per turn. It also places prompt-cache
 * breakpoints: on the last message the previous request also had unchanged (a cache read), and on the
 * newest message (the write the next request reads).
 */
export class ContextEconomy {
  readonly #keep: number;
  readonly #batch: number;
  readonly #note: string;
  #previousLength = 0;

  constructor(options: ContextEconomyOptions = {}) {
    this.#keep = options.keep ?? 3;
    this.#batch = Math.max(1, options.batch ?? 5);
    this.#note = options.note ?? OMITTED_IMAGE_NOTE;
  }

  /** Compacts `history` (returned as new message objects where changed) and places breakpoints. */
  prepare(history: readonly ModelMessage[]): PreparedContext {
    const total = countImages(history);
    const limit = this.#keep + this.#batch;
    let drop = 0;
    if (total > limit) drop = Math.ceil((total - limit) / this.#batch) * this.#batch;
    let firstChanged = history.length;
    const messages = history.map((message, index) => {
      if (drop === 0) return message;
      const before = drop;
      const content = message.content.map((part) => {
        if (drop > 0 && part.type === 'image') {
          drop--;
          return { type: 'text' as const, text: this.#note };
        }
        if (drop > 0 && part.type === 'tool_result' && part.content.some((c) => c.type === 'image')) {
          return {
            ...part,
            content: part.content.map((c) => this.#dropImage(c, () => drop > 0 && drop-- > 0)),
          };
        }
        return part;
      });
      if (drop === before) return message;
      firstChanged = Math.min(firstChanged, index);
      return { ...message, content };
    });
    const lastUnchanged = Math.min(this.#previousLength, firstChanged) - 1;
    this.#previousLength = messages.length;
    const cacheBreakpoints = [...new Set([lastUnchanged, messages.length - 1])].filter((i) => i >= 0);
    return { messages, cacheBreakpoints };
  }

  #dropImage(part: ToolResultContent, take: () => boolean): ToolResultContent {
    return part.type === 'image' && take() ? { type: 'text', text: this.#note } : part;
  }
}

/** Number of image blocks in messages, including those inside tool results. */
export function countImages(messages: readonly ModelMessage[]): number {
  let count = 0;
  for (const message of messages) for (const part of message.content) count += imagesIn(part);
  return count;
}

function imagesIn(part: MessagePart): number {
  if (part.type === 'image') return 1;
  if (part.type === 'tool_result') return part.content.filter((c) => c.type === 'image').length;
  return 0;
}
