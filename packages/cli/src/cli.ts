import { orchestratorUsage, runOrchestrator, runUp, upUsage } from './commands/up.js';
import { ConfigError } from './config/load.js';

const usage = `Usage: figaro <command> [options]

Commands:
  up            start Figaro (orchestrator and dashboard) in one process
  orchestrator  run one orchestrator replica of a fleet (NATS + PostgreSQL)
  help        show this help

Run \`figaro <command> --help\` for a command's options.`;

/** Exit codes: 0 ok, 1 runtime failure, 2 bad usage or bad configuration. */
export const ExitCode = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * Dispatches a command line. Returns an exit code for commands that end, or undefined for servers
 * that keep running until a signal.
 */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<number | undefined> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'up':
        if (rest.includes('--help') || rest.includes('-h')) return print(upUsage);
        await runUp(rest, env);
        return undefined;
      case 'orchestrator':
        if (rest.includes('--help') || rest.includes('-h')) return print(orchestratorUsage);
        await runOrchestrator(rest, env);
        return undefined;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        return print(usage);
      default:
        process.stderr.write(`figaro: unknown command ${JSON.stringify(command)}\n\n${usage}\n`);
        return ExitCode.usage;
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`figaro: ${err.message}\n`);
      return ExitCode.usage;
    }
    if (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`figaro: ${err.message}\n`);
      return ExitCode.usage;
    }
    throw err;
  }
}

function print(text: string): number {
  process.stdout.write(`${text}\n`);
  return ExitCode.ok;
}
