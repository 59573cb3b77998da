import {
  type Options,
  query,
  type SDKResultMessage,
  type SDKUserMessage,
} from '@anthropic-ai/claude-agent-sdk';
import type { ContentBlockParam } from '@anthropic-ai/sdk/resources/messages/messages';
import type { Bus } from '@figaro/bus';
import type { Desktop } from '@figaro/desktop';
import { type Clock, type Logger, silentLogger, systemClock, type Usage } from '@figaro/protocol';
import { AgentError, CancelledError } from '../../errors.js';
import type { AgentLimits } from '../../loop/budget.js';
import type { MessagePart } from '../../model/model-client.js';
import { costOf } from '../../model/pricing.js';
import type { UploadImage } from '../../roles/event-content.js';
import { askHumanOverBusTool, humanAsker } from '../../roles/human.js';
import { taskText, workerSystemPrompt } from '../../roles/prompts.js';
import { DEFAULT_ASK_HUMAN_TIMEOUT_S, limitsOf, toAgentInput } from '../../roles/run-role.js';
import { getTaskTool, searchTasksTool } from '../../roles/task-tools.js';
import type { TaskContext, TaskExecutor } from '../../runtime/agent-runtime.js';
import type { CommandRunner } from '../../tools/command-runner.js';
import { ComputerTool, type ComputerToolOptions } from '../../tools/computer/computer-tool.js';
import { shellTool } from '../../tools/shell-tool.js';
import { abortable } from '../../util/sleep.js';
import { agentDirs, type ClaudeCodeAuth, claudeCodeEnv, makeClaudeCodeStateDir } from './claude-code-env.js';
import { InputChannel } from './input-channel.js';
import { FIGARO_MCP_SERVER, figaroMcpServer, type McpTool, mcpTool, mcpToolName } from './mcp-server.js';
import { ClaudeCodeTranscript, taskResultOf } from './transcript.js';

/** Claude Code's built-in tools; none is offered (`tools: []`), and these are disallowed besides. */
export const CLAUDE_CODE_BUILTIN_TOOLS: readonly string[] = [
  'Agent',
  'Bash',
  'BashOutput',
  'Edit',
  'Glob',
  'Grep',
  'KillShell',
  'MultiEdit',
  'NotebookEdit',
  'Read',
  'Skill',
  'Task',
  'TodoWrite',
  'WebFetch',
  'WebSearch',
  'Write',
];

/** Options of `createClaudeCodeWorkerExecutor`: credentials, desktop, and the worker's settings. */
export interface ClaudeCodeWorkerExecutorOptions extends ClaudeCodeAuth {
  bus: Bus;
  /** The desktop this worker drives. The executor does not close it. */
  desktop: Desktop;
  /** This worker's agent id (`worker_id` of help requests; names its Claude Code folders). */
  workerId: string;
  /** Model name; a task's `options.model` overrides it. */
  modelName: string;
  /** Uploads screenshots so that task events carry blob references, never base64. */
  uploadImage: UploadImage;
  /** Folder of the per-agent HOME and CLAUDE_CONFIG_DIR. Default a fresh `$TMPDIR/figaro-claude-code-*`. */
  stateDir?: string;
  /** CLAUDE_CODE_MAX_RETRIES (Claude Code's own API retries); default Claude Code's. */
  maxRetries?: number;
  /** PATH of the Claude Code process; default this process's PATH. */
  path?: string;
  /** A Claude Code binary to run instead of the SDK's bundled one. */
  pathToClaudeCodeExecutable?: string;
  /** Replaces the worker's built-in system prompt. */
  system?: string;
  /**
   * Limits for tasks whose options set none. Claude Code runs its own loop, so they are hard stops
   * (`max_turns` → `maxTurns`, `budget_usd` → `maxBudgetUsd`, `max_duration_s` → abort): no help
   * request asks to continue, and loop detection does not apply.
   */
  limits?: AgentLimits;
  /** How long a help request waits for an answer, in seconds. Default 1800. */
  askHumanTimeoutS?: number;
  /** Quiet time before the screenshot after an action, in ms. Default 300. */
  settleMs?: number;
  /** Screenshot size, format and zoom of the computer tool. */
  computer?: Omit<ComputerToolOptions, 'desktop' | 'settleMs' | 'clock'>;
  /** Where the `shell` tool runs commands; absent: no shell tool. */
  shell?: CommandRunner;
  /** How often follow-up input is passed to Claude Code, in ms. Default 250. */
  inputPollMs?: number;
  /** US dollars of a turn (per-message `cost_usd`); default the built-in price table. */
  cost?: (model: string, usage: Usage) => number;
  clock?: Clock;
  logger?: Logger;
}

