import { DesktopAuthError, DesktopError, RfbProtocolError } from '../errors.js';
import type { ByteReader } from './byte-reader.js';
import { vncAuthResponse } from './des.js';
import type { RfbVersion } from './version.js';

/** Security type numbers (RFC 6143 §7.1.2 and the IANA registry). */
export const SecurityType = {
  invalid: 0,
  none: 1,
  vncAuth: 2,
  veNCrypt: 19,
  appleRemoteDesktop: 30,
} as const;

type Write = (data: Buffer) => void;

/**
 * Negotiates a security type and authenticates (RFC 6143 §7.1.2–§7.2). Supported: None and VNC
 * Authentication. A refused password raises `DesktopAuthError` (code `unauthorized`); a server that
 * refuses the session outright (e.g. TigerVNC after too many failures) raises code `unavailable`.
 */
export async function negotiateSecurity(
  reader: ByteReader,
  write: Write,
  version: RfbVersion,
  password: string | undefined,
): Promise<void> {
  let type: number;
  if (version === '3.3') {
    // 3.3: the server decides alone.
    type = await reader.u32();
    if (type === SecurityType.invalid) throw refused(await readReason(reader));
  } else {
    const count = await reader.u8();
    if (count === 0) throw refused(await readReason(reader));
    const offered = [...(await reader.read(count))];
    type = chooseType(offered, password);
    write(Buffer.from([type]));
  }

  if (type === SecurityType.vncAuth) {
    if (password === undefined) throw new DesktopAuthError('the VNC server requires a password');
    const challenge = await reader.read(16);
    write(vncAuthResponse(challenge, password));
  } else if (type !== SecurityType.none) {
    throw new RfbProtocolError(`unsupported security type ${type}`);
  }

  // Before 3.8 a None session has no SecurityResult.
  if (type === SecurityType.none && version !== '3.8') return;
  const result = await reader.u32();
  if (result === 0) return;
  const reason = version === '3.8' ? await readReason(reader) : '';
  throw new DesktopAuthError(`VNC authentication failed${reason ? `: ${reason}` : ''}`);
}

function chooseType(offered: number[], password: string | undefined): number {
  if (offered.includes(SecurityType.none)) return SecurityType.none;
  if (offered.includes(SecurityType.vncAuth)) {
    if (password === undefined) throw new DesktopAuthError('the VNC server requires a password');
    return SecurityType.vncAuth;
  }
  throw new RfbProtocolError(
    `no supported security type (server offers ${offered.join(', ')}; supported: None, VNC Authentication)`,
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
