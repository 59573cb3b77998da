import { z } from 'zod';
import type { AskHuman } from '../human.js';
import { defineTool, type Tool, textResult } from './tool.js';

/** Input of the `ask_human` tool. */
export const AskHumanInput = z.object({
  question: z.string().min(1).describe('One clear question for the person who gave you the task'),
  options: z.array(z.string().min(1)).max(6).optional().describe('Suggested answers'),
});
export type AskHumanInput = z.infer<typeof AskHumanInput>;

/**
 * The `ask_human` tool: asks through the injected hook (a help request in the worker runtime) and
 * returns the answer, or says that nobody answered in time.
 */
export function askHumanTool(askHuman: AskHuman): Tool<AskHumanInput> {
  return defineTool({
    name: 'ask_human',
    description:
      'Ask the human a question when the task is unclear or you need a decision, a credential or confirmation. Blocks until they answer or the request times out.',
    input: AskHumanInput,
    async run(input, ctx) {
      ctx.progress('waiting_human');
      try {
        const answer = await askHuman(
          { question: input.question, ...(input.options ? { options: input.options } : {}) },
          ctx.signal,
        );
        return textResult(
          answer === null ? 'No answer: the question timed out or was dismissed.' : `Answer: ${answer}`,
        );
      } finally {
        ctx.progress('acting');
      }
    },
  });
}
