import { parseWith, TaskId } from '@figaro/protocol';
import { z } from 'zod';

/** Position after a task in the newest-first listing: its `created_at` and `id`. */
export interface TaskCursor {
  created_at: string;
  id: string;
}

const CursorSchema = z.tuple([z.iso.datetime(), TaskId]);

/** Opaque cursor text for a keyset position (base64url of a JSON pair). */
export function encodeTaskCursor(cursor: TaskCursor): string {
  return Buffer.from(JSON.stringify([cursor.created_at, cursor.id])).toString('base64url');
}

/** Reads a cursor made by `encodeTaskCursor`; anything else is an `InvalidRequestError`. */
export function decodeTaskCursor(text: string): TaskCursor {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const [created_at, id] = parseWith(CursorSchema, value, 'task list cursor');
  return { created_at, id };
}
