import { constants, createInflate, type Inflate } from 'node:zlib';
import { RfbProtocolError } from '../../errors.js';
import type { ByteReader } from '../byte-reader.js';
import type { Framebuffer } from '../framebuffer.js';
import type { Rect } from './rect.js';
import { decodeZrleTile, NEED_MORE } from './zrle-tile.js';

const TILE = 64;

/**
 * ZRLE decoder of one connection (RFC 6143 §7.7.6). The zlib stream lives as long as the connection:
 * each rectangle's data continues it, so one decoder must serve every rectangle, in order.
 * Inflating is asynchronous in Node; tiles are parsed as soon as their bytes are inflated.
 */
export class ZrleDecoder {
  private readonly inflate: Inflate = createInflate();
  private pending: Buffer = Buffer.alloc(0);
  private pos = 0;
  private wake: (() => void) | undefined;
  private failure: Error | undefined;
  private flushed = false;
  private generation = 0;

  constructor() {
    this.inflate.on('data', (chunk: Buffer) => {
      this.pending =
        this.pos < this.pending.length ? Buffer.concat([this.pending.subarray(this.pos), chunk]) : chunk;
      this.pos = 0;
      this.notify();
    });
    this.inflate.on('error', (err) => {
      this.failure = new RfbProtocolError('corrupt ZRLE zlib stream', { cause: err });
      this.notify();
    });
  }

  /** Reads one ZRLE rectangle from the connection and paints it into the framebuffer. */
  async decode(reader: ByteReader, fb: Framebuffer, rect: Rect): Promise<void> {
    fb.checkRect(rect.x, rect.y, rect.width, rect.height);
    const length = await reader.u32();
    const compressed = await reader.read(length);
    await this.decodeCompressed(compressed, fb, rect);
  }

  /** Paints a rectangle from its compressed ZRLE payload (without the length prefix). */
  async decodeCompressed(compressed: Buffer, fb: Framebuffer, rect: Rect): Promise<void> {
    this.flushed = false;
    const generation = ++this.generation;
    this.inflate.write(compressed);
    // The flush callback runs once zlib has consumed everything written; a turn later every byte it
    // produced has been delivered. Needing more after that means the rectangle's data is short.
    this.inflate.flush(constants.Z_SYNC_FLUSH, () =>
      setImmediate(() => {
        // A late callback of an earlier rectangle must not mark this one as complete.
        if (generation !== this.generation) return;
        this.flushed = true;
        this.notify();
      }),
    );
    for (let ty = rect.y; ty < rect.y + rect.height; ty += TILE) {
      const th = Math.min(TILE, rect.y + rect.height - ty);
      for (let tx = rect.x; tx < rect.x + rect.width; tx += TILE) {
        const tw = Math.min(TILE, rect.x + rect.width - tx);
        for (;;) {
          if (this.failure) throw this.failure;
          const next = decodeZrleTile(this.pending, this.pos, fb, tx, ty, tw, th);
          if (next !== NEED_MORE) {
            this.pos = next;
            break;
          }
          if (this.flushed) throw new RfbProtocolError('ZRLE rectangle data ended inside a tile');
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
        }
      }
    }
  }

  close(): void {
    this.inflate.destroy();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
