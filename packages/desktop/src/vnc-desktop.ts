import { type Clock, type Logger, silentLogger, systemClock } from '@figaro/protocol';
import type {
  ClickOptions,
  Desktop,
  ImageFormat,
  KeyOptions,
  Screenshot,
  ScreenshotOptions,
} from './desktop.js';
import { DesktopError } from './errors.js';
import { type ImageEncoder, sharpEncoder } from './image-encoder.js';
import type { HandshakeOptions } from './rfb/handshake.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, RfbClient } from './rfb/rfb-client.js';
import { type RfbConnector, tcpConnector } from './rfb/transport.js';
import { wsConnector } from './rfb/ws-transport.js';
import { scaleToFit } from './scaling.js';
import { ScreenSettle } from './screen-settle.js';
import { SerialQueue } from './serial-queue.js';
import { VncInput } from './vnc-input.js';
import { parseVncUrl } from './vnc-url.js';

/** Options of `VncDesktop.connect`. */
export interface VncDesktopOptions extends HandshakeOptions {
  /**
   * `vnc://host[:port]` (default port 5900), or `ws://` / `wss://` for RFB over a websockify-compatible
   * WebSocket; `?tls=1` requires TLS (VeNCrypt). See `parseVncUrl`. Either this or `connector`.
   */
  url?: string;
  /** Opens the byte stream; overrides `url` (used for custom transports and tests). */
  connector?: RfbConnector;
  /** Connect timeout in milliseconds (TCP, or TCP + HTTP upgrade for WebSockets); default 10 000. */
  connectTimeoutMs?: number;
  /** How long the RFB handshake may take once connected; default 10 000 (see `RfbClientOptions`). */
  handshakeTimeoutMs?: number;
  /** How long the first full frame may take after the handshake; default 10 000. */
  firstFrameTimeoutMs?: number;
  /** RFB encodings to offer, most preferred first (see `Encoding`). Default ZRLE, CopyRect, Raw, DesktopSize. */
  encodings?: readonly number[];
  /** Screenshot encoder; default sharp. */
  encoder?: ImageEncoder;
  clock?: Clock;
  logger?: Logger;
}

interface CachedImage {
  key: string;
  data: Promise<Buffer>;
}

/**
 * A desktop driven over VNC. One RFB connection keeps a live copy of the screen (continuous incremental
 * updates), so screenshots cost only a probe round trip plus encoding, and encoded images are cached
 * per framebuffer version, size and format. Operations run one at a time in call order.
 */
export class VncDesktop implements Desktop {
  /** The connect, handshake and first-frame limits used when the options do not set them. */
  static readonly DEFAULT_TIMEOUTS = Object.freeze({
    connectTimeoutMs: 10_000,
    handshakeTimeoutMs: DEFAULT_HANDSHAKE_TIMEOUT_MS,
    firstFrameTimeoutMs: 10_000,
  });

  private readonly queue = new SerialQueue();
  private readonly settle: ScreenSettle;
  private readonly input: VncInput;
  private readonly encoder: ImageEncoder;
  private cache: CachedImage[] = [];
  private clipboardText: string | undefined;

  private constructor(
    readonly client: RfbClient,
    options: VncDesktopOptions,
  ) {
    const clock = options.clock ?? systemClock;
    this.encoder = options.encoder ?? sharpEncoder();
    this.settle = new ScreenSettle(client, clock);
    this.input = new VncInput(
      (data) => client.send(data).then(() => this.settle.actionSent()),
      () => this.size(),
      clock,
    );
    client.onClipboard((text) => {
      this.clipboardText = text;
    });
  }

