import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  MemoryHostKeyStore,
  parseSshUrl,
  parseTelnetUrl,
  runSshCommand,
  runTelnetCommand,
} from '@figaro/desktop';
import { ExitCode } from '../exit-code.js';
import { positionals } from './args.js';
import { endpointSecret, intArg } from './endpoint-secret.js';
import type { Command } from './io.js';
import { reportDesktopError } from './vnc.js';

const sshRun: Command = {
  usage: `Usage: figaro ssh run URL COMMAND [--identity FILE] [--timeout S] [--password-stdin]

Runs COMMAND on ssh://[user@]host[:port] and exits with its exit status. Authenticates with a private
key (--identity) or a password (--password-stdin or FIGARO_SSH_PASSWORD), never one in the URL.`,
  async run(argv, ctx) {
    const { values, positionals: args } = parseArgs({
      args: argv,
      options: {
        identity: { type: 'string', short: 'i' },
        timeout: { type: 'string' },
        'password-stdin': { type: 'boolean' },
      },
      strict: true,
      allowPositionals: true,
    });
    const [url = '', command = ''] = positionals(args, ['URL', 'COMMAND']);
    const password = await endpointSecret(url, values['password-stdin'], 'FIGARO_SSH_PASSWORD', ctx);
    try {
      const endpoint = parseSshUrl(url);
      const result = await runSshCommand({
        host: endpoint.host,
        port: endpoint.port,
        username: endpoint.username ?? ctx.env.USER ?? 'root',
        ...(password !== undefined ? { password } : {}),
        ...(values.identity ? { privateKey: await readFile(values.identity) } : {}),
        command,
        ...(values.timeout ? { timeoutMs: intArg(values.timeout, '--timeout') * 1000 } : {}),
        hostKeys: new MemoryHostKeyStore(),
      });
      ctx.io.out(result.stdout);
      if (result.stderr) ctx.io.err(result.stderr);
      return result.exit_code ?? ExitCode.failure;
    } catch (err) {
      return reportDesktopError(err, ctx, 'ssh run');
    }
  },
};

const telnetRun: Command = {
  usage: `Usage: figaro telnet run URL COMMAND [--timeout S] [--password-stdin]

Logs in to telnet://[user@]host[:port] (password from --password-stdin or FIGARO_TELNET_PASSWORD),
runs COMMAND and prints its output.`,
  async run(argv, ctx) {
    const { values, positionals: args } = parseArgs({
      args: argv,
      options: { timeout: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
      strict: true,
      allowPositionals: true,
    });
    const [url = '', command = ''] = positionals(args, ['URL', 'COMMAND']);
    const password = await endpointSecret(url, values['password-stdin'], 'FIGARO_TELNET_PASSWORD', ctx);
    try {
      const endpoint = parseTelnetUrl(url);
      const result = await runTelnetCommand({
        host: endpoint.host,
        port: endpoint.port,
        ...(endpoint.username !== undefined ? { username: endpoint.username } : {}),
        ...(password !== undefined ? { password } : {}),
        command,
        ...(values.timeout ? { timeoutMs: intArg(values.timeout, '--timeout') * 1000 } : {}),
      });
      ctx.io.out(result.output.endsWith('\n') || result.output === '' ? result.output : `${result.output}\n`);
      return result.exit_code ?? ExitCode.ok;
    } catch (err) {
      return reportDesktopError(err, ctx, 'telnet run');
    }
  },
};

export const sshCommands: Readonly<Record<string, Command>> = { run: sshRun };
export const telnetCommands: Readonly<Record<string, Command>> = { run: telnetRun };
