import sharp from 'sharp';
import type { ImageFormat } from './desktop.js';

/** A raw RGBA frame (alpha opaque), rows top to bottom. */
export interface RawFrame {
  data: Buffer;
  width: number;
  height: number;
}

/** Encodes and scales frames; injected so that tests or other libraries can replace sharp. */
export interface ImageEncoder {
  encode(
    frame: RawFrame,
    target: { width: number; height: number; format: ImageFormat; quality: number },
  ): Promise<Buffer>;
}

/** Options of the sharp (libvips) encoder. */
export interface SharpEncoderOptions {
  /** zlib level 0–9 for PNG; default 6. Lower is faster and larger. */
  pngCompressionLevel?: number;
}

/** The default encoder: sharp (libvips), which encodes a 1280×800 PNG in a few milliseconds. */
export function sharpEncoder(options: SharpEncoderOptions = {}): ImageEncoder {
  return {
    async encode(frame, target) {
      let image = sharp(frame.data, {
        raw: { width: frame.width, height: frame.height, channels: 4 },
      }).removeAlpha();
      if (target.width !== frame.width || target.height !== frame.height) {
        image = image.resize(target.width, target.height, { fit: 'fill', kernel: 'lanczos3' });
      }
      return target.format === 'jpeg'
        ? image.jpeg({ quality: target.quality, mozjpeg: false }).toBuffer()
        : image
            .png({ compressionLevel: options.pngCompressionLevel ?? 6, adaptiveFiltering: false })
            .toBuffer();
    },
  };
}
