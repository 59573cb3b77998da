import { z } from 'zod';
import { ErrorReply } from '../errors.js';
import { MAX_PAYLOAD_BYTES } from '../limits.js';
import { boundedJson } from './bounded-json.js';

/** Topics a dashboard socket may subscribe to. */
export const WsTopic = z.string().regex(/^(fleet|tasks|schedules|task:[0-9a-f-]{36})$/, 'unknown topic');

/** Frames a client sends on `/api/ws`. */
export const WsClientFrame = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('req'),
    id: z.string().min(1).max(100),
    subject: z.string().min(1),
    data: boundedJson(z.unknown(), { maxChars: MAX_PAYLOAD_BYTES }),
  }),
  z.object({ type: z.literal('sub'), topic: WsTopic }),
  z.object({ type: z.literal('unsub'), topic: WsTopic }),
]);
export type WsClientFrame = z.infer<typeof WsClientFrame>;

/** Frames the server sends on `/api/ws`. */
export const WsServerFrame = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('res'),
    id: z.string(),
    data: z.unknown().optional(),
    error: ErrorReply.optional(),
  }),
  z.object({
    type: z.literal('evt'),
    topic: z.string(),
    version: z.number().int().nonnegative(),
    data: z.unknown(),
  }),
]);
export type WsServerFrame = z.infer<typeof WsServerFrame>;

/** `GET /api/health`. */
export const HealthReply = z.object({
  status: z.enum(['ok', 'degraded']),
  bus: z.enum(['memory', 'nats']),
  store: z.enum(['pglite', 'postgres']),
  version: z.string().optional(),
});
export type HealthReply = z.infer<typeof HealthReply>;
