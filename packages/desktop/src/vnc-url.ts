import { DesktopError } from './errors.js';

/** How the RFB byte stream reaches the server. */
export type VncTransportKind = 'tcp' | 'ws' | 'wss';

/** Where a VNC desktop is and how to log in. */
export interface VncEndpoint {
  /** `tcp` for vnc://, `ws`/`wss` for RFB over a websockify-compatible WebSocket. */
  transport: VncTransportKind;
  host: string;
  port: number;
  /** For ws/wss: the URL to open, without user name, password or the `tls` option. */
  wsUrl?: string;
  /**
   * True when the URL asks for TLS (`?tls=1` or `?tls=anon`): only VeNCrypt TLS sub-types are accepted,
   * and (unless `allowAnonymousTls`) only X509 ones, whose certificate is verified.
   */
  requireTls: boolean;
  /** True for `?tls=anon`: anonymous TLS (TLSNone/TLSVnc/TLSPlain) is accepted too. */
  allowAnonymousTls: boolean;
  /** User name from the URL (VeNCrypt Plain sub-types only). */
  username?: string;
  password?: string;
}

const DEFAULT_PORTS: Readonly<Record<VncTransportKind, number>> = { tcp: 5900, ws: 80, wss: 443 };
const YES = new Set(['1', 'true', 'yes', 'on', 'require']);
const ANONYMOUS = new Set(['anon', 'anonymous']);
const NO = new Set(['0', 'false', 'no', 'off']);

/**
 * Parses a VNC address:
 * - `vnc://[[user]:password@]host[:port]` — RFB over TCP (port default 5900);
 * - `ws://…` / `wss://…` (default ports 80/443, path and other query kept, e.g.
 *   `wss://gw.example/websockify?token=t`) — RFB over a websockify-compatible WebSocket.
 *
 * The option `?tls=1` (also `true`, `yes`, `require`) asks for TLS inside RFB: only VeNCrypt's X509
 * sub-types (certificate verified against `tls.ca` or the system CAs) are accepted and the connection
 * fails when the server offers none, before any password is sent. `?tls=anon` also accepts anonymous
 * TLS (TLSNone/TLSVnc/TLSPlain): it encrypts against eavesdroppers but authenticates no server, so a man
 * in the middle can read the password; use it only on networks where that is acceptable. Without the
 * option the client prefers None or VncAuth and uses VeNCrypt (any sub-type) only when the server
 * requires it.
 *
 * A password in the URL is percent-decoded; prefer passing it separately so it stays out of logs. It is
 * never sent as HTTP credentials to a WebSocket server.
 */
export function parseVncUrl(url: string): VncEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new DesktopError('invalid_request', 'invalid VNC URL', { cause: err });
  }
  const transport = transportOf(parsed.protocol);
  if (!transport)
    throw new DesktopError('invalid_request', `not a vnc://, ws:// or wss:// URL (${parsed.protocol})`);
  if (!parsed.hostname) throw new DesktopError('invalid_request', 'VNC URL has no host');
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = parsed.port ? Number(parsed.port) : DEFAULT_PORTS[transport];
  const password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  const username = parsed.username ? decodeURIComponent(parsed.username) : undefined;
  const tls = parseTlsOption(parsed.searchParams.get('tls'));
  const endpoint: VncEndpoint = {
    transport,
    host,
    port,
    requireTls: tls !== 'off',
    allowAnonymousTls: tls === 'anonymous',
  };
  if (transport !== 'tcp') {
    const clean = new URL(parsed.href);
    clean.username = '';
    clean.password = '';
    clean.hash = '';
    clean.searchParams.delete('tls');
    endpoint.wsUrl = clean.href;
  }
  if (username !== undefined) endpoint.username = username;
  if (password !== undefined) endpoint.password = password;
  return endpoint;
}

function transportOf(protocol: string): VncTransportKind | undefined {
  if (protocol === 'vnc:') return 'tcp';
  if (protocol === 'ws:') return 'ws';
  if (protocol === 'wss:') return 'wss';
  return undefined;
}

function parseTlsOption(value: string | null): 'off' | 'verified' | 'anonymous' {
  if (value === null) return 'off';
  const lower = value.toLowerCase();
  if (value === '' || YES.has(lower)) return 'verified';
  if (ANONYMOUS.has(lower)) return 'anonymous';
  if (NO.has(lower)) return 'off';
  throw new DesktopError(
    'invalid_request',
    `VNC URL option tls=${value} is not one of 1, 0, true, false, anon`,
  );
}