/**
 * The worker role on the `claude-code` engine: Claude Code (`@anthropic-ai/claude-agent-sdk`) runs its
 * own agent loop, so this is a TaskExecutor rather than a ModelClient. Figaro's tools — `computer`
 * (ComputerTool over the Desktop, screenshots as MCP image content), `ask_human` (a help request, as
 * in the worker role), `get_task`, `search_tasks` and `shell` when a runner is given — are an
 * in-process MCP server, and they are the only tools Claude Code may use (no built-in tool, no
 * settings or MCP config from disk, a permission mode that never prompts). Each agent has its own
 * HOME and CLAUDE_CONFIG_DIR and a minimal environment with non-essential traffic off. Every model
 * turn and tool result is published as a task message (images as blob references, usage and cost per
 * turn); the `.complete` result takes Claude Code's result text, total cost, usage and turn count.
 * Follow-up messages are streamed into the running query (pause and resume are not supported).
 * Stopping the task aborts the query through its AbortController and ends the executor at once.
 *
 * Budgets (`max_turns`, `budget_usd`, `max_duration_s`) are hard limits here, not questions to the
 * human, and Figaro's loop detection and context economy do not apply: Claude Code runs its own loop.
 */
export function createClaudeCodeWorkerExecutor(options: ClaudeCodeWorkerExecutorOptions): TaskExecutor {
  const clock = options.clock ?? systemClock;
  const baseLogger = (options.logger ?? silentLogger).child({
    worker_id: options.workerId,
    engine: 'claude-code',
  });
  const system = options.system ?? claudeCodeWorkerPrompt(options.shell !== undefined);
  let stateDir: Promise<string> | undefined;
  const stateDirOnce = () => {
    stateDir ??=
      options.stateDir !== undefined ? Promise.resolve(options.stateDir) : makeClaudeCodeStateDir();
    return stateDir;
  };
  return async (ctx) => {
    const { assignment, signal } = ctx;
    const logger = baseLogger.child({ task_id: assignment.task_id });
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
    const tools: McpTool[] = [
      mcpTool(computer),
      mcpTool(askHumanOverBusTool(ask)),
      ...(options.shell ? [mcpTool(shellTool(options.shell))] : []),
      mcpTool(getTaskTool(options.bus)),
      mcpTool(searchTasksTool(options.bus)),
    ];
    const modelName = assignment.options.model ?? options.modelName;
    const transcript = new ClaudeCodeTranscript({
      publish: (message) => ctx.events.message(message),
      uploadImage: options.uploadImage,
      cost: options.cost ?? ((model, usage) => costOf(model, usage)),
      model: modelName,
    });
    const dirs = await agentDirs(await stateDirOnce(), options.workerId);

    const screen = await abortable(
      computer.run({ action: 'screenshot' }, { signal, toolUseId: 'initial-screenshot', progress: () => {} }),
      signal,
    );
    const opening: MessagePart[] = [
      { type: 'text', text: taskText(assignment.prompt, assignment.options) },
      ...screen,
    ];
    await transcript.publishUser(opening);

    const input = new InputChannel<SDKUserMessage>();
    input.push(sdkUserMessage(opening));
    /** Moves follow-ups into the query; true when one was sent. */
    const pump = (): boolean => {
      let sent = false;
      for (const item of ctx.takeInputs()) {
        const next = toAgentInput(item);
        if (next.kind !== 'user_message') {
          logger.info({ kind: next.kind }, 'pause and resume are not supported by the claude-code engine');
          continue;
        }
        input.push(sdkUserMessage(next.content));
        void transcript.publishUser(next.content).catch(() => {});
        sent = true;
      }
      return sent;
    };

    const limits = limitsOf(assignment.options, options.limits);
    const abort = new AbortController();
    let timedOut = false;
    const stopQuery = () => abort.abort();
    signal.addEventListener('abort', stopQuery, { once: true });
    const deadline =
      limits.maxDurationS !== undefined
        ? clock.setTimeout(() => {
            timedOut = true;
            abort.abort();
          }, limits.maxDurationS * 1000)
        : undefined;
    const progress = (state: Parameters<TaskContext['events']['progress']>[0]) =>
      void ctx.events.progress(state, clock.now());
    const queryOptions: Options = {
      model: modelName,
      systemPrompt: system,
      tools: [],
      allowedTools: tools.map((tool) => mcpToolName(tool.name)),
      disallowedTools: [...CLAUDE_CODE_BUILTIN_TOOLS],
      mcpServers: { [FIGARO_MCP_SERVER]: figaroMcpServer(tools, { signal, progress }) },
      strictMcpConfig: true,
      settingSources: [],
      skills: [],
      permissionMode: 'dontAsk',
      permissionPrompts: 'none',
      persistSession: false,
      includePartialMessages: true,
      cwd: dirs.home,
      env: claudeCodeEnv({
        auth: options,
        dirs,
        ...(options.path !== undefined ? { path: options.path } : {}),
        ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
      }),
      abortController: abort,
      ...(limits.maxTurns !== undefined ? { maxTurns: limits.maxTurns } : {}),
      ...(limits.budgetUsd !== undefined ? { maxBudgetUsd: limits.budgetUsd } : {}),
      ...(options.pathToClaudeCodeExecutable
        ? { pathToClaudeCodeExecutable: options.pathToClaudeCodeExecutable }
        : {}),
      stderr: (data) => logger.debug({ stderr: data.trimEnd() }, 'claude-code stderr'),
    };
    const session = query({ prompt: input, options: queryOptions });
    const poller = setInterval(pump, options.inputPollMs ?? 250);

    const run = async (): Promise<SDKResultMessage> => {
      let last: SDKResultMessage | undefined;
      try {
        for await (const message of session) {
          const result = await transcript.handle(message);
          if (!result) continue;
          last = result;
          // The query ends once its input does: close it unless a follow-up just went in.
          if (!pump()) input.close();
        }
      } catch (err) {
        // After an error result (max turns, budget, API error) the SDK also throws: the result says why.
        if (!last || (last.subtype === 'success' && !last.is_error)) throw err;
      }
      if (!last) throw new AgentError('claude-code ended without a result');
      return last;
    };

    try {
      const result = await abortable(run(), signal);
      return taskResultOf(result);
    } catch (err) {
      if (signal.aborted) throw new CancelledError();
      if (timedOut) throw new AgentError('budget exceeded (max_duration_s)');
      throw err instanceof AgentError
        ? err
        : new AgentError(`claude-code: ${messageOf(err)}`, { cause: err });
    } finally {
      clearInterval(poller);
      deadline?.cancel();
      signal.removeEventListener('abort', stopQuery);
      input.close();
      if (!abort.signal.aborted) session.close();
    }
  };
}

/** The worker prompt, with the names Claude Code gives Figaro's tools. */
export function claudeCodeWorkerPrompt(shell: boolean): string {
  const names = ['computer', 'ask_human', ...(shell ? ['shell'] : []), 'get_task', 'search_tasks'];
  return [
    workerSystemPrompt({ shell }),
    `- Here the tools are named ${names.map((name) => `\`${mcpToolName(name)}\``).join(', ')}.`,
  ].join('\n');
}

/** A Figaro user message as Claude Code's streaming input (text and images). */
function sdkUserMessage(parts: readonly MessagePart[]): SDKUserMessage {
  const content: ContentBlockParam[] = [];
  for (const part of parts) {
    if (part.type === 'text') content.push({ type: 'text', text: part.text });
    if (part.type !== 'image') continue;
    const source = part.source;
    if (source.type === 'base64')
      content.push({
        type: 'image',
        source: { type: 'base64', media_type: source.media_type, data: source.data },
      });
    else content.push({ type: 'image', source: { type: 'url', url: source.url } });
  }
  return { type: 'user', parent_tool_use_id: null, message: { role: 'user', content } };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
