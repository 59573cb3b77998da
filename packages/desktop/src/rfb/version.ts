import { RfbProtocolError } from '../errors.js';

/** Protocol versions this client speaks. */
export const RfbVersion = { v3_3: '3.3', v3_7: '3.7', v3_8: '3.8' } as const;
export type RfbVersion = (typeof RfbVersion)[keyof typeof RfbVersion];

const ORDER: readonly RfbVersion[] = ['3.3', '3.7', '3.8'];

/**
 * Picks the version to speak from the server's ProtocolVersion message (RFC 6143 §7.1.1): the highest
 * version both sides know, at most `max`. Nonstandard minors (3.4/3.6 from UltraVNC, 3.5) are treated
 * as 3.3 as the RFC asks; Apple's 3.889 is a 3.8 server.
 */
export function chooseVersion(serverMessage: Buffer, max: RfbVersion = '3.8'): RfbVersion {
  const match = /^RFB (\d{3})\.(\d{3})\n$/.exec(serverMessage.toString('latin1'));
  if (!match) throw new RfbProtocolError('not an RFB server (bad ProtocolVersion message)');
  const major = Number(match[1]);
  const minor = Number(match[2]);
  if (major < 3 || (major === 3 && minor < 3)) throw new RfbProtocolError(`RFB ${major}.${minor} is too old`);
  let server: RfbVersion = '3.3';
  if (major > 3 || minor >= 8) server = '3.8';
  else if (minor === 7) server = '3.7';
  return ORDER[Math.min(ORDER.indexOf(server), ORDER.indexOf(max))] as RfbVersion;
}

export function versionMessage(version: RfbVersion): Buffer {
  return Buffer.from(`RFB 003.00${version.slice(2)}\n`, 'latin1');
}
