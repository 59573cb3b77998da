import type { ClientFlags } from '../config/client-config.js';

/** Where a command reads and writes; `processIo()` in production, something else in tests. */
export interface CliIo {
  /** Writes to standard output (results: what the user asked for). */
  out(text: string): void;
  /** Writes to standard error (progress hints, errors). */
  err(text: string): void;
  /** Standard input, for secrets (`--password-stdin`). */
  stdin: NodeJS.ReadStream;
  /**
   * Calls `handler` on Ctrl-C (SIGINT) instead of the default exit, until the returned function is
   * called.
   */
  onInterrupt(handler: () => void): () => void;
}

/** What every command gets: its environment and its I/O. */
export interface CommandContext {
  env: NodeJS.ProcessEnv;
  io: CliIo;
  /** For commands with `usesServer`: the `--url` and `--data-dir` given on the command line. */
  client?: ClientFlags;
}

/** A command of the `figaro` binary. */
export interface Command {
  /** Shown by `figaro <command> --help` and on a usage error. */
  readonly usage: string;
  /** Talks to a Figaro server: takes `--url URL` and `--data-dir DIR` anywhere among its arguments. */
  readonly usesServer?: boolean;
  /** Runs with the arguments after the command's name; resolves with the exit code. */
  run(argv: string[], ctx: CommandContext): Promise<number>;
}

/** The command line is wrong (missing argument, bad value). The CLI exits 2 on it. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The process's own standard streams and signals. */
export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    stdin: process.stdin,
    onInterrupt: (handler) => {
      process.on('SIGINT', handler);
      return () => process.off('SIGINT', handler);
    },
  };
}

/** The command could not do its work (not a usage problem). The CLI prints the message and exits 1. */
export class CommandFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandFailed';
  }
}
