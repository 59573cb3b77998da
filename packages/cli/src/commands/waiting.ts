import type { Task } from '@figaro/protocol';

/** What a task's `waiting_on` means, in a few words (`no_worker` → "no agent is connected"). */
const REASONS: Readonly<Record<string, string>> = {
  no_worker: 'no agent is connected that can take it',
  human: 'its agent asked a person a question (answer it in the dashboard)',
  paused: 'its agent is paused',
  budget: 'its agent reached its budget',
};

/** `no_worker (no agent is connected that can take it)`, or the bare value for a reason not known here. */
export function describeWaiting(waitingOn: string): string {
  const reason = REASONS[waitingOn];
  return reason ? `${waitingOn} (${reason})` : waitingOn;
}

/**
 * What to do about a task that waits because no agent can take it: the variables that start agents
 * where `figaro up` runs, or the commands that run agents in a fleet. Undefined when it is not
 * waiting for that.
 */
export function noAgentHint(task: Task): string | undefined {
  if (task.waiting_on !== 'no_worker') return undefined;
  return [
    `No agent is connected that can take this task (${task.options.target === 'auto' ? 'a worker or a supervisor' : `target ${task.options.target}`}); it waits in the queue.`,
    'Agents start with `figaro up` once a model engine is configured there, then restart it:',
    '  FIGARO_ANTHROPIC_API_KEY=…                  (engine anthropic, the default)',
    '  FIGARO_WORKER_ENGINE=openai FIGARO_OPENAI_BASE_URL=… [FIGARO_OPENAI_API_KEY=…]',
    '  FIGARO_WORKER_ENGINE=claude-code FIGARO_CLAUDE_CODE_OAUTH_TOKEN=…',
    '(FIGARO_SUPERVISOR_ENGINE likewise for the supervisor); in a fleet, run `figaro worker` or',
    '`figaro supervisor`. `figaro workers` lists what is connected.',
  ].join('\n');
}
