import { z } from 'zod';
import { AgentId, SubjectToken, TaskId } from '../ids.js';
import { boundedJson } from './bounded-json.js';
import { Timestamp } from './common.js';

export const HelpOption = z.object({ label: z.string().min(1), description: z.string().default('') });

export const HelpQuestion = z.object({
  question: z.string().min(1),
  header: z.string().default(''),
  options: z.array(HelpOption).default([]),
  multiSelect: z.boolean().default(false),
});
export type HelpQuestion = z.infer<typeof HelpQuestion>;

/** `figaro.help.request` request: an agent asks a human. Idempotent on `request_id`. */
export const HelpRequest = z.object({
  request_id: SubjectToken,
  worker_id: AgentId,
  supervisor_id: AgentId.optional(),
  task_id: TaskId,
  questions: z.array(HelpQuestion).min(1),
  timeout_seconds: z.number().int().positive().max(86_400),
});
export type HelpRequest = z.infer<typeof HelpRequest>;

/** Answers keyed by question text; `null` when nobody answered. */
export const HelpAnswers = boundedJson(z.record(z.string(), z.string()));

/** `figaro.help.{request_id}.response` (stream HELP; the orchestrator is the only publisher). */
export const HelpResponse = z.object({
  request_id: SubjectToken,
  task_id: TaskId,
  answers: HelpAnswers.nullable(),
  source: z.string(),
  error: z.enum(['timeout', 'dismissed']).optional(),
});
export type HelpResponse = z.infer<typeof HelpResponse>;

export const HelpRequestStatus = z.enum(['pending', 'answered', 'timeout', 'dismissed', 'cancelled']);

/** Where a channel asked the question, so the copy can be withdrawn once another channel answers. */
export const ChannelRef = z.looseObject({
  channel: z.string(),
  chat_id: z.string(),
  message_id: z.string().optional(),
});

/** A help request as the API returns it. */
export const HelpRequestRecord = z.object({
  request_id: SubjectToken,
  task_id: TaskId,
  agent_id: AgentId,
  questions: z.array(HelpQuestion),
  status: HelpRequestStatus,
  answers: HelpAnswers.nullable(),
  source: z.string().nullable(),
  channel_refs: z.array(ChannelRef),
  deadline: Timestamp,
  created_at: Timestamp,
  version: z.number().int().nonnegative(),
});
export type HelpRequestRecord = z.infer<typeof HelpRequestRecord>;
