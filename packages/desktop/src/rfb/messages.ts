import { encodePixelFormat, type PixelFormat } from './pixel-format.js';

/** RFB encoding numbers this client knows (RFC 6143 §7.7, §7.8). */
export const Encoding = {
  raw: 0,
  copyRect: 1,
  zrle: 16,
  desktopSize: -223,
} as const;
export type Encoding = (typeof Encoding)[keyof typeof Encoding];

/** Client-to-server message encoders (RFC 6143 §7.5). Each returns the complete message. */
export const ClientMessage = {
  setPixelFormat(pf: PixelFormat): Buffer {
    const buf = Buffer.alloc(20);
    buf.writeUInt8(0, 0);
    encodePixelFormat(pf).copy(buf, 4);
    return buf;
  },

  setEncodings(encodings: readonly number[]): Buffer {
    const buf = Buffer.alloc(4 + 4 * encodings.length);
    buf.writeUInt8(2, 0);
    buf.writeUInt16BE(encodings.length, 2);
    encodings.forEach((encoding, i) => {
      buf.writeInt32BE(encoding, 4 + 4 * i);
    });
    return buf;
  },

  framebufferUpdateRequest(
    incremental: boolean,
    x: number,
    y: number,
    width: number,
    height: number,
  ): Buffer {
    const buf = Buffer.alloc(10);
    buf.writeUInt8(3, 0);
    buf.writeUInt8(incremental ? 1 : 0, 1);
    buf.writeUInt16BE(x, 2);
    buf.writeUInt16BE(y, 4);
    buf.writeUInt16BE(width, 6);
    buf.writeUInt16BE(height, 8);
    return buf;
  },

  keyEvent(down: boolean, keysym: number): Buffer {
    const buf = Buffer.alloc(8);
    buf.writeUInt8(4, 0);
    buf.writeUInt8(down ? 1 : 0, 1);
    buf.writeUInt32BE(keysym >>> 0, 4);
    return buf;
  },

  pointerEvent(buttonMask: number, x: number, y: number): Buffer {
    const buf = Buffer.alloc(6);
    buf.writeUInt8(5, 0);
    buf.writeUInt8(buttonMask & 0xff, 1);
    buf.writeUInt16BE(x, 2);
    buf.writeUInt16BE(y, 4);
    return buf;
  },

  /** Text is sent as Latin-1 (the RFB clipboard's only charset); other characters become `?`. */
  clientCutText(text: string): Buffer {
    const bytes = Buffer.from(toLatin1(text), 'latin1');
    const buf = Buffer.alloc(8 + bytes.length);
    buf.writeUInt8(6, 0);
    buf.writeUInt32BE(bytes.length, 4);
    bytes.copy(buf, 8);
    return buf;
  },
};

function toLatin1(text: string): string {
  let out = '';
  for (const ch of text) out += (ch.codePointAt(0) ?? 0) <= 0xff ? ch : '?';
  return out;
}
