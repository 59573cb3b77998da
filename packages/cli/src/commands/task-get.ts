import { parseArgs } from 'node:util';
import { summarizeTaskEvent } from '@figaro/orchestrator';
import { Api } from '@figaro/protocol';
import { openClient } from '../client/open-client.js';
import { ExitCode } from '../exit-code.js';
import { positionals, taskIdArg } from './args.js';
import { assignee, clip, fields, LINE_WIDTH, localTime, printJson } from './format.js';
import type { Command } from './io.js';
import { describeWaiting, noAgentHint } from './waiting.js';

const usage = `Usage: figaro task get ID [--json]

Shows one task: status, agent, times, cost, result or error, and a one-line summary of each agent
message. --json prints the task with its stored events as JSON.`;

/** `figaro task get ID`: one task with its messages summarised. */
export const taskGet: Command = {
  usage,
  usesServer: true,
  async run(argv, { env, io, client: flags }) {
    const { values, positionals: args } = parseArgs({
      args: argv,
      options: { json: { type: 'boolean' } },
      strict: true,
      allowPositionals: true,
    });
    const [id = ''] = positionals(args, ['ID']);
    const taskId = taskIdArg(id);
    const client = await openClient(env, flags);
    const task = await client.call(Api.tasksGet, { task_id: taskId, include_messages: true });
    if (values.json) {
      printJson(io, task);
      return ExitCode.ok;
    }
    const resultText = task.result?.result;
    io.out(
      `${fields([
        ['task', task.task_id],
        ['status', task.status],
        ['prompt', clip(task.prompt, LINE_WIDTH - 10)],
        ['target', task.options.target],
        ['agent', assignee(task)],
        ['waiting on', task.waiting_on ? describeWaiting(task.waiting_on) : null],
        ['created', localTime(task.created_at)],
        ['started', task.started_at ? localTime(task.started_at) : null],
        ['finished', task.completed_at ? localTime(task.completed_at) : null],
        ['attempt', task.attempt > 1 ? String(task.attempt) : null],
        ['messages', String(task.message_count)],
        ['cost', `$${task.cost_usd.toFixed(4)}`],
        ['result', resultText ?? null],
        ['error', task.error],
      ])}\n`,
    );
    const hint = noAgentHint(task);
    if (hint) io.out(`\n${hint}\n`);
    const messages = (task.messages ?? [])
      .filter((event) => event.type === 'message')
      .map((event) => summarizeTaskEvent(event.type, event.payload))
      .filter((summary) => summary !== null);
    if (messages.length > 0) {
      io.out('\nMessages:\n');
      for (const summary of messages)
        io.out(`${clip(`  ${summary.seq}. ${summary.preview || '(no text)'}`, LINE_WIDTH)}\n`);
    }
    return ExitCode.ok;
  },
};
