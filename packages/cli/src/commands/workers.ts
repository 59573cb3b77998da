import { parseArgs } from 'node:util';
import { Api, type WorkerInfo } from '@figaro/protocol';
import { openClient } from '../client/open-client.js';
import { ExitCode } from '../exit-code.js';
import { positionals } from './args.js';
import { printJson, table } from './format.js';
import type { Command } from './io.js';

const usage = `Usage: figaro workers [--json]

Lists workers and desktops: status, whether an agent is connected, the desktop's OS and address, and
whether a VNC user and password are stored (a password always shows as ***). --json prints the list.`;

function osOf(worker: WorkerInfo): string {
  const os = worker.metadata.os;
  return typeof os === 'string' && os !== '' ? os : '-';
}

/** `figaro workers`: a table of the fleet's workers and desktop-only entries. */
export const workers: Command = {
  usage,
  usesServer: true,
  async run(argv, { env, io, client: flags }) {
    const { values, positionals: args } = parseArgs({
      args: argv,
      options: { json: { type: 'boolean' } },
      strict: true,
      allowPositionals: true,
    });
    positionals(args, []);
    const client = await openClient(env, flags);
    const reply = await client.call(Api.workers, {});
    if (values.json) {
      printJson(io, reply);
      return ExitCode.ok;
    }
    if (reply.workers.length === 0) {
      io.out('No workers or desktops. Add a desktop with `figaro desktop add ID URL`.\n');
      return ExitCode.ok;
    }
    const rows = reply.workers.map((worker) => [
      worker.id,
      worker.status,
      worker.agent_connected ? 'yes' : 'no',
      osOf(worker),
      worker.vnc_username ?? '-',
      worker.vnc_password ?? '-',
      worker.novnc_url ?? '-',
    ]);
    io.out(`${table(['ID', 'STATUS', 'AGENT', 'OS', 'USER', 'PASSWORD', 'DESKTOP'], rows)}\n`);
    return ExitCode.ok;
  },
};
