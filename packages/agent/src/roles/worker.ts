import type { Desktop } from '@figaro/desktop';
import { silentLogger, systemClock } from '@figaro/protocol';
import type { ModelMessage } from '../model/model-client.js';
import type { TaskExecutor } from '../runtime/agent-runtime.js';
import type { CommandRunner } from '../tools/command-runner.js';
import { ComputerTool, type ComputerToolOptions } from '../tools/computer/computer-tool.js';
import { shellTool } from '../tools/shell-tool.js';
import { ToolRegistry } from '../tools/tool-registry.js';
import { abortable } from '../util/sleep.js';
import { askHumanOverBusTool, humanAsker } from './human.js';
import { taskText, workerSystemPrompt } from './prompts.js';
import { DEFAULT_ASK_HUMAN_TIMEOUT_S, type RoleOptions, runRole } from './run-role.js';
import { getTaskTool, searchTasksTool } from './task-tools.js';

/** Options of `createWorkerExecutor`. */
export interface WorkerExecutorOptions extends RoleOptions {
  /** The desktop this worker drives. The executor does not close it. */
  desktop: Desktop;
  /** This worker's agent id (`worker_id` of help requests). */
  workerId: string;
  /**
   * Where the `shell` tool runs commands (SSH to the desktop, or local when
   * `FIGARO_ALLOW_LOCAL_SHELL=true`); absent: no shell tool.
   */
  shell?: CommandRunner;
  /** Quiet time before the screenshot after an action, in ms. Default 300. */
  settleMs?: number;
  /** Screenshot size, format and zoom of the computer tool. */
  computer?: Omit<ComputerToolOptions, 'desktop' | 'settleMs' | 'clock'>;
}

/**
 * The worker role: a TaskExecutor for `AgentRuntime` that drives one desktop. Tools: `computer`,
 * `ask_human` (a help request), `shell` when a runner is given, and read-only `get_task` and
 * `search_tasks`. The conversation opens with the task prompt (start URL and success criterion as
 * context) and a screenshot; see `runRole` for events, budgets, input and failures.
 */
export function createWorkerExecutor(options: WorkerExecutorOptions): TaskExecutor {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const system = options.system ?? workerSystemPrompt({ shell: options.shell !== undefined });
  return async (ctx) => {
    const { assignment, signal } = ctx;
    const computer = new ComputerTool({
      ...options.computer,
      desktop: options.desktop,
      settleMs: options.settleMs ?? 300,
      clock,
    });
    const ask = humanAsker({
      bus: options.bus,
      taskId: assignment.task_id,
      attempt: assignment.attempt,
      agentId: options.workerId,
      ...(assignment.supervisor_id ? { supervisorId: assignment.supervisor_id } : {}),
      timeoutSeconds: options.askHumanTimeoutS ?? DEFAULT_ASK_HUMAN_TIMEOUT_S,
    });
    const tools = new ToolRegistry([computer, askHumanOverBusTool(ask)]);
    if (options.shell) tools.register(shellTool(options.shell));
    tools.register(getTaskTool(options.bus)).register(searchTasksTool(options.bus));

    const screen = await abortable(
      computer.run({ action: 'screenshot' }, { signal, toolUseId: 'initial-screenshot', progress: () => {} }),
      signal,
    );
    const opening: ModelMessage = {
      role: 'user',
      content: [{ type: 'text', text: taskText(assignment.prompt, assignment.options) }, ...screen],
    };
    return runRole(ctx, {
      options: { ...options, clock, logger: logger.child({ worker_id: options.workerId }) },
      system,
      tools,
      messages: [opening],
      ask,
    });
  };
}
