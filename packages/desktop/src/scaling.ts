/**
 * How a screenshot was scaled: the screen is `originalWidth`×`originalHeight`, the image
 * `width`×`height`. Pure data, so an agent can keep it beside the image it sent to a model.
 */
export interface ScaleMapping {
  width: number;
  height: number;
  originalWidth: number;
  originalHeight: number;
}

/**
 * The largest size with the screen's aspect ratio that fits in maxWidth×maxHeight, never larger than
 * the screen itself. Missing bounds do not constrain. Each side is at least 1 pixel.
 */
export function scaleToFit(
  screen: { width: number; height: number },
  bounds: { maxWidth?: number; maxHeight?: number } = {},
): ScaleMapping {
  const { width, height } = screen;
  const factor = Math.min(
    1,
    bounds.maxWidth !== undefined ? bounds.maxWidth / width : 1,
    bounds.maxHeight !== undefined ? bounds.maxHeight / height : 1,
  );
  // Rounding can push a side one pixel past its bound; the min keeps both inside.
  return {
    width: Math.max(1, Math.min(bounds.maxWidth ?? width, Math.round(width * factor))),
    height: Math.max(1, Math.min(bounds.maxHeight ?? height, Math.round(height * factor))),
    originalWidth: width,
    originalHeight: height,
  };
}

/**
 * Maps a point on the scaled image to the screen pixel under its centre, clamped to the screen. With
 * no scaling this is the identity; every image pixel maps inside the screen.
 */
export function toScreen(mapping: ScaleMapping, x: number, y: number): { x: number; y: number } {
  return {
    x: mapAxis(x, mapping.width, mapping.originalWidth),
    y: mapAxis(y, mapping.height, mapping.originalHeight),
  };
}

/** Maps a screen pixel to the image pixel that shows it (the inverse direction of `toScreen`). */
export function fromScreen(mapping: ScaleMapping, x: number, y: number): { x: number; y: number } {
  return {
    x: mapAxis(x, mapping.originalWidth, mapping.width),
    y: mapAxis(y, mapping.originalHeight, mapping.height),
  };
}

function mapAxis(value: number, from: number, to: number): number {
  const mapped = Math.floor(((value + 0.5) * to) / from);
  return Math.max(0, Math.min(to - 1, mapped));
}
