import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { VncServerHandle } from './vnc-server-handle.js';
import { startXvncWith } from './xvnc.js';

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
  const types = options.securityTypes;
  const needsPassword = types.some((type) => type.endsWith('Vnc') || type === 'VncAuth');
  if (needsPassword && options.password === undefined) {
    throw new Error(`startXvncTls: ${types.join(',')} needs a password`);
  }
  let ca: string | undefined;
  const server = await startXvncWith(
    {
      tempPrefix: 'figaro-xvnc-tls-',
      args: async (dir) => {
        const args = ['-SecurityTypes', types.join(',')];
        if (types.some((type) => type.startsWith('X509'))) {
          const cert = join(dir, 'cert.pem');
          const key = join(dir, 'key.pem');
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
        return args;
      },
    },
    options,
  );
  return { ...server, ...(ca !== undefined ? { ca } : {}), securityTypes: types };
}
