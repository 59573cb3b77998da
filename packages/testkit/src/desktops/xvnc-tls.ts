import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitForPort } from '../free-port.js';
import { stopProcess } from '../process.js';
import { tempDir } from '../temp-dir.js';
import { writeTigerVncPasswordFile } from './vnc-password.js';
import type { VncServerHandle } from './vnc-server-handle.js';
import { startXServer, xEnv } from './x-display.js';

const run = promisify(execFile);

/** TigerVNC security types that run through TLS (VeNCrypt sub-types), plus the plain ones to mix in. */
export type XvncTlsSecurityType = 'X509Vnc' | 'X509None' | 'TLSVnc' | 'TLSNone' | 'VncAuth' | 'None';

/** Options of `startXvncTls`. */
export interface XvncTlsOptions {
  /** `-SecurityTypes`, in the server's order of preference, e.g. `['X509Vnc']` or `['TLSVnc', 'VncAuth']`. */
  securityTypes: readonly XvncTlsSecurityType[];
  /** VNC password; required when a type ending in `Vnc` (or VncAuth) is listed. */
  password?: string;
  /** Screen size in pixels; default 1280×800. */
  size?: { width: number; height: number };
}

/** An Xvnc with TLS security types; `ca` is set when an X509 type is listed. */
export interface XvncTlsHandle extends VncServerHandle {
  /** The server's self-signed certificate (PEM, CN and subjectAltName IP 127.0.0.1): the CA to trust. */
  ca?: string;
  securityTypes: readonly XvncTlsSecurityType[];
}

/**
 * Starts TigerVNC's Xvnc offering VeNCrypt: X509 sub-types with a self-signed certificate for 127.0.0.1
 * made by `openssl req -x509` in the fixture's temp folder (valid 2 days), and/or the anonymous-TLS
 * sub-types. Bound to 127.0.0.1 on a free port. Mind that Xvnc refuses every connection for ~10 s
 * after 5 failed logins.
 */
export async function startXvncTls(options: XvncTlsOptions): Promise<XvncTlsHandle> {
  const { width, height } = options.size ?? { width: 1280, height: 800 };
  const types = options.securityTypes;
  const needsPassword = types.some((type) => type.endsWith('Vnc') || type === 'VncAuth');
  if (needsPassword && options.password === undefined) {
    throw new Error(`startXvncTls: ${types.join(',')} needs a password`);
  }
  const dir = await tempDir('figaro-xvnc-tls-');
  try {
    const args = ['-SecurityTypes', types.join(',')];
    let ca: string | undefined;
    if (types.some((type) => type.startsWith('X509'))) {
      const cert = join(dir.path, 'cert.pem');
      const key = join(dir.path, 'key.pem');
      await run('openssl', [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-days',
        '2',
        '-keyout',
        key,
        '-out',
        cert,
      ]);
      ca = await readFile(cert, 'utf8');
      args.push('-X509Cert', cert, '-X509Key', key);
    }
    if (options.password !== undefined) {
      const file = join(dir.path, 'passwd');
      await writeTigerVncPasswordFile(options.password, file);
      args.push('-PasswordFile', file);
    }
    const port = await freePort();
    const server = await startXServer('Xvnc', () => [
      '-geometry',
      `${width}x${height}`,
      '-depth',
      '24',
      '-rfbport',
      String(port),
      '-localhost',
      '-interface',
      '127.0.0.1',
      '-nolisten',
      'tcp',
      '-AlwaysShared',
      ...args,
    ]);
    try {
      await waitForPort(port);
    } catch (err) {
      await stopProcess(server.child);
      throw new Error(`Xvnc did not listen on ${port}: ${server.output()}`, { cause: err });
    }
    const display = `:${server.number}`;
    let stopped: Promise<void> | undefined;
    return {
      display,
      port,
      url: `vnc://127.0.0.1:${port}`,
      ...(options.password !== undefined ? { password: options.password } : {}),
      ...(ca !== undefined ? { ca } : {}),
      securityTypes: types,
      width,
      height,
      env: xEnv(display),
      stop: () => {
        stopped ??= stopProcess(server.child).then(() => dir.remove());
        return stopped;
      },
    };
  } catch (err) {
    await dir.remove();
    throw err;
  }
}
