/**
 * Pull-style reader over a chunked byte stream: `read(n)` resolves with exactly n bytes. Chunks are
 * joined only when a read spans them, so large Raw rectangles cost one copy.
 */
export class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private waiter: { n: number; resolve: () => void; reject: (err: Error) => void } | undefined;
  private failure: Error | undefined;

  /** Bytes available without waiting. */
  get available(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.waiter && this.buffered >= this.waiter.n) {
      const { resolve } = this.waiter;
      this.waiter = undefined;
      resolve();
    }
  }

  /** Fails the pending read and every later one (connection closed or broken). */
  fail(err: Error): void {
    this.failure ??= err;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(this.failure);
  }

  async read(n: number): Promise<Buffer> {
    if (this.buffered < n) await this.waitFor(n);
    return this.take(n);
  }

  /** Takes n bytes that are known to be buffered; throws when they are not. */
  take(n: number): Buffer {
    if (n > this.buffered) throw new Error(`take(${n}) with ${this.buffered} buffered`);
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0] as Buffer;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const chunk = this.chunks[0] as Buffer;
        const want = Math.min(chunk.length, n - filled);
        chunk.copy(out, filled, 0, want);
        filled += want;
        if (want === chunk.length) this.chunks.shift();
        else this.chunks[0] = chunk.subarray(want);
      }
    }
    this.buffered -= n;
    return out;
  }

  async u8(): Promise<number> {
    return (await this.read(1)).readUInt8(0);
  }

  async u16(): Promise<number> {
    return (await this.read(2)).readUInt16BE(0);
  }

  async u32(): Promise<number> {
    return (await this.read(4)).readUInt32BE(0);
  }

  private waitFor(n: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiter) return Promise.reject(new Error('concurrent reads on one ByteReader'));
    return new Promise((resolve, reject) => {
      this.waiter = { n, resolve, reject };
    });
  }
}
