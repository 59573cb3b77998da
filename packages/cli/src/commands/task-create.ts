import { parseArgs } from 'node:util';
import { Api, TaskTarget } from '@figaro/protocol';
import { openClient } from '../client/open-client.js';
import { ExitCode } from '../exit-code.js';
import { agentIdArg } from './args.js';
import { followTask } from './follow-task.js';
import { printJson } from './format.js';
import { type Command, UsageError } from './io.js';
import { noAgentHint } from './waiting.js';

const usage = `Usage: figaro task create PROMPT [--target auto|worker|supervisor] [--worker ID] [--wait] [--json]

Creates a task and prints its id. --target chooses who runs it (auto: a supervisor if one is
connected, else a worker); --worker ID sends it to that worker (and implies --target worker).
--wait follows the task live: one line per status change and per agent message, then the result;
exits 0 when it completes, 1 when it fails or is cancelled, 130 on Ctrl-C (the task keeps running).
--json prints the task as JSON (with --wait: the finished task; progress goes to standard error).`;

/** `figaro task create PROMPT`: creates a task, and with `--wait` follows it until it finishes. */
export const taskCreate: Command = {
  usage,
  usesServer: true,
  async run(argv, { env, io, client: flags }) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        target: { type: 'string', short: 't' },
        worker: { type: 'string', short: 'w' },
        wait: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: true,
    });
    const prompt = positionals.join(' ').trim();
    if (prompt === '')
      throw new UsageError('missing PROMPT (quote it: figaro task create "open example.com")');
    const target = values.target === undefined ? undefined : TaskTarget.safeParse(values.target);
    if (target && !target.success) {
      throw new UsageError(
        `--target: must be auto, worker or supervisor, got ${JSON.stringify(values.target)}`,
      );
    }
    const workerId = values.worker === undefined ? undefined : agentIdArg(values.worker, '--worker');
    if (workerId !== undefined && target?.data !== undefined && target.data !== 'worker') {
      throw new UsageError(`--worker sends the task to a worker: it cannot go with --target ${target.data}`);
    }

    const client = await openClient(env, flags);
    const task = await client.call(Api.tasksCreate, {
      prompt,
      options: {
        target: target?.data ?? (workerId !== undefined ? 'worker' : 'auto'),
        ...(workerId !== undefined ? { worker_id: workerId } : {}),
      },
      source: 'cli',
    });
    const json = values.json === true;
    if (!values.wait) {
      if (json) printJson(io, task);
      else io.out(`Created task ${task.task_id} (${task.status}, target ${task.options.target})\n`);
      const hint = json ? undefined : noAgentHint(task);
      if (hint) io.err(`${hint}\n`);
      return ExitCode.ok;
    }
    const created = `Created task ${task.task_id} (target ${task.options.target})\n`;
    if (json) io.err(created);
    else io.out(created);
    return followTask(client, task.task_id, io, { json });
  },
};
