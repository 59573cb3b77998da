/** Image formats a screenshot can be encoded in. */
export const ImageFormat = { png: 'png', jpeg: 'jpeg' } as const;
export type ImageFormat = (typeof ImageFormat)[keyof typeof ImageFormat];

/** Options of `Desktop.screenshot`. */
export interface ScreenshotOptions {
  /** Scale down (never up), keeping the aspect ratio, to fit this width. Default: the screen's. */
  maxWidth?: number;
  /** Scale down to fit this height. Default: the screen's. */
  maxHeight?: number;
  /** Default `png`. */
  format?: ImageFormat;
  /** JPEG quality 1–100; default 80. Ignored for PNG. */
  quality?: number;
  /**
   * Quiet time: the frame is taken once this many milliseconds passed without a screen change since
   * the later of the last change and the last action. Default 100.
   */
  settleMs?: number;
  /** Upper bound on waiting for the screen to settle; the frame is then returned with `settled: false`. Default 2000. */
  maxWaitMs?: number;
}

/** An encoded frame of the screen. */
export interface Screenshot {
  data: Buffer;
  mimeType: 'image/png' | 'image/jpeg';
  /** Image size, after scaling. */
  width: number;
  height: number;
  /** Screen size: image coordinates map back with `toScreen`. */
  originalWidth: number;
  originalHeight: number;
  /** False when `maxWaitMs` ran out while the screen was still changing. */
  settled: boolean;
}

/** Mouse buttons a click can use. */
export const MouseButton = { left: 'left', middle: 'middle', right: 'right' } as const;
export type MouseButton = (typeof MouseButton)[keyof typeof MouseButton];

/** Options of `Desktop.click`. */
export interface ClickOptions {
  /** Default `left`. */
  button?: MouseButton;
  /** 2 for a double click, 3 for a triple click. Default 1. */
  count?: 1 | 2 | 3;
}

/** Options of `Desktop.key`. */
export interface KeyOptions {
  /** Keep the keys pressed this long before releasing them (e.g. a long press). Default 0. */
  holdMs?: number;
}

/**
 * One desktop an agent sees and acts on. Coordinates are screen pixels; `size()` is the screen.
 * Actions resolve once sent to the desktop; `screenshot()` then shows their effect (see
 * ARCHITECTURE.md, "Screenshot semantics"). Failures are `DesktopError`s with a wire code.
 */
export interface Desktop {
  size(): { width: number; height: number };
  screenshot(opts?: ScreenshotOptions): Promise<Screenshot>;
  move(x: number, y: number): Promise<void>;
  click(x: number, y: number, opts?: ClickOptions): Promise<void>;
  /** Presses the left button at the first point, moves through the others, releases at the last. */
  drag(path: Array<[number, number]>): Promise<void>;
  /** Scrolls at (x, y) by wheel clicks: dy > 0 down, dy < 0 up, dx > 0 right, dx < 0 left. */
  scroll(x: number, y: number, dx: number, dy: number): Promise<void>;
  /** Types text character by character (any Unicode; newline presses Return). */
  type(text: string): Promise<void>;
  /** Presses a key expression such as `ctrl+shift+t`, `Return` or `ctrl+a Delete`. */
  key(keys: string, opts?: KeyOptions): Promise<void>;
  close(): Promise<void>;
}
