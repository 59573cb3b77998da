import { parseArgs } from 'node:util';
import { Api } from '@figaro/protocol';
import { openClient } from '../client/open-client.js';
import { ExitCode } from '../exit-code.js';
import { agentIdArg, positionals } from './args.js';
import type { Command } from './io.js';

const usage = `Usage: figaro desktop remove ID

Removes a desktop and its stored credentials. A desktop an agent is connected to cannot be removed
(exit 1): stop the agent first.`;

/** `figaro desktop remove ID`: deletes a desktop-only worker and its credentials. */
export const desktopRemove: Command = {
  usage,
  usesServer: true,
  async run(argv, { env, io, client: flags }) {
    const { positionals: args } = parseArgs({
      args: argv,
      options: {},
      strict: true,
      allowPositionals: true,
    });
    const [rawId = ''] = positionals(args, ['ID']);
    const id = agentIdArg(rawId, 'ID');
    const client = await openClient(env, flags);
    await client.call(Api.desktopWorkersRemove, { worker_id: id });
    io.out(`Removed desktop ${id}.\n`);
    return ExitCode.ok;
  },
};
