import { RfbProtocolError } from '../errors.js';

/**
 * The client-side copy of the remote screen: RGBA, 4 bytes per pixel, rows top to bottom. Alpha is
 * always 255 so that the buffer can be handed to an image encoder as is. `version` grows whenever the
 * content may have changed, so encoded images can be cached per version.
 */
export class Framebuffer {
  width = 0;
  height = 0;
  data: Buffer = Buffer.alloc(0);
  version = 0;

  constructor(width: number, height: number) {
    this.resize(width, height);
  }

  /** Replaces the buffer with a black one of the new size. */
  resize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.data = Buffer.alloc(width * height * 4);
    for (let i = 3; i < this.data.length; i += 4) this.data[i] = 255;
    this.version++;
  }

  /** Throws unless the rectangle lies inside the framebuffer. */
  checkRect(x: number, y: number, w: number, h: number): void {
    if (x + w > this.width || y + h > this.height) {
      throw new RfbProtocolError(`rectangle ${w}x${h}+${x}+${y} outside ${this.width}x${this.height}`);
    }
  }

  /** Copies w×h pixels of 4 bytes (R, G, B, pad) from `src` (tightly packed rows) to (x, y). */
  putPixels(x: number, y: number, w: number, h: number, src: Buffer): void {
    this.checkRect(x, y, w, h);
    const rowBytes = w * 4;
    for (let row = 0; row < h; row++) {
      const dst = ((y + row) * this.width + x) * 4;
      src.copy(this.data, dst, row * rowBytes, row * rowBytes + rowBytes);
      // The pad byte is whatever the server sent (usually 0): make it opaque.
      for (let i = dst + 3, end = dst + rowBytes; i < end; i += 4) this.data[i] = 255;
    }
  }

  /** Fills a rectangle with one colour. */
  fill(x: number, y: number, w: number, h: number, r: number, g: number, b: number): void {
    this.checkRect(x, y, w, h);
    const pixel = (r | (g << 8) | (b << 16) | (255 << 24)) >>> 0;
    const first = (y * this.width + x) * 4;
    for (let i = 0; i < w; i++) this.data.writeUInt32LE(pixel, first + i * 4);
    const rowBytes = w * 4;
    for (let row = 1; row < h; row++) {
      this.data.copy(this.data, ((y + row) * this.width + x) * 4, first, first + rowBytes);
    }
  }

  /** CopyRect: moves a w×h block from (srcX, srcY) to (x, y); the regions may overlap. */
  copyWithin(srcX: number, srcY: number, x: number, y: number, w: number, h: number): void {
    this.checkRect(srcX, srcY, w, h);
    this.checkRect(x, y, w, h);
    const rowBytes = w * 4;
    // Copy rows in the direction that never overwrites a source row before it is read.
    const downwards = srcY < y;
    for (let i = 0; i < h; i++) {
      const row = downwards ? h - 1 - i : i;
      const from = ((srcY + row) * this.width + srcX) * 4;
      this.data.copy(this.data, ((y + row) * this.width + x) * 4, from, from + rowBytes);
    }
  }

  /** The colour at (x, y) as [r, g, b]. */
  pixel(x: number, y: number): [number, number, number] {
    const i = (y * this.width + x) * 4;
    return [this.data[i] ?? 0, this.data[i + 1] ?? 0, this.data[i + 2] ?? 0];
  }
}
