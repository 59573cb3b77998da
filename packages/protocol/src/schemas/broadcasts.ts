import { z } from 'zod';
import { AgentId, TaskId } from '../ids.js';
import { Task } from './common.js';
import { SupervisorsList, WorkersList } from './desktops.js';
import { HelpRequestRecord } from './help.js';
import { ScheduledTask } from './schedules.js';

/** Names of `figaro.broadcast.{name}` messages, published after commit. */
export const BroadcastName = z.enum([
  'workers',
  'supervisors',
  'task_created',
  'task_updated',
  'task_queued',
  'task_cancelled',
  'task_healing',
  'help_request',
  'help_request_responded',
  'help_request_dismissed',
  'help_request_timeout',
  'scheduled_task_created',
  'scheduled_task_updated',
  'scheduled_task_deleted',
  'scheduled_task_executed',
  'scheduled_task_auto_paused',
]);
export type BroadcastName = z.infer<typeof BroadcastName>;

export const TaskBroadcast = z.object({ task: Task, version: z.number().int().nonnegative() });
export const TaskCancelledBroadcast = z.object({
  task_id: TaskId,
  worker_id: AgentId.optional(),
  supervisor_id: AgentId.optional(),
});
export const TaskHealingBroadcast = z.object({
  healer_task_id: TaskId,
  failed_task_id: TaskId,
  original_task_id: TaskId,
  retry_number: z.number().int().nonnegative(),
  max_retries: z.number().int().nonnegative(),
  error: z.string(),
});
export const HelpBroadcast = z.object({ help_request: HelpRequestRecord });
export const ScheduleBroadcast = z.object({ scheduled_task: ScheduledTask });
export const ScheduleDeletedBroadcast = z.object({ schedule_id: z.string() });
export const ScheduleExecutedBroadcast = z.object({ schedule_id: z.string(), task_ids: z.array(TaskId) });

/** The payload schema of each broadcast. */
export const BroadcastSchemas = {
  workers: WorkersList,
  supervisors: SupervisorsList,
  task_created: TaskBroadcast,
  task_updated: TaskBroadcast,
  task_queued: TaskBroadcast,
  task_cancelled: TaskCancelledBroadcast,
  task_healing: TaskHealingBroadcast,
  help_request: HelpBroadcast,
  help_request_responded: HelpBroadcast,
  help_request_dismissed: HelpBroadcast,
  help_request_timeout: HelpBroadcast,
  scheduled_task_created: ScheduleBroadcast,
  scheduled_task_updated: ScheduleBroadcast,
  scheduled_task_deleted: ScheduleDeletedBroadcast,
  scheduled_task_executed: ScheduleExecutedBroadcast,
  scheduled_task_auto_paused: ScheduleBroadcast,
} as const satisfies Record<BroadcastName, z.ZodType>;
