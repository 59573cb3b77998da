import type { Bus } from '@figaro/bus';
import { Api, type StoredTaskEvent, type Task, TaskStatus } from '@figaro/protocol';
import { z } from 'zod';
import { defineTool, type Tool, textResult } from '../tools/tool.js';

/** Characters of one tool result at most; the rest is cut with a note. */
const MAX_RESULT_CHARS = 20_000;
/** Characters of one message preview in `get_task`. */
const MAX_PREVIEW_CHARS = 600;

const GetTaskInput = z.object({
  task_id: z.string().describe('The task id'),
  include_messages: z.boolean().optional().describe('Also return a preview of its messages (default false)'),
});

const SearchTasksInput = z.object({
  query: z.string().min(1).describe('Words to look for in prompts and results'),
  status: TaskStatus.optional(),
  limit: z.number().int().positive().max(50).optional().describe('Default 10'),
});

const ListTasksInput = z.object({
  status: TaskStatus.optional(),
  worker_id: z.string().optional().describe('Only tasks of this worker'),
  limit: z.number().int().positive().max(100).optional().describe('Default 20'),
});

/** `get_task`: a task's state and result, read-only (`figaro.api.tasks.get`). */
export function getTaskTool(bus: Bus): Tool<z.infer<typeof GetTaskInput>> {
  return defineTool({
    name: 'get_task',
    description: 'Look up a task by id: its prompt, status, result or error, and optionally its messages.',
    input: GetTaskInput,
    async run(input) {
      const task = await bus.request(Api.tasksGet, {
        task_id: input.task_id,
        include_messages: input.include_messages ?? false,
      });
      const summary = {
        ...taskSummary(task),
        ...(task.messages ? { messages: task.messages.map(messagePreview) } : {}),
      };
      return textResult(bounded(JSON.stringify(summary, null, 1)));
    },
  });
}

/** `search_tasks`: full-text search over past tasks (`figaro.api.tasks.search`). */
export function searchTasksTool(bus: Bus): Tool<z.infer<typeof SearchTasksInput>> {
  return defineTool({
    name: 'search_tasks',
    description:
      'Search earlier tasks by words in their prompt or result, e.g. to reuse how something was done.',
    input: SearchTasksInput,
    async run(input) {
      const reply = await bus.request(Api.tasksSearch, {
        q: input.query,
        ...(input.status ? { status: input.status } : {}),
        limit: input.limit ?? 10,
      });
      return textResult(bounded(JSON.stringify(reply.tasks.map(taskSummary), null, 1)));
    },
  });
}

/** `list_tasks`: recent tasks, newest first (`figaro.api.tasks`). */
export function listTasksTool(bus: Bus): Tool<z.infer<typeof ListTasksInput>> {
  return defineTool({
    name: 'list_tasks',
    description: 'List recent tasks, newest first, optionally by status or worker.',
    input: ListTasksInput,
    async run(input) {
      const reply = await bus.request(Api.tasksList, {
        ...(input.status ? { status: input.status } : {}),
        ...(input.worker_id ? { worker_id: input.worker_id } : {}),
        limit: input.limit ?? 20,
      });
      return textResult(bounded(JSON.stringify(reply.tasks.map(taskSummary), null, 1)));
    },
  });
}

/** `list_workers`: the fleet's workers and desktops with their state (`figaro.api.workers`). */
export function listWorkersTool(bus: Bus): Tool<Record<string, never>> {
  return defineTool({
    name: 'list_workers',
    description:
      'List the workers (agents with a desktop) and desktop-only entries, with status (idle/busy/offline) and whether an agent is connected.',
    input: z.object({}).strict(),
    async run() {
      const { workers } = await bus.request(Api.workers, {});
      const rows = workers.map((w) => ({
        id: w.id,
        status: w.status,
        agent_connected: w.agent_connected,
        capabilities: w.capabilities,
        metadata: w.metadata,
      }));
      return textResult(bounded(JSON.stringify(rows, null, 1)));
    },
  });
}

/** The fields of a task a model needs (no versions, no source metadata). */
export function taskSummary(task: Task) {
  return {
    task_id: task.task_id,
    prompt: task.prompt,
    status: task.status,
    result: task.result?.result ?? null,
    error: task.error,
    worker_id: task.worker_id,
    parent_task_id: task.parent_task_id,
    waiting_on: task.waiting_on,
    created_at: task.created_at,
    completed_at: task.completed_at,
    cost_usd: task.cost_usd,
    message_count: task.message_count,
  };
}

function messagePreview(event: StoredTaskEvent) {
  const content = event.payload.content;
  const text = Array.isArray(content) ? content.map(blockPreview).join(' ') : '';
  const error = typeof event.payload.error === 'string' ? event.payload.error : undefined;
  return {
    seq: event.seq,
    type: typeof event.payload.__type__ === 'string' ? event.payload.__type__ : event.type,
    text: (error ?? text).slice(0, MAX_PREVIEW_CHARS),
  };
}

function blockPreview(block: unknown): string {
  if (typeof block !== 'object' || block === null || !('type' in block)) return '';
  if (block.type === 'text' && 'text' in block && typeof block.text === 'string') return block.text;
  if (block.type === 'image') return '[image]';
  if (block.type === 'tool_use' && 'name' in block)
    return `[${String(block.name)} ${JSON.stringify('input' in block ? block.input : {})}]`;
  if (block.type === 'tool_result' && 'content' in block && Array.isArray(block.content))
    return `[result: ${block.content.map(blockPreview).join(' ')}]`;
  return '';
}

/** Cuts a tool result to MAX_RESULT_CHARS. */
export function bounded(text: string, max = MAX_RESULT_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n[… ${text.length - max} more characters cut]`;
}
