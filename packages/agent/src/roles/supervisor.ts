import { silentLogger, systemClock } from '@figaro/protocol';
import type { TaskExecutor } from '../runtime/agent-runtime.js';
import { ToolRegistry } from '../tools/tool-registry.js';
import { DEFAULT_DELEGATION_INACTIVITY_TIMEOUT_MS, delegateToWorkerTool } from './delegation.js';
import { desktopTools } from './desktop-tools.js';
import { askHumanOverBusTool, humanAsker } from './human.js';
import { supervisorSystemPrompt, taskText } from './prompts.js';
import { DEFAULT_ASK_HUMAN_TIMEOUT_S, type RoleOptions, runRole } from './run-role.js';
import { getTaskTool, listTasksTool, listWorkersTool, searchTasksTool } from './task-tools.js';

/** Options of `createSupervisorExecutor`. */
export interface SupervisorExecutorOptions extends RoleOptions {
  /** This supervisor's agent id (`supervisor_id` of delegations and help requests). */
  supervisorId: string;
  /**
   * A delegation with no event of the child for this long (not counting time the child waits for a
   * person or is paused) stops the child and fails the tool call, in ms. Default 600,000.
   */
  delegationInactivityTimeoutMs?: number;
  /** Bounding box of desktop screenshots shown to the model. Default 1280×800. */
  screenshotMaxWidth?: number;
  screenshotMaxHeight?: number;
}

/**
 * The supervisor role: a TaskExecutor for `AgentRuntime` (several sessions at once) that plans, asks
 * the human, and delegates desktop work. Tools: `delegate_to_worker`, `list_workers`, `get_task`,
 * `list_tasks`, `search_tasks`, desktop tools through the orchestrator (`take_screenshot`, `click`,
 * `type_text`, `press_key`, `unlock_screen`, `ssh_run_command`, `telnet_run_command`) and `ask_human`.
 * See `runRole` for events, budgets, input and failures.
 */
export function createSupervisorExecutor(options: SupervisorExecutorOptions): TaskExecutor {
  const clock = options.clock ?? systemClock;
  const logger = (options.logger ?? silentLogger).child({ supervisor_id: options.supervisorId });
  const system = options.system ?? supervisorSystemPrompt();
  return async (ctx) => {
    const { assignment } = ctx;
    const { bus } = options;
    const ask = humanAsker({
      bus,
      taskId: assignment.task_id,
      attempt: assignment.attempt,
      agentId: options.supervisorId,
      supervisorId: options.supervisorId,
      timeoutSeconds: options.askHumanTimeoutS ?? DEFAULT_ASK_HUMAN_TIMEOUT_S,
    });
    const tools = new ToolRegistry([
      delegateToWorkerTool({
        bus,
        supervisorId: options.supervisorId,
        parentTaskId: assignment.task_id,
        inactivityTimeoutMs:
          options.delegationInactivityTimeoutMs ?? DEFAULT_DELEGATION_INACTIVITY_TIMEOUT_MS,
        clock,
        logger: logger.child({ task_id: assignment.task_id }),
      }),
      listWorkersTool(bus),
      getTaskTool(bus),
      listTasksTool(bus),
      searchTasksTool(bus),
      ...desktopTools({
        bus,
        ...(options.screenshotMaxWidth ? { maxWidth: options.screenshotMaxWidth } : {}),
        ...(options.screenshotMaxHeight ? { maxHeight: options.screenshotMaxHeight } : {}),
      }),
      askHumanOverBusTool(ask),
    ]);
    return runRole(ctx, {
      options: { ...options, clock, logger },
      system,
      tools,
      messages: [
        { role: 'user', content: [{ type: 'text', text: taskText(assignment.prompt, assignment.options) }] },
      ],
      ask,
    });
  };
}
