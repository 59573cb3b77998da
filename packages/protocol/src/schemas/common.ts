import { z } from 'zod';
import { AgentId, TaskId } from '../ids.js';
import { MAX_PAYLOAD_BYTES } from '../limits.js';
import { boundedJson } from './bounded-json.js';

/** ISO-8601 timestamp string as the store and the wire carry it. */
export const Timestamp = z.iso.datetime({ offset: true });

export const TaskStatus = z.enum(['pending', 'assigned', 'running', 'completed', 'failed', 'cancelled']);
export type TaskStatus = z.infer<typeof TaskStatus>;
/** Statuses a task never leaves. */
export const FINISHED_STATUSES: readonly TaskStatus[] = ['completed', 'failed', 'cancelled'];

export const TaskTarget = z.enum(['auto', 'supervisor', 'worker']);
export type TaskTarget = z.infer<typeof TaskTarget>;

export const AgentKind = z.enum(['worker', 'supervisor']);
export type AgentKind = z.infer<typeof AgentKind>;

export const AgentStatus = z.enum(['idle', 'busy', 'offline']);
export type AgentStatus = z.infer<typeof AgentStatus>;

/** A reference to binary data stored as a blob (screenshots, attachments). */
export const BlobRef = z.object({
  type: z.literal('blob'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  media_type: z.string().min(1),
});
export type BlobRef = z.infer<typeof BlobRef>;

/** Inline base64 image data (only where it fits under the payload limit). */
export const Base64Source = z.object({ type: z.literal('base64'), media_type: z.string(), data: z.string() });

export const TextBlock = z.looseObject({ type: z.literal('text'), text: z.string() });
export const ImageBlock = z.looseObject({
  type: z.literal('image'),
  source: z.union([BlobRef, Base64Source]),
});
export const ToolUseBlock = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string(),
  name: z.string(),
  input: z.unknown(),
});
export const ToolResultBlock = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string(),
  content: z.unknown().optional(),
  is_error: z.boolean().optional(),
});
export const ThinkingBlock = z.looseObject({ type: z.literal('thinking'), thinking: z.string() });
/** Message content blocks; unknown block types pass through so newer agents do not break older stores. */
export const ContentBlock = z.union([
  TextBlock,
  ImageBlock,
  ToolUseBlock,
  ToolResultBlock,
  ThinkingBlock,
  z.looseObject({ type: z.string() }),
]);
export type ContentBlock = z.infer<typeof ContentBlock>;

/** Token usage as reported by the model API. */
export const Usage = z.looseObject({
  input_tokens: z.number().int().nonnegative().optional(),
  output_tokens: z.number().int().nonnegative().optional(),
  cache_creation_input_tokens: z.number().int().nonnegative().optional(),
  cache_read_input_tokens: z.number().int().nonnegative().optional(),
});
export type Usage = z.infer<typeof Usage>;

/**
 * A task's options without their JSON bounds, for deriving schemas (`.partial()`); wrap what you
 * derive in `boundedJson`. `success` is a criterion the agent must satisfy (free text for now).
 */
export const TaskOptionsFields = z.looseObject({
  target: TaskTarget.default('auto'),
  worker_id: AgentId.optional(),
  task_id: TaskId.optional(),
  start_url: z.url().optional(),
  self_healing: z.boolean().optional(),
  max_turns: z.number().int().positive().optional(),
  max_duration_s: z.number().positive().optional(),
  budget_usd: z.number().positive().optional(),
  model: z.string().min(1).optional(),
  success: z.string().optional(),
});
/** A task's options; unknown keys pass through, bounded in depth and size like all free-form JSON. */
export const TaskOptions = boundedJson(TaskOptionsFields);
export type TaskOptions = z.infer<typeof TaskOptions>;

/** The result an agent reports on `.complete`. */
export const TaskResult = boundedJson(
  z.looseObject({
    result: z.string().nullable().optional(),
    total_cost_usd: z.number().nonnegative().optional(),
    usage: Usage.optional(),
    num_turns: z.number().int().nonnegative().optional(),
    duration_ms: z.number().nonnegative().optional(),
  }),
  { maxChars: MAX_PAYLOAD_BYTES },
);
export type TaskResult = z.infer<typeof TaskResult>;

export const TaskSource = z.string().min(1).max(64);

/** A task as the API returns it (no messages unless asked). */
export const Task = z.object({
  task_id: TaskId,
  prompt: z.string(),
  options: TaskOptions,
  status: TaskStatus,
  attempt: z.number().int().nonnegative(),
  result: TaskResult.nullable(),
  error: z.string().nullable(),
  worker_id: AgentId.nullable(),
  supervisor_id: AgentId.nullable(),
  source: TaskSource,
  source_metadata: boundedJson(z.record(z.string(), z.unknown())).nullable(),
  scheduled_task_id: z.string().nullable(),
  parent_task_id: TaskId.nullable(),
  original_task_id: TaskId.nullable(),
  retry_number: z.number().int().nonnegative(),
  waiting_on: z.string().nullable(),
  activity_at: Timestamp.nullable(),
  created_at: Timestamp,
  assigned_at: Timestamp.nullable(),
  started_at: Timestamp.nullable(),
  completed_at: Timestamp.nullable(),
  message_count: z.number().int().nonnegative(),
  cost_usd: z.number().nonnegative(),
  version: z.number().int().nonnegative(),
});
export type Task = z.infer<typeof Task>;

export const StatusOk = z.object({ status: z.literal('ok') });
export type StatusOk = z.infer<typeof StatusOk>;

export const SuccessReply = z.object({ success: z.literal(true) });

/** Free-form metadata object (`{os, hostname, ...}`), bounded in depth and size. */
export const Metadata = boundedJson(z.record(z.string(), z.unknown()));
export type Metadata = z.infer<typeof Metadata>;

/** `{}`: requests that take no fields. */
export const Empty = z.object({});
