import type { ByteReader } from '../byte-reader.js';
import type { Framebuffer } from '../framebuffer.js';
import type { Rect } from './rect.js';

/** Raw encoding (RFC 6143 §7.7.1): w×h pixels of 4 bytes in the client pixel format. */
export async function decodeRaw(reader: ByteReader, fb: Framebuffer, rect: Rect): Promise<void> {
  fb.checkRect(rect.x, rect.y, rect.width, rect.height);
  const pixels = await reader.read(rect.width * rect.height * 4);
  fb.putPixels(rect.x, rect.y, rect.width, rect.height, pixels);
}
