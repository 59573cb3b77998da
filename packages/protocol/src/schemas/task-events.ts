import { z } from 'zod';
import { AgentId, TaskId } from '../ids.js';
import { MAX_PAYLOAD_BYTES } from '../limits.js';
import { boundedJson } from './bounded-json.js';
import { BlobRef, ContentBlock, TaskResult, Timestamp, Usage } from './common.js';

const Seq = z.number().int().positive();
const Attempt = z.number().int().nonnegative();

/** `figaro.task.{id}.assigned` (orchestrator, attempt 0 sequence). */
export const TaskAssignedEvent = z
  .object({
    task_id: TaskId,
    attempt: Attempt,
    prompt: z.string(),
    worker_id: AgentId.optional(),
    supervisor_id: AgentId.optional(),
  })
  .refine((e) => e.worker_id !== undefined || e.supervisor_id !== undefined, {
    message: 'worker_id or supervisor_id is required',
  });
export type TaskAssignedEvent = z.infer<typeof TaskAssignedEvent>;

export const MessageType = z.enum(['AssistantMessage', 'UserMessage', 'ResultMessage', 'SystemMessage']);

/** `figaro.task.{id}.message`: one model turn or tool result. */
export const TaskMessageEvent = z.object({
  task_id: TaskId,
  attempt: Attempt,
  seq: Seq,
  worker_id: AgentId,
  supervisor_id: AgentId.optional(),
  __type__: MessageType,
  content: boundedJson(z.array(ContentBlock), { maxChars: MAX_PAYLOAD_BYTES }),
  model: z.string().optional(),
  usage: Usage.optional(),
  message_id: z.string().optional(),
  cost_usd: z.number().nonnegative().optional(),
});
export type TaskMessageEvent = z.infer<typeof TaskMessageEvent>;

export const ProgressState = z.enum(['thinking', 'acting', 'waiting_human', 'paused', 'budget']);
export type ProgressState = z.infer<typeof ProgressState>;

/** `figaro.task.{id}.progress`: stored on the task, not as a message. */
export const TaskProgressEvent = z.object({
  task_id: TaskId,
  attempt: Attempt,
  state: ProgressState,
  since: Timestamp,
});
export type TaskProgressEvent = z.infer<typeof TaskProgressEvent>;

/** `figaro.task.{id}.complete`. */
export const TaskCompleteEvent = z.object({
  task_id: TaskId,
  attempt: Attempt,
  seq: Seq,
  worker_id: AgentId,
  supervisor_id: AgentId.optional(),
  result: TaskResult,
});
export type TaskCompleteEvent = z.infer<typeof TaskCompleteEvent>;

/** `figaro.task.{id}.error`. */
export const TaskErrorEvent = z.object({
  task_id: TaskId,
  attempt: Attempt,
  seq: Seq,
  worker_id: AgentId.optional(),
  supervisor_id: AgentId.optional(),
  error: z.string(),
  cancelled: z.literal(true).optional(),
});
export type TaskErrorEvent = z.infer<typeof TaskErrorEvent>;

/** `figaro.task.{id}.input` request: follow-ups, pause and resume for a running task. */
export const TaskInput = z.object({
  kind: z.enum(['user_message', 'pause', 'resume']),
  text: z.string().optional(),
  attachments: z.array(BlobRef).optional(),
  note: z.string().optional(),
});
export type TaskInput = z.infer<typeof TaskInput>;

/** The kinds of event published under `figaro.task.{id}.*`. */
export const TaskEventKind = z.enum(['assigned', 'message', 'progress', 'complete', 'error']);
export type TaskEventKind = z.infer<typeof TaskEventKind>;
