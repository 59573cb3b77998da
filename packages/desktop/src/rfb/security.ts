import { DesktopAuthError, DesktopError, RfbProtocolError } from '../errors.js';
import type { ByteReader } from './byte-reader.js';
import { vncAuthResponse } from './des.js';
import type { RfbTransport, TlsSessionInfo } from './transport.js';
import { negotiateVeNCrypt, type VeNCryptCredentials } from './vencrypt.js';
import type { RfbVersion } from './version.js';

/** Security type numbers (RFC 6143 §7.1.2 and the IANA registry). */
export const SecurityType = {
  invalid: 0,
  none: 1,
  vncAuth: 2,
  veNCrypt: 19,
  appleRemoteDesktop: 30,
} as const;

/** What the handshake settled on, for logs and tests. */
export interface SecurityInfo {
  /** Security type number (`SecurityType`). */
  type: number;
  /** e.g. `None`, `VncAuth`, `VeNCrypt X509Vnc`. */
  name: string;
  /** Set when the session runs through TLS (VeNCrypt TLS/X509 sub-types). */
  tls?: TlsSessionInfo;
}

/** Credentials and TLS wishes for the security handshake. */
export type SecurityOptions = VeNCryptCredentials;

/**
 * Negotiates a security type and authenticates (RFC 6143 §7.1.2–§7.2). Supported: None, VNC
 * Authentication and VeNCrypt (type 19: TLS and X509 sub-types, with None, VNC or Plain authentication
 * inside). None and VncAuth are preferred when offered; VeNCrypt is used when the server offers nothing
 * else or `requireTls` is set (then nothing without TLS is accepted, so a password never crosses the
 * network in the clear). A refused password or an untrusted certificate raises code `unauthorized`; a
 * server that refuses the session outright (e.g. TigerVNC after too many failures) raises `unavailable`.
 */
export async function negotiateSecurity(
  reader: ByteReader,
  transport: Pick<RfbTransport, 'write' | 'secure' | 'startTls'>,
  version: RfbVersion,
  options: SecurityOptions,
): Promise<SecurityInfo> {
  const canTls = transport.startTls !== undefined;
  let type: number;
  if (version === '3.3') {
    // 3.3: the server decides alone.
    type = await reader.u32();
    if (type === SecurityType.invalid) throw refused(await readReason(reader));
    if (options.requireTls && type !== SecurityType.veNCrypt) throw noTls([type]);
  } else {
    const count = await reader.u8();
    if (count === 0) throw refused(await readReason(reader));
    const offered = [...(await reader.read(count))];
    type = chooseType(offered, options, canTls);
    transport.write(Buffer.from([type]));
  }

  let info: SecurityInfo;
  if (type === SecurityType.none) {
    info = { type, name: 'None' };
  } else if (type === SecurityType.vncAuth) {
    if (options.password === undefined) throw new DesktopAuthError('the VNC server requires a password');
    const challenge = await reader.read(16);
    transport.write(vncAuthResponse(challenge, options.password));
    info = { type, name: 'VncAuth' };
  } else if (type === SecurityType.veNCrypt) {
    const result = await negotiateVeNCrypt(reader, transport, options);
    info = { type, name: `VeNCrypt ${result.name}`, ...(result.tls ? { tls: result.tls } : {}) };
  } else {
    throw new RfbProtocolError(`unsupported security type ${type}`);
  }

  // Before 3.8 a None session has no SecurityResult.
  if (type === SecurityType.none && version !== '3.8') return info;
  const result = await reader.u32();
  if (result === 0) return info;
  const reason = version === '3.8' ? await readReason(reader) : '';
  throw new DesktopAuthError(`VNC authentication failed${reason ? `: ${reason}` : ''}`);
}

function chooseType(offered: number[], options: SecurityOptions, canTls: boolean): number {
  const veNCrypt = offered.includes(SecurityType.veNCrypt) && canTls;
  if (options.requireTls) {
    if (veNCrypt) return SecurityType.veNCrypt;
    throw noTls(offered);
  }
  if (offered.includes(SecurityType.none)) return SecurityType.none;
  if (offered.includes(SecurityType.vncAuth) && options.password !== undefined) return SecurityType.vncAuth;
  if (veNCrypt) return SecurityType.veNCrypt;
  if (offered.includes(SecurityType.vncAuth))
    throw new DesktopAuthError('the VNC server requires a password');
  throw new RfbProtocolError(
    `no supported security type (server offers ${offered.join(', ')}; supported: None, VNC Authentication, VeNCrypt)`,
  );
}

function noTls(offered: number[]): DesktopError {
  return new DesktopError(
    'unavailable',
    `TLS was required but the VNC server does not offer VeNCrypt (it offers security types ${offered.join(', ')})`,
  );
}

async function readReason(reader: ByteReader): Promise<string> {
  const length = await reader.u32();
  // A reason longer than this is not a reason but a broken stream.
  if (length > 65_536) throw new RfbProtocolError(`reason string of ${length} bytes`);
  return (await reader.read(length)).toString('latin1');
}

function refused(reason: string): DesktopError {
  return new DesktopError(
    'unavailable',
    `the VNC server refused the connection: ${reason || 'no reason given'}`,
  );
}
