import { RfbProtocolError } from '../errors.js';
import type { ByteReader } from './byte-reader.js';
import { decodePixelFormat, type PixelFormat } from './pixel-format.js';
import { negotiateSecurity } from './security.js';
import { chooseVersion, type RfbVersion, versionMessage } from './version.js';

/** What the server told us during the handshake (ServerInit, RFC 6143 §7.3.2). */
export interface ServerInit {
  version: RfbVersion;
  width: number;
  height: number;
  pixelFormat: PixelFormat;
  name: string;
}

/** Options of the handshake. */
export interface HandshakeOptions {
  /** VNC password; needed only when the server offers VNC Authentication and not None. */
  password?: string;
  /** Ask the server to keep other viewers connected (ClientInit shared-flag). Default true. */
  shared?: boolean;
  /** Highest protocol version to speak. Default 3.8. */
  maxVersion?: RfbVersion;
}

/** Runs the RFB handshake up to and including ServerInit. */
export async function handshake(
  reader: ByteReader,
  write: (data: Buffer) => void,
  options: HandshakeOptions = {},
): Promise<ServerInit> {
  const version = chooseVersion(await reader.read(12), options.maxVersion);
  write(versionMessage(version));
  await negotiateSecurity(reader, write, version, options.password);
  write(Buffer.from([options.shared === false ? 0 : 1]));
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
  };
}