  /**
   * Connects and authenticates; resolves once the first full frame has arrived. Each stage has a
   * limit (`connectTimeoutMs`, `handshakeTimeoutMs`, `firstFrameTimeoutMs`, 10 s each by default):
   * a desktop that accepts TCP and never speaks RFB fails with code `timeout` instead of hanging.
   */
  static async connect(options: VncDesktopOptions): Promise<VncDesktop> {
    let connector = options.connector;
    let password = options.password;
    let username = options.username;
    let requireTls = options.requireTls;
    let allowAnonymousTls = options.allowAnonymousTls;
    if (!connector) {
      if (!options.url) throw new DesktopError('invalid_request', 'VncDesktop needs a url or a connector');
      const endpoint = parseVncUrl(options.url);
      connector =
        endpoint.wsUrl !== undefined
          ? wsConnector(endpoint.wsUrl, {
              ...(options.connectTimeoutMs !== undefined ? { timeoutMs: options.connectTimeoutMs } : {}),
              ...(options.tls !== undefined ? { tls: options.tls } : {}),
            })
          : tcpConnector(
              endpoint.host,
              endpoint.port,
              options.connectTimeoutMs ?? VncDesktop.DEFAULT_TIMEOUTS.connectTimeoutMs,
            );
      password ??= endpoint.password;
      username ??= endpoint.username;
      requireTls ||= endpoint.requireTls;
      allowAnonymousTls ||= endpoint.allowAnonymousTls;
    }
    const logger = options.logger ?? silentLogger;
    const client = await RfbClient.connect({
      ...options,
      ...(password !== undefined ? { password } : {}),
      ...(username !== undefined ? { username } : {}),
      ...(requireTls !== undefined ? { requireTls } : {}),
      ...(allowAnonymousTls !== undefined ? { allowAnonymousTls } : {}),
      connector,
      logger,
    });
    const firstFrameMs = options.firstFrameTimeoutMs ?? VncDesktop.DEFAULT_TIMEOUTS.firstFrameTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(new DesktopError('timeout', `the VNC server sent no first frame within ${firstFrameMs} ms`)),
        firstFrameMs,
      );
    });
    try {
      await Promise.race([client.firstFrame, timedOut]);
    } catch (err) {
      await client.close();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    return new VncDesktop(client, options);
  }

  /** The server's desktop name (ServerInit). */
  get name(): string {
    return this.client.serverInit.name;
  }

  /** True once the connection has ended; a closed desktop fails every operation. */
  get closed(): boolean {
    return this.client.closed;
  }

  size(): { width: number; height: number } {
    return { width: this.client.framebuffer.width, height: this.client.framebuffer.height };
  }

  /** Where this connection last put the pointer. */
  cursorPosition(): { x: number; y: number } {
    return this.input.position();
  }

  screenshot(opts: ScreenshotOptions = {}): Promise<Screenshot> {
    return this.queue.run(async () => {
      const settled = await this.settle.wait({
        settleMs: opts.settleMs ?? 100,
        maxWaitMs: opts.maxWaitMs ?? 2_000,
      });
      return this.encodeCurrent(opts, settled);
    });
  }

  move(x: number, y: number): Promise<void> {
    return this.queue.run(() => this.input.move(x, y));
  }

  click(x: number, y: number, opts?: ClickOptions): Promise<void> {
    return this.queue.run(() => this.input.click(x, y, opts));
  }

  drag(path: Array<[number, number]>): Promise<void> {
    return this.queue.run(() => this.input.drag(path));
  }

  scroll(x: number, y: number, dx: number, dy: number): Promise<void> {
    return this.queue.run(() => this.input.scroll(x, y, dx, dy));
  }

  type(text: string): Promise<void> {
    return this.queue.run(() => this.input.type(text));
  }

  key(keys: string, opts?: KeyOptions): Promise<void> {
    return this.queue.run(() => this.input.key(keys, opts));
  }

  /** The last text the server put on its clipboard (ServerCutText), if any. */
  clipboard(): string | undefined {
    return this.clipboardText;
  }

  /**
   * Sets the desktop's clipboard (Latin-1; other characters become `?`). The server applies it on its
   * own schedule: Xvnc was seen to need up to a few hundred milliseconds before a paste got the text.
   */
  setClipboard(text: string): Promise<void> {
    return this.queue.run(() => this.client.clipboard(text));
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private async encodeCurrent(opts: ScreenshotOptions, settled: boolean): Promise<Screenshot> {
    const fb = this.client.framebuffer;
    const mapping = scaleToFit(fb, opts);
    const format: ImageFormat = opts.format ?? 'png';
    const quality = opts.quality ?? 80;
    const key = `${fb.version}:${fb.width}x${fb.height}:${mapping.width}x${mapping.height}:${format}:${quality}`;
    let entry = this.cache.find((cached) => cached.key === key);
    if (!entry) {
      // Copy now: the update loop keeps writing into the live framebuffer while the encoder works.
      const frame = { data: Buffer.from(fb.data), width: fb.width, height: fb.height };
      entry = { key, data: this.encoder.encode(frame, { ...mapping, format, quality }) };
      const version = `${fb.version}:`;
      // Only images of the current frame are worth keeping (a few sizes/formats of it).
      this.cache = [entry, ...this.cache.filter((cached) => cached.key.startsWith(version))].slice(0, 4);
      entry.data.catch(() => {
        this.cache = this.cache.filter((cached) => cached !== entry);
      });
    }
    return {
      data: await entry.data,
      mimeType: format === 'jpeg' ? 'image/jpeg' : 'image/png',
      width: mapping.width,
      height: mapping.height,
      originalWidth: mapping.originalWidth,
      originalHeight: mapping.originalHeight,
      settled,
    };
  }
}
