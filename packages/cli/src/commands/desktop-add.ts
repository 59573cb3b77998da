import { parseArgs } from 'node:util';
import { Api, DesktopWorkerUpsert } from '@figaro/protocol';
import { openClient } from '../client/open-client.js';
import { ExitCode } from '../exit-code.js';
import { agentIdArg, positionals } from './args.js';
import { type Command, UsageError } from './io.js';
import { readSecret } from './read-secret.js';

const usage = `Usage: figaro desktop add ID URL [--os linux] [--username USER] [--password-stdin]

Adds a desktop that agents and the dashboard can use, or updates the one with that ID. URL is its
VNC address (vnc://host:5900, ws(s)://host/websockify). The VNC password is never taken from the
command line: pass --password-stdin and pipe it in (printf '%s' "$PW" | figaro desktop add …), or type
it at the hidden prompt. It is stored encrypted and shown as *** from then on.`;

/** A desktop URL from the command line: a scheme the protocol accepts, and no password in it. */
function desktopUrlArg(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`URL ${JSON.stringify(text)} is not a URL (e.g. vnc://host:5900)`);
  }
  if (url.password !== '') {
    // Never echo the URL back: it holds the secret.
    throw new UsageError(
      'the URL contains a password: remove it and pass the password with --password-stdin, ' +
        'so that it stays out of shell history and process lists',
    );
  }
  const checked = DesktopWorkerUpsert.shape.novnc_url.safeParse(text);
  if (!checked.success) throw new UsageError(`URL: ${checked.error.issues[0]?.message ?? 'not accepted'}`);
  return text;
}

/** Refuses `--password VALUE` with a pointer to `--password-stdin` (a secret must not be in argv). */
function refusePasswordFlag(argv: readonly string[]): void {
  if (argv.some((arg) => arg === '--password' || arg.startsWith('--password='))) {
    throw new UsageError('there is no --password flag: pipe the password in with --password-stdin');
  }
}

/** `figaro desktop add ID URL`: registers (or updates) a desktop-only worker. */
export const desktopAdd: Command = {
  usage,
  usesServer: true,
  async run(argv, { env, io, client: flags }) {
    refusePasswordFlag(argv);
    const { values, positionals: args } = parseArgs({
      args: argv,
      options: {
        os: { type: 'string', default: 'linux' },
        username: { type: 'string', short: 'u' },
        'password-stdin': { type: 'boolean' },
      },
      strict: true,
      allowPositionals: true,
    });
    const [rawId = '', rawUrl = ''] = positionals(args, ['ID', 'URL']);
    const id = agentIdArg(rawId, 'ID');
    const url = desktopUrlArg(rawUrl);
    const os = values.os.trim();
    if (os === '') throw new UsageError('--os: must not be empty');
    if (values.username !== undefined && values.username === '') {
      throw new UsageError('--username: must not be empty');
    }
    // Check the configuration before asking for a secret the user would then have typed for nothing.
    const client = await openClient(env, flags);
    const password = values['password-stdin']
      ? await readSecret(io.stdin, (text) => io.err(text), 'VNC password')
      : undefined;
    await client.call(Api.desktopWorkersRegister, {
      worker_id: id,
      novnc_url: url,
      metadata: { os },
      ...(values.username !== undefined ? { vnc_username: values.username } : {}),
      ...(password !== undefined ? { vnc_password: password } : {}),
    });
    const credentials = [
      values.username !== undefined ? `user ${values.username}` : undefined,
      password !== undefined ? 'password stored' : undefined,
    ].filter((part) => part !== undefined);
    io.out(`Saved desktop ${id} (${[url, os, ...credentials].join(', ')}).\n`);
    return ExitCode.ok;
  },
};
