import { runCli } from './cli.js';

runCli(process.argv.slice(2), process.env).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`figaro: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
