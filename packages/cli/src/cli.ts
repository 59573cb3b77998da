import { adminCommands } from './admin/reset-password.js';
import { ClientError } from './client/errors.js';
import { runAgentProcess, supervisorUsage, workerUsage } from './commands/agent-processes.js';
import { desktopAdd } from './commands/desktop-add.js';
import { desktopRemove } from './commands/desktop-remove.js';
import { desktopStart } from './commands/desktop-start.js';
import { INTERRUPTED_EXIT_CODE } from './commands/follow-task.js';
import { sanitize } from './commands/format.js';
import { type CliIo, type Command, CommandFailed, processIo, UsageError } from './commands/io.js';
import { SecretPromptInterrupted } from './commands/read-secret.js';
import { sshCommands, telnetCommands } from './commands/remote-shell.js';
import { taskCreate } from './commands/task-create.js';
import { taskGet } from './commands/task-get.js';
import { taskList } from './commands/task-list.js';
import { taskStop } from './commands/task-stop.js';
import { orchestratorUsage, runOrchestrator, runUp, upUsage } from './commands/up.js';
import { vncCommands } from './commands/vnc.js';
import { workers } from './commands/workers.js';
import type { ClientFlags } from './config/client-config.js';
import { ConfigError } from './config/load.js';
import { ExitCode } from './exit-code.js';
import { cliVersion } from './version.js';

export { ExitCode } from './exit-code.js';

const usage = `Usage: figaro <command> [options]

Servers:
  up              start Figaro (orchestrator and dashboard) in one process
  orchestrator    run one orchestrator replica of a fleet (NATS + PostgreSQL)
  worker          run a worker agent of a fleet (--desktop URL, or a local desktop)
  supervisor      run the supervisor agent of a fleet

Client (talk to --url or FIGARO_URL, else the URL the server recorded in the data folder (--data-dir
or FIGARO_DATA_DIR), else http://127.0.0.1:8000; token from FIGARO_API_TOKEN or the data folder):
  task create PROMPT [--target auto|worker|supervisor] [--worker ID] [--wait] [--json]
  task get ID [--json]
  task list [--status STATUS] [--limit N] [--json]
  task stop ID
  workers [--json]
  desktop add ID URL [--os linux] [--username USER] [--password-stdin]
  desktop remove ID
  (each also takes --url URL and --data-dir DIR)

Administration (on the store itself, no server needed):
  admin reset-password [--data-dir DIR] [--password-stdin]

Desktops, directly (no orchestrator; passwords from --password-stdin or FIGARO_VNC_PASSWORD,
FIGARO_SSH_PASSWORD, FIGARO_TELNET_PASSWORD):
  desktop start [--display :N] [--size 1280x800] [--vnc-port P] [--password-stdin]
  vnc screenshot URL -o FILE [--width W]
  vnc click|move URL X Y, vnc type URL TEXT, vnc key URL KEYS, vnc scroll URL X Y DX DY,
  vnc drag URL X1 Y1 X2 Y2
  ssh run URL COMMAND [--identity FILE]
  telnet run URL COMMAND

  help            show this help
  --version, -V   print the version

Run \`figaro <command> --help\` for a command's options. Exit codes: 0 ok, 1 failure, 2 bad usage or
configuration, 130 interrupted.`;

/** Commands with subcommands (`figaro task create`). */
const GROUPS: Readonly<Record<string, Readonly<Record<string, Command>>>> = {
  task: { create: taskCreate, get: taskGet, list: taskList, stop: taskStop },
  desktop: { add: desktopAdd, remove: desktopRemove, start: desktopStart },
  vnc: vncCommands,
  ssh: sshCommands,
  telnet: telnetCommands,
  admin: adminCommands,
};

/** Commands without subcommands. */
const COMMANDS: Readonly<Record<string, Command>> = { workers };

const wantsHelp = (argv: readonly string[]) => argv.includes('--help') || argv.includes('-h');

/**
 * Dispatches a command line. Returns an exit code for commands that end, or undefined for servers
 * that keep running until a signal.
 */
