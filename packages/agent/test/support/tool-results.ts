import type { ModelTurn } from '../../src/index.js';

/** The tool results of a request's last user message. */
export function lastToolResults(turn: ModelTurn | undefined) {
  return (turn?.messages.at(-1)?.content ?? []).flatMap((p) => (p.type === 'tool_result' ? [p] : []));
}

/** The text blocks of a content list, one per line. */
export function textOf(content: Array<{ type: string; text?: string }>): string {
  return content.flatMap((c) => (c.type === 'text' && c.text ? [c.text] : [])).join('\n');
}

/** Every `{type:'image'}` block in a JSON value. */
export function imagesOf(value: unknown): Array<{ source: Record<string, unknown> }> {
  if (Array.isArray(value)) return value.flatMap(imagesOf);
  if (typeof value !== 'object' || value === null) return [];
  const own =
    'type' in value && value.type === 'image' && 'source' in value
      ? [value as { source: Record<string, unknown> }]
      : [];
  return [...own, ...Object.values(value).flatMap(imagesOf)];
}
