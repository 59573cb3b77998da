import { createHash } from 'node:crypto';
import { type Bus, NoRespondersError, TimeoutError } from '@figaro/bus';
import { Api, type BlobRef, MAX_BLOB_CHUNK_BYTES } from '@figaro/protocol';
import { AgentError, CancelledError } from '../errors.js';

/**
 * Uploads an image (a screenshot, a zoomed region) and returns the reference that message content
 * carries instead of the bytes: `{type: "image", source: <BlobRef>}`. Executors receive one so that
 * tools need not know the bus.
 */
export type ImageUploader = (data: Buffer, mediaType: string) => Promise<BlobRef>;

/**
 * Bytes per uploaded chunk. The protocol allows 192 KiB, but a full 192 KiB chunk is 256 KiB in base64
 * and the request's other fields would push it over the 256 KiB payload limit; 1 KiB less fits.
 */
export const BLOB_UPLOAD_CHUNK_BYTES = MAX_BLOB_CHUNK_BYTES - 1024;

const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [200, 500, 1_000, 2_000, 5_000];

/** What to upload. */
export interface BlobUpload {
  data: Buffer;
  /** `type/subtype`, e.g. `image/png`. */
  mediaType: string;
  /** The task the blob belongs to (its retention follows the task's). */
  taskId?: string;
}

/** Options of `uploadBlob`. */
export interface UploadBlobOptions {
  /** Bytes per chunk, at most `MAX_BLOB_CHUNK_BYTES`. Default `BLOB_UPLOAD_CHUNK_BYTES`. */
  chunkBytes?: number;
  /** Wait for each chunk's reply, in milliseconds. Default the catalogue's (5 s). */
  timeoutMs?: number;
  /**
   * Pauses before each retry of a chunk, in milliseconds; its length is the number of retries.
   * Default 200, 500, 1,000, 2,000, 5,000.
   */
  retryDelaysMs?: readonly number[];
  /** Aborts the upload between chunks and during retry pauses (`CancelledError`). */
  signal?: AbortSignal;
}

/** An upload failed: a chunk was refused, retries ran out, or the orchestrator never completed it. */
export class BlobUploadError extends AgentError {}

/**
 * Uploads `data` as a blob over `figaro.api.blobs.put`: computes its SHA-256 and sends chunks in
 * order. A chunk whose request times out (or finds no orchestrator listening) is sent again after a
 * pause (chunks are idempotent); other errors (`invalid_request`, a hash mismatch) fail at once. When
 * the orchestrator already stores the blob, the first reply says so and nothing more is sent. If the
 * last chunk does not complete the upload (its earlier chunks were purged meanwhile), every chunk is
 * sent once more. Resolves to `{type: "blob", sha256, media_type}`; rejects with `BlobUploadError`,
 * or `CancelledError` when `signal` aborts.
 */
export async function uploadBlob(
  bus: Bus,
  upload: BlobUpload,
  options: UploadBlobOptions = {},
): Promise<BlobRef> {
  const chunkBytes = options.chunkBytes ?? BLOB_UPLOAD_CHUNK_BYTES;
  if (!Number.isInteger(chunkBytes) || chunkBytes <= 0 || chunkBytes > MAX_BLOB_CHUNK_BYTES) {
    throw new BlobUploadError(`chunkBytes must be an integer from 1 to ${MAX_BLOB_CHUNK_BYTES}`);
  }
  const { data, mediaType } = upload;
  const sha256 = createHash('sha256').update(data).digest('hex');
  const ref: BlobRef = { type: 'blob', sha256, media_type: mediaType };
  const total = Math.max(1, Math.ceil(data.length / chunkBytes));

  const send = async (index: number): Promise<boolean> => {
    const request = {
      sha256,
      media_type: mediaType,
      index,
      total,
      data: data.subarray(index * chunkBytes, (index + 1) * chunkBytes).toString('base64'),
      ...(upload.taskId !== undefined ? { task_id: upload.taskId } : {}),
    };
    const delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    for (let attempt = 0; ; attempt++) {
      checkAborted(options.signal, sha256);
      try {
        const reply = await bus.request(
          Api.blobsPut,
          request,
          options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : undefined,
        );
        return reply.complete;
      } catch (err) {
        const delay = delays[attempt];
        const retriable = err instanceof TimeoutError || err instanceof NoRespondersError;
        if (!retriable || delay === undefined) {
          throw new BlobUploadError(
            `blob ${sha256}: chunk ${index + 1} of ${total} failed: ${messageOf(err)}`,
            {
              cause: err,
            },
          );
        }
        await pause(delay, options.signal);
      }
    }
  };

  for (let round = 0; round < 2; round++) {
    for (let index = 0; index < total; index++) {
      if (await send(index)) return ref;
    }
  }
  throw new BlobUploadError(
    `blob ${sha256}: the orchestrator did not complete the upload of ${total} chunks`,
  );
}

/** An `ImageUploader` that uploads over `bus` for one task. */
export function imageUploader(
  bus: Bus,
  options: { taskId?: string } & UploadBlobOptions = {},
): ImageUploader {
  const { taskId, ...uploadOptions } = options;
  return (data, mediaType) =>
    uploadBlob(bus, { data, mediaType, ...(taskId !== undefined ? { taskId } : {}) }, uploadOptions);
}

function checkAborted(signal: AbortSignal | undefined, sha256: string): void {
  if (signal?.aborted) throw new CancelledError(`blob ${sha256}: upload cancelled`, { cause: signal.reason });
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
