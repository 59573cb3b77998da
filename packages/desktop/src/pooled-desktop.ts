import type { ClickOptions, Desktop, KeyOptions, Screenshot, ScreenshotOptions } from './desktop.js';
import type { DesktopPool, DesktopTarget } from './pool.js';

/**
 * A `Desktop` that borrows its connection from a pool for every operation, so an agent that drives a
 * desktop for hours survives a dropped connection or a restarted VNC server: the next operation
 * reconnects. `size()` answers from the last connection (call `connect()` once first).
 */
export class PooledVncDesktop implements Desktop {
  readonly #pool: DesktopPool;
  readonly #target: DesktopTarget;
  #size: { width: number; height: number } | null = null;

  constructor(pool: DesktopPool, target: DesktopTarget) {
    this.#pool = pool;
    this.#target = target;
  }

  /** Connects (or reuses the pooled connection) and learns the screen size. */
  async connect(): Promise<this> {
    await this.#use(async () => undefined);
    return this;
  }

  size(): { width: number; height: number } {
    if (!this.#size) throw new Error('PooledVncDesktop: call connect() before size()');
    return this.#size;
  }

  screenshot(opts?: ScreenshotOptions): Promise<Screenshot> {
    return this.#use((d) => d.screenshot(opts));
  }
  move(x: number, y: number): Promise<void> {
    return this.#use((d) => d.move(x, y));
  }
  click(x: number, y: number, opts?: ClickOptions): Promise<void> {
    return this.#use((d) => d.click(x, y, opts));
  }
  drag(path: Array<[number, number]>): Promise<void> {
    return this.#use((d) => d.drag(path));
  }
  scroll(x: number, y: number, dx: number, dy: number): Promise<void> {
    return this.#use((d) => d.scroll(x, y, dx, dy));
  }
  type(text: string): Promise<void> {
    return this.#use((d) => d.type(text));
  }
  key(keys: string, opts?: KeyOptions): Promise<void> {
    return this.#use((d) => d.key(keys, opts));
  }

  /** Releases this desktop's pooled connection. */
  async close(): Promise<void> {
    await this.#pool.drop(this.#target);
  }

  #use<T>(operation: (desktop: Desktop) => Promise<T>): Promise<T> {
    return this.#pool.use(this.#target, async (desktop) => {
      this.#size = desktop.size();
      return operation(desktop);
    });
  }
}
