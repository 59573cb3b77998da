import { z } from 'zod';
import { AgentId, TaskId } from '../ids.js';
import { BlobRef, ContentBlock, Metadata, Task, TaskOptions, TaskStatus, Timestamp } from './common.js';

/** `figaro.api.tasks.create`. Idempotent on `options.task_id`. */
export const CreateTaskRequest = z.object({
  prompt: z.string().trim().min(1, 'prompt must not be empty').max(100_000),
  options: TaskOptions.default({ target: 'auto' }),
  attachments: z.array(BlobRef).optional(),
  source: z.string().min(1).max(64).optional(),
  source_metadata: Metadata.optional(),
});
export type CreateTaskRequest = z.infer<typeof CreateTaskRequest>;

/** `figaro.api.tasks`: a page of tasks, newest first. */
export const ListTasksRequest = z.object({
  status: TaskStatus.optional(),
  worker_id: AgentId.optional(),
  limit: z.number().int().positive().max(500).default(50),
  cursor: z.string().optional(),
});
export const ListTasksReply = z.object({ tasks: z.array(Task), next_cursor: z.string().nullable() });

/** One stored task event as the API returns it. */
export const StoredTaskEvent = z.object({
  attempt: z.number().int().nonnegative(),
  seq: z.number().int().nonnegative(),
  type: z.string(),
  // A reply of what was stored: its bounds were checked when the event came in.
  payload: z.record(z.string(), z.unknown()),
  created_at: Timestamp,
});
export type StoredTaskEvent = z.infer<typeof StoredTaskEvent>;

export const GetTaskRequest = z.object({ task_id: TaskId, include_messages: z.boolean().default(true) });
export const TaskWithMessages = Task.extend({ messages: z.array(StoredTaskEvent).optional() });

export const SearchTasksRequest = z.object({
  q: z.string().min(1),
  status: TaskStatus.optional(),
  limit: z.number().int().positive().max(200).default(20),
  offset: z.number().int().nonnegative().default(0),
  include_messages: z.boolean().default(false),
});
export const SearchTasksReply = z.object({ tasks: z.array(TaskWithMessages) });

export const StopTaskRequest = z.object({ task_id: TaskId });
export const StopTaskReply = z.object({ success: z.literal(true), task_id: TaskId });

/** `figaro.api.delegate`: a supervisor hands a sub-task to a worker. Idempotent on `idempotency_key`. */
export const DelegateRequest = z.object({
  prompt: z.string().trim().min(1),
  supervisor_id: AgentId,
  parent_task_id: TaskId,
  idempotency_key: z.string().min(1).max(200),
  worker_id: AgentId.optional(),
  options: TaskOptions.optional(),
});
export const DelegateReply = z.object({
  task_id: TaskId,
  worker_id: AgentId.nullable(),
  queued: z.boolean(),
  message: z.string(),
});

/** Task summaries sent to dashboards (no full content). */
export const TaskEventSummary = z.object({
  task_id: TaskId,
  attempt: z.number().int().nonnegative(),
  seq: z.number().int().nonnegative(),
  type: z.string(),
  preview: z.string(),
  blobs: z.array(BlobRef),
});

export { ContentBlock };
