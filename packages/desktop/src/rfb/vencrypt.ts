import { DesktopAuthError, DesktopError, RfbProtocolError } from '../errors.js';
import type { ByteReader } from './byte-reader.js';
import { vncAuthResponse } from './des.js';
import { anonymousTlsOptions, tlsFailure, type VncTlsOptions, x509TlsOptions } from './tls.js';
import type { RfbTransport, TlsSessionInfo } from './transport.js';

/** VeNCrypt sub-types (security type 19, version 0.2). */
export const VeNCryptSubType = {
  plain: 256,
  tlsNone: 257,
  tlsVnc: 258,
  tlsPlain: 259,
  x509None: 260,
  x509Vnc: 261,
  x509Plain: 262,
} as const;

const NAMES: Readonly<Record<number, string>> = {
  256: 'Plain',
  257: 'TLSNone',
  258: 'TLSVnc',
  259: 'TLSPlain',
  260: 'X509None',
  261: 'X509Vnc',
  262: 'X509Plain',
};

/**
 * Preference among the sub-types offered: a verified certificate before anonymous TLS, and within each
 * no password before a VNC password before user name and password (as None before VncAuth outside).
 * Plain (no TLS) comes last and only over an already encrypted transport (wss://).
 */
const PREFERENCE = [
  VeNCryptSubType.x509None,
  VeNCryptSubType.x509Vnc,
  VeNCryptSubType.x509Plain,
  VeNCryptSubType.tlsNone,
  VeNCryptSubType.tlsVnc,
  VeNCryptSubType.tlsPlain,
  VeNCryptSubType.plain,
] as const;

/** What the client may use inside VeNCrypt. */
export interface VeNCryptCredentials {
  password?: string;
  username?: string;
  /**
   * Only TLS sub-types with a verified certificate (X509None, X509Vnc, X509Plain): set when the URL
   * asks for TLS (`?tls=1`). Anonymous TLS (TLSNone, TLSVnc, TLSPlain) authenticates no server, so a
   * man in the middle could read the password; it is refused unless `allowAnonymousTls` is set too.
   */
  requireTls?: boolean;
  /** With `requireTls`, also accept anonymous TLS sub-types (`?tls=anon`). */
  allowAnonymousTls?: boolean;
  tls?: VncTlsOptions;
}

/** The sub-type chosen and, for TLS sub-types, what TLS negotiated. */
export interface VeNCryptResult {
  subType: number;
  name: string;
  tls?: TlsSessionInfo;
}

/** The name of a VeNCrypt sub-type, e.g. `X509Vnc`. */
function veNCryptName(subType: number): string {
  return NAMES[subType] ?? `sub-type ${subType}`;
}

/**
 * Runs VeNCrypt 0.2 after security type 19 was agreed: version, sub-type choice, TLS upgrade of the
 * transport for TLS and X509 sub-types, then the inner authentication. The SecurityResult that follows
 * is the caller's to read (it arrives through TLS).
 */
export async function negotiateVeNCrypt(
  reader: ByteReader,
  transport: Pick<RfbTransport, 'write' | 'secure' | 'startTls'>,
  credentials: VeNCryptCredentials,
): Promise<VeNCryptResult> {
  const [major, minor] = await reader.read(2);
  if (major !== 0 || minor === undefined || minor < 2) {
    throw new RfbProtocolError(`VeNCrypt ${major}.${minor} is not supported (need 0.2)`);
  }
  transport.write(Buffer.from([0, 2]));
  if ((await reader.u8()) !== 0) throw new RfbProtocolError('the VNC server refused VeNCrypt 0.2');
  const count = await reader.u8();
  if (count === 0) throw new DesktopError('unavailable', 'the VNC server offers no VeNCrypt sub-type');
  const raw = await reader.read(count * 4);
  const offered = Array.from({ length: count }, (_, i) => raw.readUInt32BE(i * 4));
  const subType = chooseSubType(offered, credentials, transport.secure === true);
  const chosen = Buffer.alloc(4);
  chosen.writeUInt32BE(subType);
  transport.write(chosen);

  let tls: TlsSessionInfo | undefined;
  if (subType !== VeNCryptSubType.plain) {
    if ((await reader.u8()) !== 1) throw new RfbProtocolError('the VNC server could not start TLS');
    if (reader.available > 0) throw new RfbProtocolError('the VNC server sent data before the TLS handshake');
    if (!transport.startTls) throw new RfbProtocolError('this transport cannot start TLS');
    const anonymous = isAnonymous(subType);
    try {
      tls = await transport.startTls(anonymous ? anonymousTlsOptions() : x509TlsOptions(credentials.tls));
    } catch (err) {
      throw tlsFailure(err);
    }
  }

  if (subType === VeNCryptSubType.tlsVnc || subType === VeNCryptSubType.x509Vnc) {
    const challenge = await reader.read(16);
    transport.write(vncAuthResponse(challenge, credentials.password ?? ''));
  } else if (needsUsername(subType)) {
    const username = Buffer.from(credentials.username ?? '', 'utf8');
    const password = Buffer.from(credentials.password ?? '', 'utf8');
    const head = Buffer.alloc(8);
    head.writeUInt32BE(username.length, 0);
    head.writeUInt32BE(password.length, 4);
    transport.write(Buffer.concat([head, username, password]));
  }
  return { subType, name: veNCryptName(subType), ...(tls ? { tls } : {}) };
}

/** TLS without a certificate (anonymous Diffie-Hellman): encrypted, but the server is not authenticated. */
function isAnonymous(subType: number): boolean {
  return subType >= VeNCryptSubType.tlsNone && subType <= VeNCryptSubType.tlsPlain;
}

function needsUsername(subType: number): boolean {
  return (
    subType === VeNCryptSubType.plain ||
    subType === VeNCryptSubType.tlsPlain ||
    subType === VeNCryptSubType.x509Plain
  );
}

function chooseSubType(
  offered: number[],
  credentials: VeNCryptCredentials,
  secureTransport: boolean,
): number {
  let missing: string | undefined;
  const refuseAnonymous = credentials.requireTls === true && credentials.allowAnonymousTls !== true;
  for (const subType of PREFERENCE) {
    if (!offered.includes(subType)) continue;
    if (subType === VeNCryptSubType.plain && (credentials.requireTls || !secureTransport)) continue;
    if (refuseAnonymous && isAnonymous(subType)) continue;
    if (needsUsername(subType)) {
      if (credentials.username === undefined || credentials.password === undefined) {
        missing ??= 'a user name and password';
        continue;
      }
    } else if (subType === VeNCryptSubType.tlsVnc || subType === VeNCryptSubType.x509Vnc) {
      if (credentials.password === undefined) {
        missing ??= 'a password';
        continue;
      }
    }
    return subType;
  }
  if (missing) throw new DesktopAuthError(`the VNC server requires ${missing}`);
  if (refuseAnonymous && offered.some(isAnonymous)) {
    throw new DesktopError(
      'unavailable',
      `TLS with a verified certificate was required (?tls=1) but the VNC server offers only ${offered.map(veNCryptName).join(', ')}: anonymous TLS does not authenticate the server, so a man in the middle could read the password. Configure the server for X509 (e.g. -SecurityTypes X509Vnc), or accept the risk with ?tls=anon`,
    );
  }
  throw new RfbProtocolError(
    `no supported VeNCrypt sub-type (server offers ${offered.map(veNCryptName).join(', ')}; supported: ${PREFERENCE.map(veNCryptName).join(', ')}${secureTransport ? '' : ', Plain only over wss://'})`,
  );
}
