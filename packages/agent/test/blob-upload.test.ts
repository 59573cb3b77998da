import { createHash, randomBytes } from 'node:crypto';
import { type Bus, TimeoutError } from '@figaro/bus';
import { Api, ImageBlock, MAX_BLOB_CHUNK_BYTES, MAX_PAYLOAD_BYTES } from '@figaro/protocol';
import { describe, expect, it } from 'vitest';
import { BlobUploadError, CancelledError, imageUploader, uploadBlob } from '../src/index.js';
import { useServerWorld } from './support/server-world.js';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** One `blobs.put` request as the orchestrator received it (or did not). */
interface SentChunk {
  index: number;
  total: number;
  bytes: number;
  payloadBytes: number;
}

/**
 * The agent's bus, recording every `blobs.put` it sends; `loseReply` decides which replies are lost
 * after the orchestrator handled the request (the caller then sees a timeout, as on a flaky link).
 */
function recordingBus(bus: Bus, loseReply: (chunk: SentChunk) => boolean = () => false) {
  const sent: SentChunk[] = [];
  const wrapped: Bus = {
    kind: bus.kind,
    publish: (subject, data, opts) => bus.publish(subject, data, opts),
    append: (subject, data, opts) => bus.append(subject, data, opts),
    subscribe: (pattern, handler, opts) => bus.subscribe(pattern, handler, opts),
    consume: (stream, durable, filter, handler, opts) => bus.consume(stream, durable, filter, handler, opts),
    close: () => bus.close(),
    async request(entry, data, opts) {
      const parsed = Api.blobsPut.request.safeParse(data);
      if (entry.subject !== Api.blobsPut.subject || !parsed.success) return bus.request(entry, data, opts);
      const put = parsed.data;
      const chunk = {
        index: put.index,
        total: put.total,
        bytes: Buffer.from(put.data, 'base64').length,
        payloadBytes: Buffer.byteLength(JSON.stringify(data)),
      };
      sent.push(chunk);
      const reply = await bus.request(entry, data, opts);
      if (loseReply(chunk)) throw new TimeoutError(entry.subject, opts?.timeoutMs ?? entry.timeoutMs);
      return reply;
    },
  };
  return { bus: wrapped, sent };
}

describe('uploadBlob against a real orchestrator (MemoryBus + PGlite)', () => {
  // The orchestrator's own config: no agents here, nothing to sweep fast.
  const world = useServerWorld({ config: {} });

  it('uploads a 500 KB screenshot in chunks that fit the bus and returns its reference', async () => {
    const data = randomBytes(500_000);
    const { bus, sent } = recordingBus(world.agentBus);
    const ref = await uploadBlob(bus, { data, mediaType: 'image/png' });
    expect(ref).toEqual({ type: 'blob', sha256: sha256(data), media_type: 'image/png' });
    expect(ImageBlock.safeParse({ type: 'image', source: ref }).success).toBe(true);
    expect(sent.map((c) => c.index)).toEqual([0, 1, 2]);
    for (const chunk of sent) {
      expect(chunk.total).toBe(3);
      expect(chunk.bytes).toBeLessThanOrEqual(MAX_BLOB_CHUNK_BYTES);
      expect(chunk.payloadBytes).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    }
    const stored = await world.store.blobs.get(ref.sha256);
    expect(stored?.media_type).toBe('image/png');
    expect(stored?.bytes.equals(data)).toBe(true);
  });

  it('sends a chunk again when its reply is lost', async () => {
    const data = randomBytes(400_000);
    let lost = 0;
    const { bus, sent } = recordingBus(world.agentBus, (chunk) => chunk.index === 1 && lost++ < 2);
    const ref = await uploadBlob(bus, { data, mediaType: 'image/jpeg' }, { retryDelaysMs: [5, 5, 5] });
    expect(sent.map((c) => c.index)).toEqual([0, 1, 1, 1, 2]);
    expect((await world.store.blobs.get(ref.sha256))?.bytes.equals(data)).toBe(true);
  });

  it('gives up when the replies keep getting lost', async () => {
    const { bus, sent } = recordingBus(world.agentBus, () => true);
    const upload = uploadBlob(
      bus,
      { data: randomBytes(10), mediaType: 'image/png' },
      { retryDelaysMs: [1, 1] },
    );
    await expect(upload).rejects.toBeInstanceOf(BlobUploadError);
    expect(sent).toHaveLength(3);
  });

  it('sends a stored blob no more than its first chunk', async () => {
    const data = randomBytes(300_000);
    await uploadBlob(world.agentBus, { data, mediaType: 'image/png' });
    const { bus, sent } = recordingBus(world.agentBus);
    await expect(uploadBlob(bus, { data, mediaType: 'image/png' })).resolves.toMatchObject({
      sha256: sha256(data),
    });
    expect(sent.map((c) => c.index)).toEqual([0]);
  });

  it('links the blob to its task through an ImageUploader', async () => {
    const task = await world.agentBus.request(Api.tasksCreate, { prompt: 'take a screenshot' });
    const upload = imageUploader(world.agentBus, { taskId: task.task_id });
    const shot = randomBytes(1_000);
    const ref = await upload(shot, 'image/webp');
    expect(ref).toEqual({ type: 'blob', sha256: sha256(shot), media_type: 'image/webp' });
    expect(await world.store.blobs.get(ref.sha256)).toMatchObject({ task_id: task.task_id, size: 1_000 });
  });

  it('uploads an empty blob as one empty chunk', async () => {
    const ref = await uploadBlob(world.agentBus, { data: Buffer.alloc(0), mediaType: 'text/plain' });
    expect(ref.sha256).toBe(sha256(Buffer.alloc(0)));
    expect((await world.store.blobs.get(ref.sha256))?.size).toBe(0);
  });

  it('fails at once on a refused chunk and stops when aborted', async () => {
    const { bus, sent } = recordingBus(world.agentBus);
    await expect(uploadBlob(bus, { data: randomBytes(10), mediaType: '' })).rejects.toBeInstanceOf(
      BlobUploadError,
    );
    expect(sent).toHaveLength(0); // the bus refused it before sending
    const controller = new AbortController();
    controller.abort();
    await expect(
      uploadBlob(
        world.agentBus,
        { data: randomBytes(10), mediaType: 'image/png' },
        { signal: controller.signal },
      ),
    ).rejects.toBeInstanceOf(CancelledError);
  });
});
