import { z } from 'zod';
import type { CommandRunner } from './command-runner.js';
import { defineTool, type Tool, textResult } from './tool.js';

/** Input of the `shell` tool. */
export const ShellInput = z.object({
  command: z.string().min(1).describe('A shell command line'),
  timeout_s: z
    .number()
    .positive()
    .max(600)
    .optional()
    .describe('Seconds before the command is killed (default 30)'),
});
export type ShellInput = z.infer<typeof ShellInput>;

/**
 * The `shell` tool over a CommandRunner (local, or SSH to the desktop). A non-zero exit status is an
 * observation for the model, not a tool error.
 */
export function shellTool(
  runner: CommandRunner,
  options: { defaultTimeoutS?: number } = {},
): Tool<ShellInput> {
  return defineTool({
    name: 'shell',
    description:
      'Run a shell command and get its exit status, stdout and stderr. Use it for files and programs; use the computer tool for anything on the screen.',
    input: ShellInput,
    async run(input, ctx) {
      const result = await runner.run(input.command, {
        timeoutMs: (input.timeout_s ?? options.defaultTimeoutS ?? 30) * 1000,
        signal: ctx.signal,
      });
      const status = result.exitCode === null ? 'killed (timeout)' : `exit status ${result.exitCode}`;
      return textResult(`${status}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
    },
  });
}
