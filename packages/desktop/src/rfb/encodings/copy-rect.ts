import type { ByteReader } from '../byte-reader.js';
import type { Framebuffer } from '../framebuffer.js';
import type { Rect } from './rect.js';

/** CopyRect encoding (RFC 6143 §7.7.2): the rectangle's pixels come from elsewhere on the screen. */
export async function decodeCopyRect(reader: ByteReader, fb: Framebuffer, rect: Rect): Promise<void> {
  const source = await reader.read(4);
  fb.copyWithin(source.readUInt16BE(0), source.readUInt16BE(2), rect.x, rect.y, rect.width, rect.height);
}