export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
  rawIo: CliIo = processIo(),
): Promise<number | undefined> {
  const [command, ...rest] = argv;
  // What servers and models send (task text, results, errors) never writes escape sequences to the
  // terminal; `ssh run` and `telnet run` pass the remote command's output through as ssh does.
  const io = command === 'ssh' || command === 'telnet' ? rawIo : sanitizedIo(rawIo);
  let current: { name: string; command: Command } | undefined;
  try {
    switch (command) {
      case 'up':
        if (wantsHelp(rest)) return print(io, upUsage);
        await runUp(rest, env);
        return undefined;
      case 'orchestrator':
        if (wantsHelp(rest)) return print(io, orchestratorUsage);
        await runOrchestrator(rest, env);
        return undefined;
      case 'worker':
      case 'supervisor':
        if (wantsHelp(rest)) return print(io, command === 'worker' ? workerUsage : supervisorUsage);
        await runAgentProcess(command, rest, env);
        return undefined;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        return print(io, usage);
      case '--version':
      case '-V':
        return print(io, `figaro ${cliVersion()}`);
    }
    const group = GROUPS[command];
    if (group) {
      const [sub, ...args] = rest;
      const found = sub === undefined ? undefined : group[sub];
      if (!found) {
        if (sub === undefined || sub === 'help' || wantsHelp([sub]))
          return print(io, groupUsage(command, group));
        io.err(`figaro: unknown command "${command} ${sub}"\n\n${groupUsage(command, group)}\n`);
        return ExitCode.usage;
      }
      current = { name: `${command} ${sub}`, command: found };
      if (wantsHelp(args)) return print(io, found.usage);
      return await runCommand(found, args, env, io);
    }
    const single = COMMANDS[command];
    if (single) {
      current = { name: command, command: single };
      if (wantsHelp(rest)) return print(io, single.usage);
      return await runCommand(single, rest, env, io);
    }
    io.err(`figaro: unknown command ${JSON.stringify(command)}\n\n${usage}\n`);
    return ExitCode.usage;
  } catch (err) {
    return reportError(err, io, current?.name);
  }
}

/** Prints what went wrong in one line (configuration: one line per problem) and picks the exit code. */
function reportError(err: unknown, io: CliIo, commandName: string | undefined): number {
  const seeHelp = commandName ? ` (see \`figaro ${commandName} --help\`)` : '';
  if (err instanceof ConfigError) {
    io.err(`figaro: ${err.message}\n`);
    return ExitCode.usage;
  }
  if (err instanceof UsageError) {
    io.err(`figaro: ${err.message}${seeHelp}\n`);
    return ExitCode.usage;
  }
  if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) {
    io.err(`figaro: ${err.message}${seeHelp}\n`);
    return ExitCode.usage;
  }
  if (err instanceof SecretPromptInterrupted) return INTERRUPTED_EXIT_CODE;
  if (err instanceof CommandFailed) {
    io.err(`figaro: ${err.message}\n`);
    return ExitCode.failure;
  }
  if (err instanceof ClientError) {
    io.err(`figaro: ${err.message}\n`);
    return ExitCode.failure;
  }
  throw err;
}

/** Runs a command; one that talks to a server gets `--url` and `--data-dir` taken out of its arguments. */
function runCommand(command: Command, args: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  if (!command.usesServer) return command.run(args, { env, io });
  const { rest, flags } = takeClientFlags(args);
  return command.run(rest, { env, io, client: flags });
}

const CLIENT_FLAGS: Readonly<Record<string, keyof ClientFlags>> = { '--url': 'url', '--data-dir': 'dataDir' };

/** Takes `--url URL` / `--url=URL` and `--data-dir DIR` out of a client command's arguments (up to `--`). */
function takeClientFlags(args: readonly string[]): { rest: string[]; flags: ClientFlags } {
  const rest: string[] = [];
  const flags: ClientFlags = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') {
      rest.push(...args.slice(i));
      break;
    }
    const [name = '', inline] = arg.startsWith('--') ? splitOnce(arg, '=') : [arg, undefined];
    const key = CLIENT_FLAGS[name];
    if (key === undefined) {
      rest.push(arg);
      continue;
    }
    const value = inline ?? args[i + 1];
    if (value === undefined || (inline === undefined && value.startsWith('-'))) {
      throw new UsageError(`${name} needs a value`);
    }
    if (inline === undefined) i++;
    flags[key] = value;
  }
  return { rest, flags };
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

/** The same I/O with every printed text passed through `sanitize`. */
function sanitizedIo(io: CliIo): CliIo {
  return {
    out: (text) => io.out(sanitize(text)),
    err: (text) => io.err(sanitize(text)),
    stdin: io.stdin,
    onInterrupt: (handler) => io.onInterrupt(handler),
  };
}

function groupUsage(name: string, group: Readonly<Record<string, Command>>): string {
  const lines = Object.values(group).map(
    (command) => `  ${firstLine(command.usage).replace(/^Usage: /, '')}`,
  );
  return `Usage:\n${lines.join('\n')}\n\nRun \`figaro ${name} <command> --help\` for a command's options.`;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? text;
}

function print(io: CliIo, text: string): number {
  io.out(`${text}\n`);
  return ExitCode.ok;
}
