import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { startProcess, stopProcess } from './process.js';
import { tempDir } from './temp-dir.js';

const run = promisify(execFile);

/** A private sshd started by the test kit. */
export interface SshdHandle {
  host: string;
  port: number;
  /** `ssh://127.0.0.1:PORT`. */
  url: string;
  /** OpenSSH private key (ed25519) that logs in as root. */
  rootPrivateKey: string;
  /** The server's host key fingerprint as OpenSSH prints it: `SHA256:<base64 without padding>`. */
  hostKeyFingerprint: string;
  /** sshd's log so far (`-e`), for error messages. */
  output(): string;
  /** Stops sshd and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options of `startSshd`. */
export interface SshdOptions {
  /** Users who may log in with a password (they must exist and have one, see `ensureTestUser`). */
  passwordUsers?: string[];
  /** Start with this host key (OpenSSH private key) instead of a fresh one, e.g. to test pinning. */
  hostKey?: string;
}

/**
 * Starts a private OpenSSH server (`/usr/sbin/sshd -D -e -f CONFIG`) on a free 127.0.0.1 port, with
 * its own host key, PID file and authorized keys in a temp folder. Root logs in with the generated key;
 * `passwordUsers` with their passwords (no PAM: sshd checks /etc/shadow itself). Needs root (sshd
 * refuses to run otherwise) and creates `/run/sshd` (its privilege-separation folder) when missing.
 * Ready once sshd logs "Server listening", with no sleep.
 */
export async function startSshd(options: SshdOptions = {}): Promise<SshdHandle> {
  const dir = await tempDir('figaro-sshd-');
  try {
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    const hostKeyFile = join(dir.path, 'host_ed25519');
    const clientKeyFile = join(dir.path, 'client_ed25519');
    if (options.hostKey !== undefined) await writeFile(hostKeyFile, options.hostKey, { mode: 0o600 });
    else
      await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'figaro-test-host', '-f', hostKeyFile]);
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'figaro-test-root', '-f', clientKeyFile]);
    const authorizedKeys = join(dir.path, 'authorized_keys');
    await writeFile(authorizedKeys, await readFile(`${clientKeyFile}.pub`), { mode: 0o600 });
    const fingerprint = (await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', hostKeyFile])).stdout.split(
      ' ',
    )[1];
    const port = await freePort();
    const passwordUsers = options.passwordUsers ?? [];
    const config = join(dir.path, 'sshd_config');
    await writeFile(
      config,
      [
        `ListenAddress 127.0.0.1:${port}`,
        `HostKey ${hostKeyFile}`,
        `PidFile ${join(dir.path, 'sshd.pid')}`,
        `AuthorizedKeysFile ${authorizedKeys}`,
        'UsePAM no',
        'StrictModes no',
        'PermitRootLogin prohibit-password',
        'PubkeyAuthentication yes',
        `PasswordAuthentication ${passwordUsers.length > 0 ? 'yes' : 'no'}`,
        'KbdInteractiveAuthentication no',
        'PermitEmptyPasswords no',
        `AllowUsers root ${passwordUsers.join(' ')}`.trim(),
        'MaxAuthTries 3',
        'LoginGraceTime 20',
        'UseDNS no',
        'PrintMotd no',
        'LogLevel INFO',
        'Subsystem sftp internal-sftp',
        '',
      ].join('\n'),
    );
    const sshd = startProcess('/usr/sbin/sshd', ['-D', '-e', '-f', config]);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error('sshd not listening after 10 s')), 10_000);
      const check = () => {
        if (/Server listening on/.test(sshd.output())) done();
      };
      const onExit = (code: number | null) => fail(new Error(`sshd exited with ${code}`));
      const done = () => {
        clearTimeout(timer);
        sshd.child.stderr?.off('data', onData);
        sshd.child.off('exit', onExit);
        resolve();
      };
      const fail = (err: Error) => {
        clearTimeout(timer);
        sshd.child.stderr?.off('data', onData);
        sshd.child.off('exit', onExit);
        sshd.child.kill('SIGKILL');
        reject(new Error(`${err.message}:\n${sshd.output()}`));
      };
      const onData = () => setImmediate(check);
      sshd.child.stderr?.on('data', onData);
      sshd.child.once('exit', onExit);
      check();
    });
    let stopped: Promise<void> | undefined;
    return {
      host: '127.0.0.1',
      port,
      url: `ssh://127.0.0.1:${port}`,
      rootPrivateKey: await readFile(clientKeyFile, 'utf8'),
      hostKeyFingerprint: fingerprint ?? '',
      output: sshd.output,
      stop: () => {
        stopped ??= stopProcess(sshd.child).then(() => dir.remove());
        return stopped;
      },
    };
  } catch (err) {
    await dir.remove();
    throw err;
  }
}
