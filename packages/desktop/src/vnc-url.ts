import { DesktopError } from './errors.js';

/** Where a VNC desktop is and how to log in. */
export interface VncEndpoint {
  host: string;
  port: number;
  password?: string;
}

/**
 * Parses `vnc://[:password@]host[:port]` (port default 5900). A password in the URL is
 * percent-decoded; prefer passing it separately so it stays out of logs.
 */
export function parseVncUrl(url: string): VncEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new DesktopError('invalid_request', 'invalid VNC URL', { cause: err });
  }
  if (parsed.protocol !== 'vnc:')
    throw new DesktopError('invalid_request', `not a vnc:// URL (${parsed.protocol})`);
  if (!parsed.hostname) throw new DesktopError('invalid_request', 'VNC URL has no host');
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = parsed.port ? Number(parsed.port) : 5900;
  const password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  return password !== undefined ? { host, port, password } : { host, port };
}
