import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { stopProcess } from './process.js';

/** A private telnet server started by the test kit. */
export interface TelnetdHandle {
  host: string;
  port: number;
  /** `telnet://127.0.0.1:PORT`. */
  url: string;
  /** Sessions started so far (one telnetd process each). */
  readonly sessions: number;
  /** Stops accepting, ends every session's telnetd and resolves when they have exited. */
  stop(): Promise<void>;
}

/** Where Debian's inetutils-telnetd installs the server (`dpkg -L inetutils-telnetd`). */
export const TELNETD_PATH = '/usr/sbin/telnetd';

/**
 * Starts inetutils `telnetd` behind a tiny inetd written in Node: a TCP server on a free 127.0.0.1
 * port that spawns `telnetd -h` per connection with the accepted socket as its stdin and stdout, as
 * inetd would. Logins go through /bin/login against the machine's accounts (see `ensureTestUser`).
 * Needs root, as telnetd's login does.
 */
export async function startTelnetd(options: { telnetd?: string } = {}): Promise<TelnetdHandle> {
  const children = new Set<ChildProcess>();
  let sessions = 0;
  const server: Server = createServer({ pauseOnConnect: true }, (socket) => {
    sessions++;
    const child = spawn(options.telnetd ?? TELNETD_PATH, ['-h'], { stdio: [socket, socket, 'ignore'] });
    children.add(child);
    child.on('error', () => {});
    child.once('exit', () => children.delete(child));
    // The child holds its own copy of the descriptor; ours is no longer needed.
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let stopped: Promise<void> | undefined;
  return {
    host: '127.0.0.1',
    port,
    url: `telnet://127.0.0.1:${port}`,
    get sessions() {
      return sessions;
    },
    stop: () => {
      stopped ??= (async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await Promise.all([...children].map((child) => stopProcess(child, 'SIGTERM', 2_000)));
      })();
      return stopped;
    },
  };
}
