import { type Clock, FigaroError, type Logger, MAX_BLOB_CHUNK_BYTES, systemClock } from '@figaro/protocol';
import type { Store } from '@figaro/store';
import type { ApiHandler } from '../api/handlers.js';

/** Largest blob the orchestrator accepts (over the bus and over REST), in bytes. */
export const MAX_BLOB_BYTES = 20 * 1024 * 1024;

/**
 * Size of the chunks `figaro.api.blobs.get` serves, in bytes. A full 192 KiB chunk is exactly 256 KiB
 * in base64, so with the reply's other fields it would exceed the 256 KiB payload limit; 1 KiB less
 * (260,780 base64 characters) leaves room for them (a sha256, a media type of at most 255 characters,
 * two integers). Uploaders should use the same size for the same reason.
 */
export const BLOB_READ_CHUNK_BYTES = MAX_BLOB_CHUNK_BYTES - 1024;

/** Uploads whose newest chunk is older than this are discarded, in milliseconds (1 hour). */
const STALE_UPLOAD_MS = 3_600_000;
/** How often a put also discards stale uploads, at most, in milliseconds (10 minutes). */
const PURGE_INTERVAL_MS = 600_000;

/** Options of `blobHandlers`. */
export interface BlobHandlersOptions {
  /** Times the purge of abandoned uploads. Default the system clock. */
  clock?: Clock;
  /** Where purges of abandoned uploads are reported (failures at debug level). */
  logger?: Logger;
}

/** The blob endpoints of the API. */
export interface BlobHandlers {
  blobsPut: ApiHandler<'blobsPut'>;
  blobsGet: ApiHandler<'blobsGet'>;
}

/**
 * `figaro.api.blobs.put` and `.get` over the store (PROTOCOL.md "Limits and blobs").
 *
 * - put: one chunk of at most 192 KiB (decoded) of at most `MAX_BLOB_BYTES` in all, else
 *   `invalid_request`; replies `{sha256, complete}`, `complete` once every chunk is in and the bytes
 *   matched the hash (a mismatch is `invalid_request` and discards the upload). Putting a stored blob
 *   again is complete at once. Now and then (every 10 minutes at most) a put also discards uploads
 *   abandoned for an hour.
 * - get: chunk `index` of a stored blob, cut in `BLOB_READ_CHUNK_BYTES` pieces, base64, with `total`
 *   (at least 1, an empty blob being one empty chunk); unknown blob → `not_found`, index ≥ total →
 *   `invalid_request`.
 */
export function blobHandlers(store: Store, options: BlobHandlersOptions = {}): BlobHandlers {
  const clock = options.clock ?? systemClock;
  let lastPurge = clock.now().getTime();

  const purgeNowAndThen = (): void => {
    const now = clock.now().getTime();
    if (now - lastPurge < PURGE_INTERVAL_MS) return;
    lastPurge = now;
    store.blobs.deleteStaleUploads(STALE_UPLOAD_MS).then(
      (discarded) => {
        if (discarded > 0) options.logger?.info({ discarded }, 'discarded abandoned blob uploads');
      },
      (err: unknown) => options.logger?.debug({ err: String(err) }, 'stale blob uploads not purged'),
    );
  };

  return {
    async blobsPut(req) {
      const data = Buffer.from(req.data, 'base64');
      if (data.length > MAX_BLOB_CHUNK_BYTES) {
        throw new FigaroError(
          'invalid_request',
          `blob chunk of ${data.length} bytes exceeds the limit of ${MAX_BLOB_CHUNK_BYTES}`,
        );
      }
      if (req.index >= req.total) {
        throw new FigaroError('invalid_request', `chunk index ${req.index} is not below total ${req.total}`);
      }
      purgeNowAndThen();
      const { complete } = await store.blobs.putChunk(
        {
          sha256: req.sha256,
          media_type: req.media_type,
          index: req.index,
          total: req.total,
          data,
          ...(req.task_id ? { task_id: req.task_id } : {}),
        },
        { maxBytes: MAX_BLOB_BYTES },
      );
      return { sha256: req.sha256, complete };
    },

    async blobsGet(req) {
      const slice = await store.blobs.read(
        req.sha256,
        req.index * BLOB_READ_CHUNK_BYTES,
        BLOB_READ_CHUNK_BYTES,
      );
      if (!slice) throw new FigaroError('not_found', `no blob ${req.sha256}`);
      const total = Math.max(1, Math.ceil(slice.size / BLOB_READ_CHUNK_BYTES));
      if (req.index >= total) {
        throw new FigaroError(
          'invalid_request',
          `blob ${req.sha256} has ${total} chunks; index ${req.index} is beyond`,
        );
      }
      return {
        sha256: req.sha256,
        media_type: slice.media_type,
        index: req.index,
        total,
        data: slice.bytes.toString('base64'),
      };
    },
  };
}
