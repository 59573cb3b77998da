import { z } from 'zod';
import { AgentId, TaskId } from '../ids.js';
import { boundedJson } from './bounded-json.js';
import { TaskOptionsFields, Timestamp } from './common.js';
import { NotifyTarget } from './misc-api.js';

/**
 * Fields of a scheduled task that a create or update may carry. In an update an absent key leaves
 * the stored value and `null` clears a nullable field (**fix** over the original design).
 */
const ScheduleFields = {
  name: z.string().trim().min(1).max(200),
  prompt: z.string().trim().min(1),
  start_url: z.url().nullable(),
  cron: z.string().min(1).nullable(),
  timezone: z.string().min(1).default('UTC'),
  interval_seconds: z.number().int().positive().nullable(),
  run_at: Timestamp.nullable(),
  enabled: z.boolean().default(true),
  options: boundedJson(TaskOptionsFields.partial()).default({}),
  parallel_workers: z.number().int().positive().max(100).default(1),
  max_runs: z.number().int().positive().nullable(),
  missed_run_policy: z.enum(['skip', 'run_once']).default('skip'),
  worker_id: AgentId.nullable(),
  notify_on_complete: z.boolean().default(false),
  notify_targets: z.array(NotifyTarget).default([]),
  self_learning: z.boolean().default(false),
  self_healing: z.boolean().default(true),
  self_learning_max_runs: z.number().int().positive().nullable(),
};

export const ScheduleCreateRequest = z
  .object({
    ...ScheduleFields,
    start_url: ScheduleFields.start_url.optional(),
    cron: ScheduleFields.cron.optional(),
    interval_seconds: ScheduleFields.interval_seconds.optional(),
    run_at: ScheduleFields.run_at.optional(),
    max_runs: ScheduleFields.max_runs.optional(),
    worker_id: ScheduleFields.worker_id.optional(),
    self_learning_max_runs: ScheduleFields.self_learning_max_runs.optional(),
  })
  .refine((s) => [s.cron, s.interval_seconds, s.run_at].filter((v) => v != null).length === 1, {
    message: 'exactly one of cron, interval_seconds and run_at is required',
  });

export const ScheduleUpdateRequest = z.object({
  schedule_id: z.string().min(1),
  name: ScheduleFields.name.optional(),
  prompt: ScheduleFields.prompt.optional(),
  start_url: ScheduleFields.start_url.optional(),
  cron: ScheduleFields.cron.optional(),
  timezone: z.string().min(1).optional(),
  interval_seconds: ScheduleFields.interval_seconds.optional(),
  run_at: ScheduleFields.run_at.optional(),
  enabled: z.boolean().optional(),
  options: boundedJson(TaskOptionsFields.partial()).optional(),
  parallel_workers: z.number().int().positive().max(100).optional(),
  max_runs: ScheduleFields.max_runs.optional(),
  missed_run_policy: z.enum(['skip', 'run_once']).optional(),
  worker_id: ScheduleFields.worker_id.optional(),
  notify_on_complete: z.boolean().optional(),
  notify_targets: z.array(NotifyTarget).optional(),
  self_learning: z.boolean().optional(),
  self_healing: z.boolean().optional(),
  self_learning_max_runs: ScheduleFields.self_learning_max_runs.optional(),
});

export const ScheduledTask = z.object({
  schedule_id: z.string(),
  name: z.string(),
  prompt: z.string(),
  start_url: z.string().nullable(),
  cron: z.string().nullable(),
  timezone: z.string(),
  interval_seconds: z.number().int().nullable(),
  run_at: Timestamp.nullable(),
  enabled: z.boolean(),
  options: boundedJson(z.record(z.string(), z.unknown())),
  parallel_workers: z.number().int(),
  max_runs: z.number().int().nullable(),
  run_count: z.number().int().nonnegative(),
  missed_run_policy: z.enum(['skip', 'run_once']),
  worker_id: AgentId.nullable(),
  notify_on_complete: z.boolean(),
  notify_targets: z.array(NotifyTarget),
  self_learning: z.boolean(),
  self_healing: z.boolean(),
  self_learning_max_runs: z.number().int().nullable(),
  next_run_at: Timestamp.nullable(),
  last_run_at: Timestamp.nullable(),
  last_task_id: TaskId.nullable(),
  created_at: Timestamp,
  version: z.number().int().nonnegative(),
});
export type ScheduledTask = z.infer<typeof ScheduledTask>;

export const ScheduleIdRequest = z.object({ schedule_id: z.string().min(1) });
export const ScheduleToggleRequest = z.object({
  schedule_id: z.string().min(1),
  enabled: z.boolean().optional(),
});
export const ScheduleListRequest = z.object({ enabled: z.boolean().optional() });
export const ScheduleListReply = z.object({ scheduled_tasks: z.array(ScheduledTask) });
export const ScheduleTriggerReply = z.object({ schedule_id: z.string(), task_ids: z.array(TaskId) });
export const PromptVersion = z.object({
  version: z.number().int().positive(),
  prompt: z.string(),
  reason: z.string().nullable(),
  created_at: Timestamp,
});
export const ScheduleVersionsReply = z.object({ versions: z.array(PromptVersion) });
export const ScheduleRollbackRequest = z.object({
  schedule_id: z.string().min(1),
  version: z.number().int().positive(),
});
export const ScheduleDeleteReply = z.object({ status: z.literal('ok') });
