/** RFB PIXEL_FORMAT (RFC 6143 §7.4). */
export interface PixelFormat {
  bitsPerPixel: number;
  depth: number;
  bigEndian: boolean;
  trueColour: boolean;
  redMax: number;
  greenMax: number;
  blueMax: number;
  redShift: number;
  greenShift: number;
  blueShift: number;
}

/**
 * The format this client asks for: 32 bpp, depth 24, little-endian, red in the lowest byte. In memory
 * each pixel is then R, G, B, pad — the layout of the client framebuffer, so Raw rectangles copy
 * straight in, and ZRLE's compact pixels (CPIXEL) are the three bytes R, G, B.
 */
export const CLIENT_PIXEL_FORMAT: PixelFormat = {
  bitsPerPixel: 32,
  depth: 24,
  bigEndian: false,
  trueColour: true,
  redMax: 255,
  greenMax: 255,
  blueMax: 255,
  redShift: 0,
  greenShift: 8,
  blueShift: 16,
};

export function encodePixelFormat(pf: PixelFormat): Buffer {
  const buf = Buffer.alloc(16);
  buf.writeUInt8(pf.bitsPerPixel, 0);
  buf.writeUInt8(pf.depth, 1);
  buf.writeUInt8(pf.bigEndian ? 1 : 0, 2);
  buf.writeUInt8(pf.trueColour ? 1 : 0, 3);
  buf.writeUInt16BE(pf.redMax, 4);
  buf.writeUInt16BE(pf.greenMax, 6);
  buf.writeUInt16BE(pf.blueMax, 8);
  buf.writeUInt8(pf.redShift, 10);
  buf.writeUInt8(pf.greenShift, 11);
  buf.writeUInt8(pf.blueShift, 12);
  return buf;
}

export function decodePixelFormat(buf: Buffer): PixelFormat {
  return {
    bitsPerPixel: buf.readUInt8(0),
    depth: buf.readUInt8(1),
    bigEndian: buf.readUInt8(2) !== 0,
    trueColour: buf.readUInt8(3) !== 0,
    redMax: buf.readUInt16BE(4),
    greenMax: buf.readUInt16BE(6),
    blueMax: buf.readUInt16BE(8),
    redShift: buf.readUInt8(10),
    greenShift: buf.readUInt8(11),
    blueShift: buf.readUInt8(12),
  };
}
