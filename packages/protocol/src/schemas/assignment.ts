import { z } from 'zod';
import { TaskId } from '../ids.js';
import { Metadata, TaskOptions, TaskSource } from './common.js';

/** `figaro.worker.{id}.task` request: the orchestrator offers a task to a worker. */
export const WorkerAssignment = z.object({
  task_id: TaskId,
  attempt: z.number().int().positive(),
  prompt: z.string(),
  options: TaskOptions,
});
export type WorkerAssignment = z.infer<typeof WorkerAssignment>;

/** `figaro.supervisor.{id}.task` request. */
export const SupervisorAssignment = WorkerAssignment.extend({
  source: TaskSource,
  source_metadata: Metadata.nullable(),
});
export type SupervisorAssignment = z.infer<typeof SupervisorAssignment>;

/** Reply to an assignment: reserved, or busy. */
export const AssignmentReply = z.union([
  z.object({ status: z.literal('ok') }),
  z.object({ code: z.literal('busy'), error: z.string().optional() }),
]);
export type AssignmentReply = z.infer<typeof AssignmentReply>;

/** `figaro.{worker|supervisor}.{id}.stop`. */
export const StopTask = z.object({ task_id: TaskId, attempt: z.number().int().nonnegative() });
export type StopTask = z.infer<typeof StopTask>;
