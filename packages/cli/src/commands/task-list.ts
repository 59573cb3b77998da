import { parseArgs } from 'node:util';
import { Api, TaskStatus } from '@figaro/protocol';
import { openClient } from '../client/open-client.js';
import { ExitCode } from '../exit-code.js';
import { positionals } from './args.js';
import { clip, localTime, printJson, table } from './format.js';
import { type Command, UsageError } from './io.js';

const MAX_LIMIT = 500;

const usage = `Usage: figaro task list [--status STATUS] [--limit N] [--json]

Lists tasks, newest first: ${TaskStatus.options.join(', ')} with --status; at most N (default 20,
at most ${MAX_LIMIT}) with --limit. --json prints the page as JSON.`;

function limitArg(text: string | undefined): number {
  if (text === undefined) return 20;
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1 || limit > MAX_LIMIT) {
    throw new UsageError(
      `--limit: must be a whole number from 1 to ${MAX_LIMIT}, got ${JSON.stringify(text)}`,
    );
  }
  return limit;
}

/** `figaro task list`: a table of recent tasks. */
export const taskList: Command = {
  usage,
  usesServer: true,
  async run(argv, { env, io, client: flags }) {
    const { values, positionals: args } = parseArgs({
      args: argv,
      options: {
        status: { type: 'string', short: 's' },
        limit: { type: 'string', short: 'n' },
        json: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: true,
    });
    positionals(args, []);
    const status = values.status === undefined ? undefined : TaskStatus.safeParse(values.status);
    if (status && !status.success) {
      throw new UsageError(
        `--status: must be one of ${TaskStatus.options.join(', ')}, got ${JSON.stringify(values.status)}`,
      );
    }
    const limit = limitArg(values.limit);
    const client = await openClient(env, flags);
    const page = await client.call(Api.tasksList, {
      limit,
      ...(status?.data !== undefined ? { status: status.data } : {}),
    });
    if (values.json) {
      printJson(io, page);
      return ExitCode.ok;
    }
    if (page.tasks.length === 0) {
      io.out(status?.data ? `No ${status.data} tasks.\n` : 'No tasks.\n');
      return ExitCode.ok;
    }
    const rows = page.tasks.map((task) => [
      task.task_id,
      task.status,
      task.worker_id ?? task.supervisor_id ?? '-',
      localTime(task.created_at),
      clip(task.prompt, 40),
    ]);
    io.out(`${table(['ID', 'STATUS', 'AGENT', 'CREATED', 'PROMPT'], rows)}\n`);
    if (page.next_cursor !== null) io.out(`(more tasks: raise --limit, up to ${MAX_LIMIT})\n`);
    return ExitCode.ok;
  },
};
