import sharp from 'sharp';

/**
 * Crops a region (screen pixels) out of a full-size screenshot and scales it to fit the bounding box,
 * enlarging small regions: that is what zoom is for.
 */
export async function zoomImage(
  image: Buffer,
  crop: {
    left: number;
    top: number;
    width: number;
    height: number;
    maxWidth: number;
    maxHeight: number;
    format: 'png' | 'jpeg';
  },
): Promise<{ data: Buffer; mimeType: 'image/png' | 'image/jpeg' }> {
  const pipeline = sharp(image)
    .extract({ left: crop.left, top: crop.top, width: crop.width, height: crop.height })
    .resize({ width: crop.maxWidth, height: crop.maxHeight, fit: 'inside', kernel: 'lanczos3' });
  return crop.format === 'jpeg'
    ? { data: await pipeline.jpeg({ quality: 80 }).toBuffer(), mimeType: 'image/jpeg' }
    : { data: await pipeline.png().toBuffer(), mimeType: 'image/png' };
}
