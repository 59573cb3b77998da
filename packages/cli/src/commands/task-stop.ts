import { parseArgs } from 'node:util';
import { Api } from '@figaro/protocol';
import { openClient } from '../client/open-client.js';
import { ExitCode } from '../exit-code.js';
import { positionals, taskIdArg } from './args.js';
import type { Command } from './io.js';

const usage = `Usage: figaro task stop ID

Stops a task: it becomes cancelled at once, its agent is told to stop, and every task it delegated is
stopped too. Stopping a task that already finished fails (exit 1).`;

/** `figaro task stop ID`: cancels a task and the tasks delegated under it. */
export const taskStop: Command = {
  usage,
  usesServer: true,
  async run(argv, { env, io, client: flags }) {
    const { positionals: args } = parseArgs({
      args: argv,
      options: {},
      strict: true,
      allowPositionals: true,
    });
    const [id = ''] = positionals(args, ['ID']);
    const taskId = taskIdArg(id);
    const client = await openClient(env, flags);
    const reply = await client.call(Api.tasksStop, { task_id: taskId });
    io.out(`Stopped task ${reply.task_id} (cancelled).\n`);
    return ExitCode.ok;
  },
};
