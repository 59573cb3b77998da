import sharp from 'sharp';
import type { Screenshot } from '../../src/index.js';

/** Decoded RGB pixels of a screenshot. */
export interface DecodedImage {
  width: number;
  height: number;
  pixel(x: number, y: number): [number, number, number];
}

export async function decode(shot: Screenshot): Promise<DecodedImage> {
  const { data, info } = await sharp(shot.data).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    pixel: (x, y) => {
      const i = (y * info.width + x) * info.channels;
      return [data[i] ?? -1, data[i + 1] ?? -1, data[i + 2] ?? -1];
    },
  };
}

/** True when two colours differ by at most `tolerance` per channel (JPEG and scaling blur a little). */
export function near(a: readonly number[], b: readonly number[], tolerance = 8): boolean {
  return a.every((v, i) => Math.abs(v - (b[i] ?? 0)) <= tolerance);
}
