import type { ClickOptions, Desktop, KeyOptions, Screenshot, ScreenshotOptions } from '@figaro/desktop';
import { scaleToFit } from '@figaro/desktop';
import sharp from 'sharp';

/** An action a FakeDesktop received, in screen pixels. */
export type FakeDesktopAction =
  | { type: 'move'; x: number; y: number }
  | { type: 'click'; x: number; y: number; button: string; count: number }
  | { type: 'drag'; path: Array<[number, number]> }
  | { type: 'scroll'; x: number; y: number; dx: number; dy: number }
  | { type: 'type'; text: string }
  | { type: 'key'; keys: string; holdMs: number };

/** Options of FakeDesktop. */
export interface FakeDesktopOptions {
  width?: number;
  height?: number;
  /** Each action changes the screen (a new colour), so screenshots differ. Default false. */
  changesOnAction?: boolean;
  /** Runs before every action; a test can make actions slow, fail or hang. */
  beforeAction?: (action: FakeDesktopAction) => Promise<void> | void;
}

/**
 * An in-memory Desktop: records actions and screenshot requests and returns real PNG/JPEG images
 * (one solid colour per screen state, scaled like a real desktop's screenshots).
 */
export class FakeDesktop implements Desktop {
  readonly actions: FakeDesktopAction[] = [];
  readonly screenshotRequests: ScreenshotOptions[] = [];
  readonly #width: number;
  readonly #height: number;
  readonly #changesOnAction: boolean;
  readonly #beforeAction: FakeDesktopOptions['beforeAction'];
  readonly #cache = new Map<string, Buffer>();
  /** Screen state; bump it to make the next screenshot differ. */
  frame = 0;
  closed = false;

  constructor(options: FakeDesktopOptions = {}) {
    this.#width = options.width ?? 1280;
    this.#height = options.height ?? 800;
    this.#changesOnAction = options.changesOnAction ?? false;
    this.#beforeAction = options.beforeAction;
  }

  size() {
    return { width: this.#width, height: this.#height };
  }

  async screenshot(opts: ScreenshotOptions = {}): Promise<Screenshot> {
    this.screenshotRequests.push({ ...opts });
    const mapping = scaleToFit(this.size(), opts);
    const format = opts.format ?? 'png';
    const key = `${mapping.width}x${mapping.height}:${format}:${this.frame}`;
    let data = this.#cache.get(key);
    if (!data) {
      const shade = (this.frame * 47) % 256;
      const image = sharp({
        create: {
          width: mapping.width,
          height: mapping.height,
          channels: 3,
          background: { r: shade, g: 80, b: 160 },
        },
      });
      data = format === 'jpeg' ? await image.jpeg().toBuffer() : await image.png().toBuffer();
      this.#cache.set(key, data);
    }
    return {
      data,
      mimeType: format === 'jpeg' ? 'image/jpeg' : 'image/png',
      width: mapping.width,
      height: mapping.height,
      originalWidth: this.#width,
      originalHeight: this.#height,
      settled: true,
    };
  }

  move(x: number, y: number) {
    return this.#act({ type: 'move', x, y });
  }

  click(x: number, y: number, opts: ClickOptions = {}) {
    return this.#act({ type: 'click', x, y, button: opts.button ?? 'left', count: opts.count ?? 1 });
  }

  drag(path: Array<[number, number]>) {
    return this.#act({ type: 'drag', path });
  }

  scroll(x: number, y: number, dx: number, dy: number) {
    return this.#act({ type: 'scroll', x, y, dx, dy });
  }

  type(text: string) {
    return this.#act({ type: 'type', text });
  }

  key(keys: string, opts: KeyOptions = {}) {
    return this.#act({ type: 'key', keys, holdMs: opts.holdMs ?? 0 });
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  async #act(action: FakeDesktopAction): Promise<void> {
    await this.#beforeAction?.(action);
    this.actions.push(action);
    if (this.#changesOnAction) this.frame++;
  }
}
