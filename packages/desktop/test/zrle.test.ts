import { constants, createDeflate } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ZrleDecoder } from '../src/rfb/encodings/zrle.js';
import { Framebuffer } from '../src/rfb/framebuffer.js';

type Rgb = [number, number, number];

/** One zlib stream for a whole test, like a server's: each payload ends with a sync flush. */
function serverStream(): (raw: Buffer) => Promise<Buffer> {
  const deflate = createDeflate();
  const out: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => out.push(chunk));
  return (raw) =>
    new Promise((resolve) => {
      deflate.write(raw);
      deflate.flush(constants.Z_SYNC_FLUSH, () => setImmediate(() => resolve(Buffer.concat(out.splice(0)))));
    });
}

const cpixel = (...colours: Rgb[]) => Buffer.from(colours.flat());
const rect = (x: number, y: number, width: number, height: number) => ({ x, y, width, height, encoding: 16 });

function region(fb: Framebuffer, x: number, y: number, w: number, h: number): Rgb[] {
  const out: Rgb[] = [];
  for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) out.push(fb.pixel(x + i, y + j));
  return out;
}

describe('ZRLE decoding', () => {
  const A: Rgb = [10, 20, 30];
  const B: Rgb = [200, 100, 50];
  const C: Rgb = [1, 2, 3];

  it('decodes every tile type from one zlib stream that continues across rectangles', async () => {
    const fb = new Framebuffer(80, 16);
    const decoder = new ZrleDecoder();
    const compress = serverStream();

    // Rect 1, 70×3 at (0,0): a solid 64×3 tile, then a raw 6×3 tile.
    const rawPixels: Rgb[] = Array.from({ length: 18 }, (_, i) => [i, 2 * i, 3 * i]);
    await decoder.decodeCompressed(
      await compress(Buffer.concat([Buffer.from([1]), cpixel(A), Buffer.from([0]), cpixel(...rawPixels)])),
      fb,
      rect(0, 0, 70, 3),
    );
    expect(region(fb, 0, 0, 64, 3).every((p) => p.join() === A.join())).toBe(true);
    expect(region(fb, 64, 0, 6, 3)).toEqual(rawPixels);

    // Rect 2, 4×2 at (0,3): packed palette of 2 (1 bit per pixel, rows padded to a byte).
    await decoder.decodeCompressed(
      await compress(
        Buffer.concat([Buffer.from([2]), cpixel(A, B), Buffer.from([0b1010_0000, 0b0101_0000])]),
      ),
      fb,
      rect(0, 3, 4, 2),
    );
    expect(region(fb, 0, 3, 4, 2)).toEqual([B, A, B, A, A, B, A, B]);

    // Rect 3, 3×1 at (10,3): packed palette of 5 (4 bits per pixel): indices 0, 4, 2.
    const five: Rgb[] = [A, B, C, [9, 9, 9], [7, 7, 7]];
    await decoder.decodeCompressed(
      await compress(Buffer.concat([Buffer.from([5]), cpixel(...five), Buffer.from([0x04, 0x20])])),
      fb,
      rect(10, 3, 3, 1),
    );
    expect(region(fb, 10, 3, 3, 1)).toEqual([A, [7, 7, 7], C]);

    // Rect 4, 4×2 at (20,3): plain RLE, a run of 3 then a run of 5.
    await decoder.decodeCompressed(
      await compress(
        Buffer.concat([Buffer.from([128]), cpixel(C), Buffer.from([2]), cpixel(B), Buffer.from([4])]),
      ),
      fb,
      rect(20, 3, 4, 2),
    );
    expect(region(fb, 20, 3, 4, 2)).toEqual([C, C, C, B, B, B, B, B]);

    // Rect 5, 64×8 at (0,8): palette RLE with a run longer than 255 (255 + 44 + 1 = 300), a single
    // pixel, and a run of 211.
    await decoder.decodeCompressed(
      await compress(Buffer.from([130, ...A, ...B, 0x80, 255, 44, 1, 0x81, 210])),
      fb,
      rect(0, 8, 64, 8),
    );
    const tile = region(fb, 0, 8, 64, 8);
    expect(tile.slice(0, 300).every((p) => p.join() === A.join())).toBe(true);
    expect(tile.slice(300).every((p) => p.join() === B.join())).toBe(true);
    decoder.close();
  });

  it('decodes tiles whose bytes arrive in several inflated chunks', async () => {
    const fb = new Framebuffer(128, 64);
    const decoder = new ZrleDecoder();
    const compress = serverStream();
    // Two raw 64×64 tiles: 24 KiB inflated, more than one zlib output chunk (16 KiB).
    const noise = (seed: number): Rgb[] =>
      Array.from({ length: 64 * 64 }, (_, i) => [(i * 7 + seed) & 255, (i * 13) & 255, (i >> 4) & 255]);
    const left = noise(1);
    const right = noise(2);
    await decoder.decodeCompressed(
      await compress(Buffer.concat([Buffer.from([0]), cpixel(...left), Buffer.from([0]), cpixel(...right)])),
      fb,
      rect(0, 0, 128, 64),
    );
    expect(region(fb, 0, 0, 64, 64)).toEqual(left);
    expect(region(fb, 64, 0, 64, 64)).toEqual(right);
    decoder.close();
  });

  it('rejects a rectangle whose data ends inside a tile', async () => {
    const fb = new Framebuffer(8, 8);
    const decoder = new ZrleDecoder();
    const compress = serverStream();
    await expect(
      decoder.decodeCompressed(await compress(Buffer.from([0, 1, 2])), fb, rect(0, 0, 8, 8)),
    ).rejects.toThrow(/ended inside a tile/);
    decoder.close();
  });
});
