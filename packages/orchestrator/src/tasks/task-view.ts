import { parseWith, type StoredTaskEvent, type Task, Task as TaskSchema } from '@figaro/protocol';
import type { TaskEventRecord, TaskRecord } from '@figaro/store';

/** The API's view of a stored task (PROTOCOL.md "A task object"). */
export function toTask(record: TaskRecord): Task {
  return parseWith(
    TaskSchema,
    {
      task_id: record.id,
      prompt: record.prompt,
      options: record.options,
      status: record.status,
      attempt: record.attempt,
      result: record.result ?? null,
      error: record.error,
      worker_id: record.worker_id,
      supervisor_id: record.supervisor_id,
      source: record.source,
      source_metadata: record.source_metadata,
      scheduled_task_id: record.scheduled_task_id,
      parent_task_id: record.parent_task_id,
      original_task_id: record.original_task_id,
      retry_number: record.retry_number,
      waiting_on: record.waiting_on,
      activity_at: record.activity_at,
      created_at: record.created_at,
      assigned_at: record.assigned_at,
      started_at: record.started_at,
      completed_at: record.completed_at,
      message_count: record.message_count,
      cost_usd: record.cost_usd,
      version: record.version,
    },
    'stored task',
  );
}

/** The API's view of a stored task event. */
export function toStoredEvent(record: TaskEventRecord): StoredTaskEvent {
  return {
    attempt: record.attempt,
    seq: record.seq,
    type: record.type,
    payload: record.payload,
    created_at: record.created_at,
  };
}
