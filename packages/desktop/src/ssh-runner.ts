import { createHash } from 'node:crypto';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { DesktopError } from './errors.js';

/**
 * Remembers the host key seen first for each `host:port` (trust on first use). The orchestrator backs
 * it with the store; `MemoryHostKeyStore` serves one process and tests.
 */
export interface HostKeyStore {
  /** The pinned fingerprint (`SHA256:…`), or undefined before the first connection. */
  get(hostPort: string): Promise<string | undefined>;
  set(hostPort: string, fingerprint: string): Promise<void>;
}

/** A `HostKeyStore` in memory: pins last as long as the object. */
export class MemoryHostKeyStore implements HostKeyStore {
  private readonly pins = new Map<string, string>();

  async get(hostPort: string): Promise<string | undefined> {
    return this.pins.get(hostPort);
  }

  async set(hostPort: string, fingerprint: string): Promise<void> {
    this.pins.set(hostPort, fingerprint);
  }
}

/** Options of `runSshCommand`. */
export interface SshCommandOptions {
  host: string;
  /** Default 22. */
  port?: number;
  username: string;
  /** Password authentication; never appears in errors or logs. */
  password?: string;
  /** OpenSSH or PEM private key for key authentication (tried before the password). */
  privateKey?: string | Buffer;
  passphrase?: string;
  command: string;
  /** Milliseconds the command may run once started; default 30 000. The command is then killed. */
  timeoutMs?: number;
  /** Milliseconds for TCP connect plus the SSH handshake and authentication; default 10 000. */
  connectTimeoutMs?: number;
  /**
   * Host key pins. The first connection to a `host:port` records its key; a later different key fails
   * with `unauthorized` ("host key changed"). Without a store every host key is accepted.
   */
  hostKeys?: HostKeyStore;
  /** Bytes kept of stdout and of stderr each (the rest is dropped, with a note); default 1 MiB. */
  maxOutputBytes?: number;
}

/** What `figaro.api.ssh` replies. */
export interface SshCommandResult {
  stdout: string;
  stderr: string;
  /** The command's exit status; null when it was ended by a signal. */
  exit_code: number | null;
}

/** Where an `ssh://` desktop is and who logs in. */
export interface SshEndpoint {
  host: string;
  port: number;
  username?: string;
  password?: string;
}

/** Parses `ssh://[user[:password]@]host[:port]` (port default 22). */
export function parseSshUrl(url: string): SshEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new DesktopError('invalid_request', 'invalid SSH URL', { cause: err });
  }
  if (parsed.protocol !== 'ssh:')
    throw new DesktopError('invalid_request', `not an ssh:// URL (${parsed.protocol})`);
  if (!parsed.hostname) throw new DesktopError('invalid_request', 'SSH URL has no host');
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : 22,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
  };
}

/** The OpenSSH fingerprint of a raw public host key: `SHA256:` and unpadded base64. */
export function sshFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Connects, authenticates, runs one command and disconnects. Errors are `DesktopError`s:
 * `unauthorized` (credentials refused, or the host key differs from the pinned one), `unavailable`
 * (unreachable, refused, connection lost), `timeout` (connect/handshake or the command ran too long).
 * Messages never contain the password.
 */
export async function runSshCommand(options: SshCommandOptions): Promise<SshCommandResult> {
  if (options.password === undefined && options.privateKey === undefined)
    throw new DesktopError('invalid_request', 'SSH needs a password or a private key');
  const port = options.port ?? 22;
  const where = `${options.host}:${port}`;
  const client = new Client();
  let hostKeyProblem: DesktopError | undefined;
  try {
    await connect(client, {
      host: options.host,
      port,
      username: options.username,
      ...(options.password !== undefined ? { password: options.password } : {}),
      ...(options.privateKey !== undefined ? { privateKey: options.privateKey } : {}),
      ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}),
      readyTimeout: options.connectTimeoutMs ?? 10_000,
      keepaliveInterval: 0,
      hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
        verifyHostKey(options.hostKeys, where, key).then(
          () => verify(true),
          (err: unknown) => {
            hostKeyProblem =
              err instanceof DesktopError
                ? err
                : new DesktopError('unavailable', `host key check failed for ${where}`, { cause: err });
            verify(false);
          },
        );
      },
    }).catch((err: unknown) => {
      throw hostKeyProblem ?? connectError(err, where, options.username);
    });
    return await exec(
      client,
      options.command,
      options.timeoutMs ?? 30_000,
      options.maxOutputBytes ?? 1 << 20,
      where,
    );
  } finally {
    client.end();
  }
}

