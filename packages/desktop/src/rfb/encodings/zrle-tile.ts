import { RfbProtocolError } from '../../errors.js';
import type { Framebuffer } from '../framebuffer.js';

/** Returned by `decodeZrleTile` when the inflated data does not yet hold the whole tile. */
export const NEED_MORE = -1;

/**
 * Decodes one ZRLE tile (RFC 6143 §7.7.6) from `src` at `pos` into the framebuffer at (tx, ty).
 * Compact pixels (CPIXEL) are 3 bytes R, G, B because the client pixel format is 32 bpp depth 24 with
 * the colour in the low bytes, little-endian. Returns the position after the tile, or NEED_MORE when
 * `src` ends inside the tile (the caller retries from `pos` with more data; pixel writes are idempotent).
 */
export function decodeZrleTile(
  src: Buffer,
  pos: number,
  fb: Framebuffer,
  tx: number,
  ty: number,
  tw: number,
  th: number,
): number {
  if (pos >= src.length) return NEED_MORE;
  const sub = src[pos] as number;
  let p = pos + 1;
  const count = tw * th;
  const out = fb.data;
  const stride = fb.width * 4;
  const base = ty * stride + tx * 4;
  // Offset in the framebuffer of the i-th pixel of the tile (row-major inside the tile).
  const at = (i: number) => base + Math.floor(i / tw) * stride + (i % tw) * 4;
  const put = (o: number, from: number) => {
    out[o] = src[from] as number;
    out[o + 1] = src[from + 1] as number;
    out[o + 2] = src[from + 2] as number;
  };

  if (sub === 0) {
    if (p + count * 3 > src.length) return NEED_MORE;
    for (let row = 0; row < th; row++) {
      let o = base + row * stride;
      for (let col = 0; col < tw; col++, o += 4, p += 3) put(o, p);
    }
    return p;
  }
  if (sub === 1) {
    if (p + 3 > src.length) return NEED_MORE;
    fb.fill(tx, ty, tw, th, src[p] as number, src[p + 1] as number, src[p + 2] as number);
    return p + 3;
  }
  if (sub <= 16) {
    const paletteAt = p;
    p += sub * 3;
    const bits = sub === 2 ? 1 : sub <= 4 ? 2 : 4;
    const rowBytes = Math.ceil((tw * bits) / 8);
    if (p + rowBytes * th > src.length) return NEED_MORE;
    const mask = (1 << bits) - 1;
    for (let row = 0; row < th; row++) {
      let o = base + row * stride;
      for (let col = 0; col < tw; col++, o += 4) {
        const bit = col * bits;
        const byte = src[p + row * rowBytes + (bit >> 3)] as number;
        const index = (byte >> (8 - bits - (bit & 7))) & mask;
        if (index >= sub) throw new RfbProtocolError(`ZRLE palette index ${index} of ${sub}`);
        put(o, paletteAt + index * 3);
      }
    }
    return p + rowBytes * th;
  }
  if (sub === 128) {
    let i = 0;
    while (i < count) {
      if (p + 3 > src.length) return NEED_MORE;
      const colour = p;
      const run = readRunLength(src, p + 3);
      if (run === undefined) return NEED_MORE;
      p = run.next;
      if (i + run.length > count) throw new RfbProtocolError('ZRLE run overflows its tile');
      for (const end = i + run.length; i < end; i++) put(at(i), colour);
    }
    return p;
  }
  if (sub >= 130) {
    const size = sub - 128;
    const paletteAt = p;
    p += size * 3;
    if (p > src.length) return NEED_MORE;
    let i = 0;
    while (i < count) {
      if (p >= src.length) return NEED_MORE;
      const byte = src[p] as number;
      const index = byte & 0x7f;
      if (index >= size) throw new RfbProtocolError(`ZRLE palette index ${index} of ${size}`);
      let length = 1;
      p++;
      if (byte & 0x80) {
        const run = readRunLength(src, p);
        if (run === undefined) return NEED_MORE;
        p = run.next;
        length = run.length;
      }
      if (i + length > count) throw new RfbProtocolError('ZRLE run overflows its tile');
      for (const end = i + length; i < end; i++) put(at(i), paletteAt + index * 3);
    }
    return p;
  }
  throw new RfbProtocolError(`unknown ZRLE tile subencoding ${sub}`);
}

/** A run length: bytes of 255 continue it, the first byte below 255 ends it; the length is sum + 1. */
function readRunLength(src: Buffer, pos: number): { length: number; next: number } | undefined {
  let length = 1;
  let p = pos;
  for (;;) {
    if (p >= src.length) return undefined;
    const byte = src[p++] as number;
    length += byte;
    if (byte !== 255) return { length, next: p };
  }
}
