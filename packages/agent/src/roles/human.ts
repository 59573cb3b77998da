import { createHash } from 'node:crypto';
import type { Bus } from '@figaro/bus';
import { z } from 'zod';
import { CancelledError } from '../errors.js';
import type { HumanQuestion } from '../human.js';
import { askHuman } from '../runtime/help-client.js';
import { defineTool, type Tool } from '../tools/tool.js';

/** Input of the `ask_human` tool. */
export const AskHumanInput = z.object({
  question: z.string().min(1).describe('One clear question for the person who gave you the task'),
  options: z.array(z.string().min(1)).max(6).optional().describe('Suggested answers'),
});
export type AskHumanInput = z.infer<typeof AskHumanInput>;

/** Where a role's questions go: a help request on behalf of one task attempt. */
export interface HumanChannel {
  bus: Bus;
  taskId: string;
  attempt: number;
  /** The asking agent (`worker_id` of the help request). */
  agentId: string;
  supervisorId?: string;
  /** How long the orchestrator waits for an answer, in seconds. */
  timeoutSeconds: number;
}

/**
 * Asks one question and resolves with the answer text, or null when nobody answered in time or the
 * request was dismissed. `key` names the question within the attempt (a tool_use id, `budget-2`…):
 * the help request id is derived from task, attempt and key, so a retried ask is the same request.
 */
export type AskHumanByKey = (
  key: string,
  question: HumanQuestion,
  signal: AbortSignal,
) => Promise<string | null>;

/** A help request id (a subject token) for one question of one task attempt. */
export function helpRequestId(taskId: string, attempt: number, key: string): string {
  return `h${createHash('sha256').update(`${taskId}:${attempt}:${key}`).digest('hex').slice(0, 40)}`;
}

/** Asks over the bus (PROTOCOL.md "Help requests"); rejects with CancelledError when `signal` aborts. */
export function humanAsker(channel: HumanChannel): AskHumanByKey {
  return async (key, question, signal) => {
    const outcome = await askHuman(
      channel.bus,
      {
        requestId: helpRequestId(channel.taskId, channel.attempt, key),
        workerId: channel.agentId,
        ...(channel.supervisorId ? { supervisorId: channel.supervisorId } : {}),
        taskId: channel.taskId,
        questions: [
          {
            question: question.question,
            header: question.header ?? '',
            options: (question.options ?? []).map((label) => ({ label })),
          },
        ],
        timeoutSeconds: channel.timeoutSeconds,
      },
      signal,
    );
    if (outcome.answered)
      return outcome.answers[question.question] ?? Object.values(outcome.answers)[0] ?? '';
    if (outcome.reason === 'cancelled' || signal.aborted) throw new CancelledError();
    return null;
  };
}

/**
 * The `ask_human` tool of the roles: a help request whose id comes from the task, the attempt and the
 * tool_use id. The result is the answer text, or `no answer (timeout)`. Reports `waiting_human` while
 * it waits, so a supervisor's inactivity timer is suspended meanwhile.
 */
export function askHumanOverBusTool(ask: AskHumanByKey): Tool<AskHumanInput> {
  return defineTool({
    name: 'ask_human',
    description:
      'Ask the human a question when the task is unclear or you need a decision, a credential or a confirmation. Blocks until they answer or the request times out.',
    input: AskHumanInput,
    async run(input, ctx) {
      ctx.progress('waiting_human');
      try {
        const answer = await ask(
          ctx.toolUseId,
          { question: input.question, ...(input.options ? { options: input.options } : {}) },
          ctx.signal,
        );
        return [{ type: 'text', text: answer === null ? 'no answer (timeout)' : answer }];
      } finally {
        ctx.progress('acting');
      }
    },
  });
}
