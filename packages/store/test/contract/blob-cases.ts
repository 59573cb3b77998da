import { createHash, randomBytes } from 'node:crypto';
import { InvalidRequestError } from '@figaro/protocol';
import { describe, expect, it } from 'vitest';
import { type BlobChunk, BlobHashMismatchError } from '../../src/index.js';
import { type ContractTarget, newId } from './target.js';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** `data` cut into `count` nearly equal chunks. */
function split(data: Buffer, count: number): Buffer[] {
  const size = Math.ceil(data.length / count);
  return Array.from({ length: count }, (_, i) => data.subarray(i * size, (i + 1) * size));
}

export function describeBlobCases(target: ContractTarget): void {
  const store = () => target.store();
  const blobs = () => store().blobs;

  async function pendingChunks(hash: string): Promise<number> {
    const [row] = await store().db.query('SELECT count(*)::int AS n FROM blob_uploads WHERE sha256 = $1', [
      hash,
    ]);
    return Number(row?.n);
  }

  describe('BlobsRepo', () => {
    it('stores a single-chunk blob and returns it', async () => {
      const data = randomBytes(1000);
      const hash = sha256(data);
      expect(await blobs().exists(hash)).toBe(false);
      expect(await blobs().get(hash)).toBeNull();
      const put = await blobs().putChunk({ sha256: hash, media_type: 'image/png', index: 0, total: 1, data });
      expect(put).toEqual({ complete: true });
      expect(await blobs().exists(hash)).toBe(true);
      const stored = await blobs().get(hash);
      expect(stored).toMatchObject({ sha256: hash, media_type: 'image/png', size: 1000, task_id: null });
      expect(stored?.bytes.equals(data)).toBe(true);
      expect(await pendingChunks(hash)).toBe(0);
    });

    it('assembles three chunks sent out of order', async () => {
      const data = randomBytes(300_001);
      const hash = sha256(data);
      const chunks = split(data, 3);
      const put = (index: number) =>
        blobs().putChunk({
          sha256: hash,
          media_type: 'image/jpeg',
          index,
          total: 3,
          data: chunks[index] ?? Buffer.alloc(0),
        });
      expect(await put(2)).toEqual({ complete: false });
      expect(await put(0)).toEqual({ complete: false });
      expect(await pendingChunks(hash)).toBe(2);
      expect(await blobs().exists(hash)).toBe(false);
      // A resent chunk replaces the stored one and does not count twice.
      expect(await put(0)).toEqual({ complete: false });
      expect(await put(1)).toEqual({ complete: true });
      const stored = await blobs().get(hash);
      expect(stored?.size).toBe(300_001);
      expect(stored?.bytes.equals(data)).toBe(true);
      expect(await pendingChunks(hash)).toBe(0);
    });

    it('completes exactly once when all chunks arrive at the same time', async () => {
      const data = randomBytes(50_000);
      const hash = sha256(data);
      const chunks = split(data, 5);
      const results = await Promise.all(
        chunks.map((chunk, index) =>
          blobs().putChunk({ sha256: hash, media_type: 'image/png', index, total: 5, data: chunk }),
        ),
      );
      expect(results.some((r) => r.complete)).toBe(true);
      expect((await blobs().get(hash))?.bytes.equals(data)).toBe(true);
      expect(await pendingChunks(hash)).toBe(0);
    });

    it('rejects chunks that do not hash to their sha256 and discards them', async () => {
      const data = randomBytes(4096);
      const hash = sha256(data);
      const [first, second] = split(data, 2);
      if (!first || !second) throw new Error('split failed');
      const tampered = Buffer.from(second);
      tampered[0] = (tampered[0] ?? 0) ^ 0xff;
      await blobs().putChunk({ sha256: hash, media_type: 'image/png', index: 0, total: 2, data: first });
      const failure = blobs().putChunk({
        sha256: hash,
        media_type: 'image/png',
        index: 1,
        total: 2,
        data: tampered,
      });
      await expect(failure).rejects.toBeInstanceOf(BlobHashMismatchError);
      await expect(failure).rejects.toMatchObject({
        code: 'invalid_request',
        message: expect.stringContaining('hash mismatch'),
      });
      expect(await blobs().exists(hash)).toBe(false);
      expect(await pendingChunks(hash)).toBe(0);
      // The upload may start over and succeed.
      await blobs().putChunk({ sha256: hash, media_type: 'image/png', index: 1, total: 2, data: second });
      expect(
        await blobs().putChunk({ sha256: hash, media_type: 'image/png', index: 0, total: 2, data: first }),
      ).toEqual({ complete: true });
    });

    it('treats a put of a stored blob as complete and keeps the stored one', async () => {
      const data = randomBytes(2048);
      const hash = sha256(data);
      await blobs().putChunk({ sha256: hash, media_type: 'image/png', index: 0, total: 1, data });
      const before = await blobs().get(hash);
      expect(
        await blobs().putChunk({ sha256: hash, media_type: 'image/png', index: 0, total: 1, data }),
      ).toEqual({
        complete: true,
      });
      // Any chunk of a stored blob completes at once and leaves nothing pending.
      const [half] = split(data, 2);
      expect(
        await blobs().putChunk({
          sha256: hash,
          media_type: 'image/webp',
          index: 0,
          total: 2,
          data: half ?? Buffer.alloc(0),
        }),
      ).toEqual({ complete: true });
      expect(await pendingChunks(hash)).toBe(0);
      expect(await blobs().get(hash)).toStrictEqual(before);
    });

    it('round-trips every byte value unchanged and reads slices', async () => {
      const data = Buffer.concat([
        Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
        Buffer.from('\\x00\\\\\x00\n\r\'"', 'latin1'),
        randomBytes(70_000),
      ]);
      const hash = sha256(data);
      const chunks = split(data, 2);
      for (const [index, chunk] of chunks.entries()) {
        await blobs().putChunk({
          sha256: hash,
          media_type: 'application/octet-stream',
          index,
          total: 2,
          data: chunk,
        });
      }
      const stored = await blobs().get(hash);
      expect(Buffer.isBuffer(stored?.bytes)).toBe(true);
      expect(stored?.bytes.equals(data)).toBe(true);
      expect(sha256(stored?.bytes ?? Buffer.alloc(0))).toBe(hash);

      const head = await blobs().read(hash, 0, 256);
      expect(head).toMatchObject({ media_type: 'application/octet-stream', size: data.length });
      expect(head?.bytes.equals(data.subarray(0, 256))).toBe(true);
      const tail = await blobs().read(hash, data.length - 10, 1000);
      expect(tail?.bytes.equals(data.subarray(data.length - 10))).toBe(true);
      expect((await blobs().read(hash, data.length + 5, 10))?.bytes.length).toBe(0);
      expect(await blobs().read(sha256(randomBytes(8)), 0, 10)).toBeNull();
    });

    it('links a blob to its task when the task exists', async () => {
      const { task } = await store().tasks.create({ id: newId(), prompt: 'with a screenshot' });
      const shot = randomBytes(64);
      await blobs().putChunk({
        sha256: sha256(shot),
        media_type: 'image/png',
        index: 0,
        total: 1,
        data: shot,
        task_id: task.id,
      });
      expect((await blobs().get(sha256(shot)))?.task_id).toBe(task.id);

      const orphan = randomBytes(64);
      await blobs().putChunk({
        sha256: sha256(orphan),
        media_type: 'image/png',
        index: 0,
        total: 1,
        data: orphan,
        task_id: newId(),
      });
      expect((await blobs().get(sha256(orphan)))?.task_id).toBeNull();
      // A later put naming a task records it on an unlinked blob.
      await blobs().putChunk({
        sha256: sha256(orphan),
        media_type: 'image/png',
        index: 0,
        total: 1,
        data: orphan,
        task_id: task.id,
      });
      expect((await blobs().get(sha256(orphan)))?.task_id).toBe(task.id);
    });

    it('restarts an upload sent again with another number of chunks', async () => {
      const data = randomBytes(9000);
      const hash = sha256(data);
      const [a] = split(data, 3);
      await blobs().putChunk({
        sha256: hash,
        media_type: 'image/png',
        index: 0,
        total: 3,
        data: a ?? Buffer.alloc(0),
      });
      const halves = split(data, 2);
      await blobs().putChunk({
        sha256: hash,
        media_type: 'image/png',
        index: 1,
        total: 2,
        data: halves[1] ?? Buffer.alloc(0),
      });
      expect(await pendingChunks(hash)).toBe(1);
      expect(
        await blobs().putChunk({
          sha256: hash,
          media_type: 'image/png',
          index: 0,
          total: 2,
          data: halves[0] ?? Buffer.alloc(0),
        }),
      ).toEqual({ complete: true });
      expect((await blobs().get(hash))?.bytes.equals(data)).toBe(true);
    });

    it('discards an upload that grows beyond maxBytes', async () => {
      const data = randomBytes(3000);
      const hash = sha256(data);
      const [a, b] = split(data, 2);
      const put = (index: number, chunk: Buffer | undefined) =>
        blobs().putChunk(
          { sha256: hash, media_type: 'image/png', index, total: 3, data: chunk ?? Buffer.alloc(0) },
          { maxBytes: 2000 },
        );
      expect(await put(0, a)).toEqual({ complete: false });
      await expect(put(1, b)).rejects.toMatchObject({ code: 'invalid_request' });
      expect(await pendingChunks(hash)).toBe(0);
    });

    it('discards abandoned uploads', async () => {
      const data = randomBytes(100);
      const hash = sha256(data);
      await blobs().putChunk({ sha256: hash, media_type: 'image/png', index: 0, total: 2, data });
      expect(await blobs().deleteStaleUploads(60_000)).toBe(0);
      expect(await pendingChunks(hash)).toBe(1);
      await store().db.query(
        "UPDATE blob_uploads SET created_at = now() - interval '2 minutes' WHERE sha256 = $1",
        [hash],
      );
      expect(await blobs().deleteStaleUploads(60_000)).toBeGreaterThanOrEqual(1);
      expect(await pendingChunks(hash)).toBe(0);
    });

    it('refuses malformed chunks', async () => {
      const data = randomBytes(10);
      const put = (overrides: Partial<BlobChunk>) =>
        blobs().putChunk({
          sha256: sha256(data),
          media_type: 'image/png',
          index: 0,
          total: 1,
          data,
          ...overrides,
        });
      await expect(put({ index: 1 })).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(put({ sha256: 'ABC' })).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(put({ media_type: '' })).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(put({ total: 0 })).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(blobs().get('nope')).rejects.toBeInstanceOf(InvalidRequestError);
    });
  });
}
