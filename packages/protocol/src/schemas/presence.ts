import { z } from 'zod';
import { AgentId, TaskId } from '../ids.js';
import { AgentKind, AgentStatus, Metadata } from './common.js';

/** `figaro.register.worker` request. */
export const RegisterWorker = z.object({
  worker_id: AgentId,
  desktop_id: AgentId.optional(),
  capabilities: z.array(z.string()).default([]),
  status: AgentStatus.default('idle'),
  metadata: Metadata.default({}),
  current_task_id: TaskId.nullable().default(null),
  max_concurrent: z.number().int().positive().default(1),
});
export type RegisterWorker = z.infer<typeof RegisterWorker>;

/** `figaro.register.supervisor` request. */
export const RegisterSupervisor = z.object({
  worker_id: AgentId,
  capabilities: z.array(z.string()).default([]),
  status: AgentStatus.default('idle'),
  metadata: Metadata.default({}),
  current_task_ids: z.array(TaskId).default([]),
  max_concurrent: z.number().int().positive().default(4),
});
export type RegisterSupervisor = z.infer<typeof RegisterSupervisor>;

/** `figaro.heartbeat.{type}.{id}`. */
export const Heartbeat = z.object({
  client_id: AgentId,
  client_type: AgentKind,
  status: AgentStatus,
  current_task_id: TaskId.nullable().optional(),
  current_task_ids: z.array(TaskId).optional(),
});
export type Heartbeat = z.infer<typeof Heartbeat>;

/** `figaro.deregister.{type}.{id}`. */
export const Deregister = z.object({ client_id: AgentId });
export type Deregister = z.infer<typeof Deregister>;
