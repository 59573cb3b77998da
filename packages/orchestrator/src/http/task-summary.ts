import { BlobRef, type ContentBlock, TaskEventSchemas, type TaskEventSummary } from '@figaro/protocol';
import type { z } from 'zod';

/** Longest text preview a summary carries, in characters. */
const PREVIEW_CHARS = 200;

type Summary = z.infer<typeof TaskEventSummary>;
type EventKind = keyof typeof TaskEventSchemas;

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= PREVIEW_CHARS ? flat : `${flat.slice(0, PREVIEW_CHARS - 1)}…`;
}

function describeContent(content: readonly ContentBlock[]): { preview: string; blobs: BlobRef[] } {
  const texts: string[] = [];
  const tools: string[] = [];
  const blobs: BlobRef[] = [];
  for (const block of content) {
    if (block.type === 'text' && 'text' in block && typeof block.text === 'string') texts.push(block.text);
    else if (block.type === 'tool_use' && 'name' in block && typeof block.name === 'string')
      tools.push(block.name);
    else if (block.type === 'image' && 'source' in block) {
      const ref = BlobRef.safeParse(block.source);
      if (ref.success) blobs.push(ref.data);
    }
  }
  const preview = texts.length > 0 ? texts.join(' ') : tools.map((name) => `[${name}]`).join(' ');
  return { preview: clip(preview), blobs };
}

/**
 * The dashboard summary of one `figaro.task.{id}.{kind}` event: kind, attempt, seq (0 for events
 * without one), a text preview of at most 200 characters and the blob references of its images.
 * `null` when the kind is not an event or the payload fails its schema.
 */
export function summarizeTaskEvent(kind: string, payload: unknown): Summary | null {
  if (!Object.hasOwn(TaskEventSchemas, kind)) return null;
  const parsed = TaskEventSchemas[kind as EventKind].safeParse(payload);
  if (!parsed.success) return null;
  const event = parsed.data;
  const base = { task_id: event.task_id, attempt: event.attempt, type: kind, blobs: [] as BlobRef[] };
  if ('__type__' in event) return { ...base, seq: event.seq, ...describeContent(event.content) };
  if ('result' in event) return { ...base, seq: event.seq, preview: clip(event.result.result ?? '') };
  if ('error' in event) return { ...base, seq: event.seq, preview: clip(event.error) };
  if ('state' in event) return { ...base, seq: 0, preview: event.state };
  return { ...base, seq: 0, preview: clip(event.prompt) };
}
