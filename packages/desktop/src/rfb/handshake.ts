import { RfbProtocolError } from '../errors.js';
import type { ByteReader } from './byte-reader.js';
import { decodePixelFormat, type PixelFormat } from './pixel-format.js';
import { negotiateSecurity, type SecurityInfo } from './security.js';
import type { VncTlsOptions } from './tls.js';
import type { RfbTransport } from './transport.js';
import { chooseVersion, type RfbVersion, versionMessage } from './version.js';

/** What the server told us during the handshake (ServerInit, RFC 6143 §7.3.2). */
export interface ServerInit {
  version: RfbVersion;
  width: number;
  height: number;
  pixelFormat: PixelFormat;
  name: string;
  /** The security type (and VeNCrypt sub-type and TLS session) in use. */
  security: SecurityInfo;
}

/** Options of the handshake. */
export interface HandshakeOptions {
  /** VNC password; needed only when the server offers VNC Authentication (or VeNCrypt *Vnc) and not None. */
  password?: string;
  /** User name for VeNCrypt's Plain sub-types (TLSPlain, X509Plain; Plain only over wss://). */
  username?: string;
  /**
   * Accept only a TLS-protected session (VeNCrypt TLS or X509 sub-types); fail when the server does not
   * offer one. Default false: None or VncAuth when the server offers them, VeNCrypt when it offers only
   * that. `?tls=1` in a VNC URL sets it.
   */
  requireTls?: boolean;
  /**
   * With `requireTls`, also accept anonymous VeNCrypt TLS (TLSNone/TLSVnc/TLSPlain), which encrypts
   * but does not authenticate the server. `?tls=anon` in a VNC URL sets it. Default false.
   */
  allowAnonymousTls?: boolean;
  /** How the server's certificate is checked for VeNCrypt X509 sub-types (and wss://). */
  tls?: VncTlsOptions;
  /** Ask the server to keep other viewers connected (ClientInit shared-flag). Default true. */
  shared?: boolean;
  /** Highest protocol version to speak. Default 3.8. */
  maxVersion?: RfbVersion;
}

/** Runs the RFB handshake up to and including ServerInit. */
export async function handshake(
  reader: ByteReader,
  transport: Pick<RfbTransport, 'write' | 'secure' | 'startTls'>,
  options: HandshakeOptions = {},
): Promise<ServerInit> {
  const version = chooseVersion(await reader.read(12), options.maxVersion);
  transport.write(versionMessage(version));
  const security = await negotiateSecurity(reader, transport, version, {
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.requireTls !== undefined ? { requireTls: options.requireTls } : {}),
    ...(options.allowAnonymousTls !== undefined ? { allowAnonymousTls: options.allowAnonymousTls } : {}),
    ...(options.tls !== undefined ? { tls: options.tls } : {}),
  });
  transport.write(Buffer.from([options.shared === false ? 0 : 1]));
  const head = await reader.read(24);
  const nameLength = head.readUInt32BE(20);
  if (nameLength > 65_536) throw new RfbProtocolError(`desktop name of ${nameLength} bytes`);
  const name = (await reader.read(nameLength)).toString('utf8');
  return {
    version,
    width: head.readUInt16BE(0),
    height: head.readUInt16BE(2),
    pixelFormat: decodePixelFormat(head.subarray(4, 20)),
    name,
    security,
  };
}
