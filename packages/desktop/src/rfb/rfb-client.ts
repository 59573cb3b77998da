import { performance } from 'node:perf_hooks';
import { type Logger, silentLogger } from '@figaro/protocol';
import { DesktopClosedError, DesktopError, RfbProtocolError } from '../errors.js';
import { ByteReader } from './byte-reader.js';
import { decodeCopyRect } from './encodings/copy-rect.js';
import { decodeRaw } from './encodings/raw.js';
import type { Rect } from './encodings/rect.js';
import { ZrleDecoder } from './encodings/zrle.js';
import { Framebuffer } from './framebuffer.js';
import { type HandshakeOptions, handshake, type ServerInit } from './handshake.js';
import { ClientMessage, Encoding } from './messages.js';
import { CLIENT_PIXEL_FORMAT } from './pixel-format.js';
import type { RfbConnector, RfbTransport } from './transport.js';

/** Options of `RfbClient.connect`. */
export interface RfbClientOptions extends HandshakeOptions {
  /** Opens the byte stream (e.g. `tcpConnector(host, port)`). */
  connector: RfbConnector;
  /** Encodings to offer, most preferred first. Default: ZRLE, CopyRect, Raw, DesktopSize. */
  encodings?: readonly number[];
  /**
   * How long the whole handshake (version, security and any TLS upgrade, authentication, ServerInit)
   * may take once the stream is open; then `connect` fails with code `timeout`. Default 10 000 ms.
   */
  handshakeTimeoutMs?: number;
  logger?: Logger;
  /** Monotonic milliseconds; default `performance.now`. */
  now?: () => number;
}

/** One completed FramebufferUpdate. */
export interface FramebufferUpdateInfo {
  /** Count of updates completed on this connection, starting at 1. */
  seq: number;
  /** When the update's header arrived (the `now` clock). */
  startedAt: number;
  completedAt: number;
  rects: number;
  /** False only for an update that provably changed nothing (a probe answer with the same pixel). */
  changed: boolean;
  resized: boolean;
}

/** Default `handshakeTimeoutMs`. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

const DEFAULT_ENCODINGS = [Encoding.zrle, Encoding.copyRect, Encoding.raw, Encoding.desktopSize];

type Listener<T> = (value: T) => void;

/**
 * An RFB (VNC) client (RFC 6143) that keeps a client-side framebuffer current: after every completed
 * FramebufferUpdate it at once asks for the next incremental one, so the server streams changes as they
 * happen and reading the screen costs only what changed. Key, pointer and clipboard messages go out on
 * the same ordered stream.
 */
export class RfbClient {
  readonly framebuffer: Framebuffer;
  /** Resolves when the first complete frame has arrived. */
  readonly firstFrame: Promise<void>;
  private readonly zrle = new ZrleDecoder();
  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly updateListeners = new Set<Listener<FramebufferUpdateInfo>>();
  private readonly clipboardListeners = new Set<Listener<string>>();
  private readonly closeListeners = new Set<Listener<Error | undefined>>();
  private probes: Array<{
    sentAt: number;
    resolve: (info: FramebufferUpdateInfo) => void;
    reject: (err: Error) => void;
  }> = [];
  private resolveFirstFrame: () => void = () => {};
  private rejectFirstFrame: (err: Error) => void = () => {};
  private updates = 0;
  private closeError: Error | undefined;
  private isClosed = false;

  private constructor(
    private readonly transport: RfbTransport,
    private readonly reader: ByteReader,
    readonly serverInit: ServerInit,
    options: RfbClientOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
    this.logger = options.logger ?? silentLogger;
    this.framebuffer = new Framebuffer(serverInit.width, serverInit.height);
    this.firstFrame = new Promise<void>((resolve, reject) => {
      this.resolveFirstFrame = resolve;
      this.rejectFirstFrame = reject;
    });
    // Unobserved first-frame failures are reported through close listeners instead.
    this.firstFrame.catch(() => {});
  }

