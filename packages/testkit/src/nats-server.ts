import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, waitForPort } from './free-port.js';
import { startProcess, stopProcess } from './process.js';
import { tempDir } from './temp-dir.js';

export interface NatsServerHandle {
  url: string;
  port: number;
  /** Stops the server (SIGTERM) and removes its store folder. */
  stop(): Promise<void>;
  /** Stops the server without removing its store, so that `restart()` finds its streams again. */
  kill(): Promise<void>;
  restart(): Promise<void>;
}

/** Starts a private nats-server with JetStream on a free port (never the machine's own server). */
export async function startNatsServer(
  options: { maxPayload?: number; users?: Array<{ user: string; password: string }> } = {},
): Promise<NatsServerHandle> {
  const dir = await tempDir('figaro-nats-');
  const port = await freePort();
  const config = join(dir.path, 'nats.conf');
  await writeFile(
    config,
    [
      `listen: "127.0.0.1:${port}"`,
      `max_payload: ${options.maxPayload ?? 1_048_576}`,
      `jetstream { store_dir: "${join(dir.path, 'js')}" }`,
      ...(options.users
        ? [
            `authorization { users: [${options.users
              .map((u) => `{ user: ${JSON.stringify(u.user)}, password: ${JSON.stringify(u.password)} }`)
              .join(', ')}] }`,
          ]
        : []),
      '',
    ].join('\n'),
  );
  let current: { child: ChildProcess; output(): string } | undefined;
  const start = async () => {
    current = startProcess('nats-server', ['-c', config]);
    try {
      await waitForPort(port);
    } catch (err) {
      throw new Error(`nats-server did not start: ${current.output()}`, { cause: err });
    }
  };
  await start();
  const kill = async () => {
    if (current) await stopProcess(current.child);
    current = undefined;
  };
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    kill,
    restart: async () => {
      await kill();
      await start();
    },
    stop: async () => {
      await kill();
      await dir.remove();
    },
  };
}
