import { FINISHED_STATUSES, type Task } from '@figaro/protocol';
import type { FigaroClient } from '../client/http-client.js';
import { type EventSummary, watchTask } from '../client/task-watch.js';
import { ExitCode } from '../exit-code.js';
import { assignee, clip, LINE_WIDTH, printJson } from './format.js';
import type { CliIo } from './io.js';
import { noAgentHint } from './waiting.js';

/** Exit code when the user stops waiting with Ctrl-C (128 + SIGINT), as shells report it. */
export const INTERRUPTED_EXIT_CODE = 130;

const LABEL_WIDTH = 9;

function line(label: string, text: string): string {
  return `${label.padEnd(LABEL_WIDTH)}${clip(text, LINE_WIDTH - LABEL_WIDTH)}`;
}

function describeStatus(task: Task): string {
  switch (task.status) {
    case 'pending':
      return task.waiting_on === 'no_worker'
        ? 'pending (waiting on no_worker: no agent is connected)'
        : 'pending (queued until an agent is free)';
    case 'assigned':
    case 'running':
      return `${task.status} (${assignee(task)}${task.waiting_on ? `, waiting on ${task.waiting_on}` : ''})`;
    default:
      return task.status;
  }
}

function describeMessage(summary: EventSummary): string {
  if (summary.preview !== '') return summary.preview;
  const images = summary.blobs.length;
  return images > 0 ? `[${images} image${images === 1 ? '' : 's'}]` : '(no text)';
}

/**
 * `--wait`: follows a task until it finishes, printing one line per status change and one per agent
 * message (type and preview, at most 100 characters), then the outcome. Progress goes to standard
 * output, or to standard error with `--json` (standard output then carries only the final task).
 * Returns 0 when the task completed (its result text printed), 1 when it failed or was cancelled, and
 * 130 when Ctrl-C stopped the waiting (the task keeps running).
 */
export async function followTask(
  client: FigaroClient,
  taskId: string,
  io: CliIo,
  options: { json: boolean },
): Promise<number> {
  const progress = (text: string) => (options.json ? io.err(text) : io.out(text));
  const interrupt = new AbortController();
  const stopListening = io.onInterrupt(() => interrupt.abort());
  let lastStatus: string | undefined;
  let hinted = false;
  try {
    const watched = await watchTask({
      baseUrl: client.baseUrl,
      token: client.token,
      taskId,
      signal: interrupt.signal,
      onReady: (task) => {
        if (!FINISHED_STATUSES.includes(task.status)) {
          io.err(`Following task ${taskId}; Ctrl-C stops following (the task keeps running).\n`);
        }
      },
      onTask: (task) => {
        const status = describeStatus(task);
        if (status === lastStatus) return;
        lastStatus = status;
        progress(`${line('status', status)}\n`);
        const hint = hinted ? undefined : noAgentHint(task);
        if (hint) {
          hinted = true;
          io.err(`${hint}\n`);
        }
      },
      onMessage: (summary) => progress(`${line(summary.type, describeMessage(summary))}\n`),
    });
    if (watched.outcome === 'aborted') {
      io.err(
        `\nStopped following task ${taskId}; it keeps running. ` +
          `Stop it with \`figaro task stop ${taskId}\`.\n`,
      );
      return INTERRUPTED_EXIT_CODE;
    }
    return reportOutcome(watched.task, io, options);
  } finally {
    stopListening();
  }
}

function reportOutcome(task: Task, io: CliIo, options: { json: boolean }): number {
  if (options.json) printJson(io, task);
  if (task.status === 'completed') {
    if (!options.json) io.out(`${task.result?.result ?? '(the task gave no result text)'}\n`);
    return ExitCode.ok;
  }
  if (task.status === 'failed') {
    io.err(`figaro: task ${task.task_id} failed: ${task.error ?? 'no error was given'}\n`);
  } else {
    io.err(`figaro: task ${task.task_id} was cancelled\n`);
  }
  return ExitCode.failure;
}