  /** Connects, authenticates, sets the pixel format and encodings, and starts the update loop. */
  static async connect(options: RfbClientOptions): Promise<RfbClient> {
    const transport = await options.connector();
    const reader = new ByteReader();
    let client: RfbClient | undefined;
    transport.onData((chunk) => reader.push(chunk));
    transport.onClose((err) => {
      const closed = new DesktopClosedError('the VNC server closed the connection', { cause: err });
      if (client) client.shutdown(closed);
      else reader.fail(closed);
    });
    let init: ServerInit;
    const timeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    // A server that accepts the connection and then says nothing (or stops halfway) must not hang us.
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new DesktopError(
              'timeout',
              `the VNC server did not complete the RFB handshake within ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      init = await Promise.race([handshake(reader, transport, options), timedOut]);
    } catch (err) {
      transport.destroy();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    client = new RfbClient(transport, reader, init, options);
    transport.write(ClientMessage.setPixelFormat(CLIENT_PIXEL_FORMAT));
    transport.write(ClientMessage.setEncodings(options.encodings ?? DEFAULT_ENCODINGS));
    transport.write(ClientMessage.framebufferUpdateRequest(false, 0, 0, init.width, init.height));
    void client.readLoop();
    return client;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Number of FramebufferUpdates completed so far. */
  get updateCount(): number {
    return this.updates;
  }

  onUpdate(fn: Listener<FramebufferUpdateInfo>): () => void {
    this.updateListeners.add(fn);
    return () => this.updateListeners.delete(fn);
  }

  /** ServerCutText: the server's clipboard changed (Latin-1 text). */
  onClipboard(fn: Listener<string>): () => void {
    this.clipboardListeners.add(fn);
    return () => this.clipboardListeners.delete(fn);
  }

  /** Called once when the connection ends; `err` is set unless `close()` ended it. */
  onClose(fn: Listener<Error | undefined>): () => void {
    this.closeListeners.add(fn);
    return () => this.closeListeners.delete(fn);
  }

  /**
   * A round trip through the server's update pipeline: asks for pixel (0, 0) non-incrementally, which
   * the server must answer, after everything it had to send before. Resolves with that update.
   */
  probe(): Promise<FramebufferUpdateInfo> {
    if (this.isClosed) return Promise.reject(this.closedError());
    return new Promise((resolve, reject) => {
      this.probes.push({ sentAt: this.now(), resolve, reject });
      this.transport.write(ClientMessage.framebufferUpdateRequest(false, 0, 0, 1, 1));
    });
  }

  key(down: boolean, keysym: number): Promise<void> {
    return this.send(ClientMessage.keyEvent(down, keysym));
  }

  /** Pointer state: `buttons` is the RFB mask (bit 0 left, 1 middle, 2 right, 3–6 wheel). */
  pointer(buttons: number, x: number, y: number): Promise<void> {
    const fb = this.framebuffer;
    const cx = Math.max(0, Math.min(fb.width - 1, Math.round(x)));
    const cy = Math.max(0, Math.min(fb.height - 1, Math.round(y)));
    return this.send(ClientMessage.pointerEvent(buttons, cx, cy));
  }

  /** Sets the server's clipboard (ClientCutText, Latin-1). */
  clipboard(text: string): Promise<void> {
    return this.send(ClientMessage.clientCutText(text));
  }

  /** Writes a message; resolves once it has been handed to the operating system. */
  send(data: Buffer): Promise<void> {
    if (this.isClosed) return Promise.reject(this.closedError());
    return new Promise((resolve, reject) => {
      this.transport.write(data, (err) => (err ? reject(this.closedError(err)) : resolve()));
    });
  }

  /** Closes the connection; pending probes and reads fail with `DesktopClosedError`. */
  async close(): Promise<void> {
    this.shutdown(undefined);
  }

  private async readLoop(): Promise<void> {
    try {
      for (;;) {
        const type = await this.reader.u8();
        const startedAt = this.now();
        if (type === 0) await this.readFramebufferUpdate(startedAt);
        else if (type === 1) await this.skipColourMap();
        else if (type === 2) this.logger.debug({}, 'bell');
        else if (type === 3) await this.readServerCutText();
        else throw new RfbProtocolError(`unknown server message type ${type}`);
      }
    } catch (err) {
      this.shutdown(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private async readFramebufferUpdate(startedAt: number): Promise<void> {
    const fb = this.framebuffer;
    const count = (await this.reader.read(3)).readUInt16BE(1);
    let resized = false;
    let only: Rect | undefined;
    let touchesOrigin = false;
    const before = count === 1 ? fb.pixel(0, 0) : undefined;
    for (let i = 0; i < count; i++) {
      const head = await this.reader.read(12);
      const rect: Rect = {
        x: head.readUInt16BE(0),
        y: head.readUInt16BE(2),
        width: head.readUInt16BE(4),
        height: head.readUInt16BE(6),
        encoding: head.readInt32BE(8),
      };
      only = rect;
      // A rectangle containing pixel (0, 0) starts there; that is how a probe answer is recognised.
      if (rect.encoding !== Encoding.desktopSize && rect.x === 0 && rect.y === 0 && rect.width > 0) {
        touchesOrigin = true;
      }
      switch (rect.encoding) {
        case Encoding.raw:
          await decodeRaw(this.reader, fb, rect);
          break;
        case Encoding.copyRect:
          await decodeCopyRect(this.reader, fb, rect);
          break;
        case Encoding.zrle:
          await this.zrle.decode(this.reader, fb, rect);
          break;
        case Encoding.desktopSize:
          fb.resize(rect.width, rect.height);
          resized = true;
          break;
        default:
          throw new RfbProtocolError(`server used encoding ${rect.encoding}, which was not offered`);
      }
    }
    // A probe answer that repainted pixel (0, 0) with the same colour changes nothing: keeping the
    // version lets screenshot caches survive probes.
    const probeOnly = count === 1 && only?.x === 0 && only.y === 0 && only.width === 1 && only.height === 1;
    const after = fb.pixel(0, 0);
    const changed = count > 0 && !(probeOnly && before?.every((v, i) => v === after[i]));
    if (changed && !resized) fb.version++;
    // Keep the stream going: ask for the next change now, so it is already here when a screenshot
    // is wanted. After a resize the whole screen is new.
    this.transport.write(ClientMessage.framebufferUpdateRequest(!resized, 0, 0, fb.width, fb.height));
    this.updates++;
    const info: FramebufferUpdateInfo = {
      seq: this.updates,
      startedAt,
      completedAt: this.now(),
      rects: count,
      changed,
      resized,
    };
    if (this.updates === 1) this.resolveFirstFrame();
    if (touchesOrigin) {
      const answered = this.probes.filter((p) => p.sentAt <= startedAt);
      this.probes = this.probes.filter((p) => p.sentAt > startedAt);
      for (const probe of answered) probe.resolve(info);
    }
    for (const fn of this.updateListeners) fn(info);
  }

  private async skipColourMap(): Promise<void> {
    const head = await this.reader.read(5);
    await this.reader.read(head.readUInt16BE(3) * 6);
  }

  private async readServerCutText(): Promise<void> {
    const length = (await this.reader.read(7)).readUInt32BE(3);
    if (length > 16 * 1024 * 1024) throw new RfbProtocolError(`ServerCutText of ${length} bytes`);
    const text = (await this.reader.read(length)).toString('latin1');
    for (const fn of this.clipboardListeners) fn(text);
  }

  private shutdown(err: Error | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closeError = err;
    if (err) this.logger.warn({ err: err.message }, 'VNC connection ended');
    this.transport.destroy();
    this.zrle.close();
    const closed = this.closedError();
    this.reader.fail(closed);
    this.rejectFirstFrame(closed);
    for (const probe of this.probes.splice(0)) probe.reject(closed);
    for (const fn of this.closeListeners) fn(err);
    this.closeListeners.clear();
  }

  private closedError(cause?: unknown): Error {
    return new DesktopClosedError(
      this.closeError ? `desktop connection closed: ${this.closeError.message}` : 'desktop connection closed',
      { cause: cause ?? this.closeError },
    );
  }
}