async function verifyHostKey(store: HostKeyStore | undefined, where: string, key: Buffer): Promise<void> {
  if (!store) return;
  const seen = sshFingerprint(key);
  const pinned = await store.get(where);
  if (pinned === undefined) await store.set(where, seen);
  else if (pinned !== seen)
    throw new DesktopError(
      'unauthorized',
      `host key changed for ${where} (pinned ${pinned}, offered ${seen}); refusing to connect`,
    );
}

function connect(client: Client, config: ConnectConfig): Promise<void> {
  // ssh2 may emit more than one error (e.g. "Connection lost before handshake" after a timeout):
  // this sink keeps later ones from crashing the process; the first one settles the promise below.
  client.on('error', () => {});
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      client.off('ready', onReady);
      reject(err);
    };
    const onReady = () => {
      client.off('error', onError);
      resolve();
    };
    client.once('ready', onReady);
    client.once('error', onError);
    client.connect(config);
  });
}

function connectError(err: unknown, where: string, username: string): DesktopError {
  const level = typeof err === 'object' && err !== null && 'level' in err ? String(err.level) : '';
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  const detail = err instanceof Error ? err.message : String(err);
  if (level === 'client-authentication')
    return new DesktopError('unauthorized', `SSH authentication failed for ${username}@${where}`, {
      cause: err,
    });
  if (level === 'client-timeout' || code === 'ETIMEDOUT')
    return new DesktopError('timeout', `SSH connection to ${where} timed out`, { cause: err });
  return new DesktopError('unavailable', `cannot reach SSH server ${where}: ${detail}`, { cause: err });
}

function exec(
  client: Client,
  command: string,
  timeoutMs: number,
  maxBytes: number,
  where: string,
): Promise<SshCommandResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream: ClientChannel) => {
      if (err) {
        reject(
          new DesktopError('unavailable', `SSH server ${where} refused the command: ${err.message}`, {
            cause: err,
          }),
        );
        return;
      }
      const stdout = new Capped(maxBytes);
      const stderr = new Capped(maxBytes);
      let exitCode: number | null = null;
      const timer = setTimeout(() => {
        stream.signal('KILL');
        stream.close();
        reject(new DesktopError('timeout', `SSH command on ${where} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      stream.on('data', (chunk: Buffer) => stdout.push(chunk));
      stream.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      stream.on('exit', (code: number | null) => {
        exitCode = typeof code === 'number' ? code : null;
      });
      stream.on('close', () => {
        clearTimeout(timer);
        resolve({ stdout: stdout.text(), stderr: stderr.text(), exit_code: exitCode });
      });
      client.once('close', () => {
        clearTimeout(timer);
        reject(new DesktopError('unavailable', `SSH connection to ${where} closed during the command`));
      });
    });
  });
}

/** Keeps at most `max` bytes of a stream, noting how much was dropped. */
class Capped {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private dropped = 0;

  constructor(private readonly max: number) {}

  push(chunk: Buffer): void {
    const room = this.max - this.kept;
    if (room > 0) this.chunks.push(chunk.subarray(0, room));
    this.kept += Math.min(room, chunk.length);
    this.dropped += Math.max(0, chunk.length - Math.max(room, 0));
  }

  text(): string {
    const text = Buffer.concat(this.chunks).toString('utf8');
    return this.dropped > 0 ? `${text}\n[${this.dropped} more bytes dropped]` : text;
  }
}
