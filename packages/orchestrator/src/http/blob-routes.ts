import { createHash } from 'node:crypto';
import { Api, FigaroError, MAX_BLOB_CHUNK_BYTES, parseWith, TaskId } from '@figaro/protocol';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { CallContext } from '../api/handlers.js';
import type { ApiRouter } from '../api/router.js';
import { MAX_BLOB_BYTES } from '../blobs/blob-handlers.js';
import type { HttpEnv } from './auth.js';
import { jsonResponse } from './json.js';

/** Path of the blob routes under `/api/v1` (`/blobs/{sha256}`). */
export const BLOBS_PATH = '/blobs';

/** `Cache-Control` of a served blob: its address is its content, so it never changes. */
export const BLOB_CACHE_CONTROL = 'private, max-age=31536000, immutable';

const SHA256 = /^[0-9a-f]{64}$/;
/** `type/subtype` with optional parameters, visible ASCII only (it is echoed as a header). */
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}(\s*;[\x20-\x7e]*)?$/i;
/** Types a browser may render inline; anything else is served as a download (no stored XSS). */
const INLINE =
  /^(image\/(png|jpeg|gif|webp|avif|bmp)|video\/(mp4|webm)|audio\/[a-z0-9.+-]+|text\/plain)(;|$)/i;

/** Options of `blobRoutes`. */
export interface BlobRoutesOptions {
  router: ApiRouter;
  /** Largest body of `PUT /blobs/{sha256}`, in bytes (413 beyond). Default `MAX_BLOB_BYTES` (20 MiB). */
  maxBytes?: number;
}

/** True for a blob upload, which `createHttpApp` exempts from the API's general body limit. */
export function isBlobUpload(method: string, path: string, prefix: string): boolean {
  return method === 'PUT' && path.startsWith(`${prefix}${BLOBS_PATH}/`);
}

/**
 * Raw-bytes blob routes, to be mounted under `/api/v1` behind `requireAuth`. They dispatch into the
 * same `blobsPut` / `blobsGet` handlers as the bus (through the `ApiRouter`), chunk by chunk.
 *
 * - `PUT /blobs/{sha256}` (optional `?task_id=`): the body is the blob, `Content-Type` its media type
 *   (default `application/octet-stream`); at most `maxBytes`. The body's hash is checked before
 *   anything is stored: a mismatch answers 400 `invalid_request`. Answers `{sha256, complete: true}`.
 * - `GET /blobs/{sha256}`: the bytes with the stored `Content-Type`, `Content-Length` and
 *   `Cache-Control: private, max-age=31536000, immutable`; 404 when unknown. Anything but raster
 *   images, common video/audio and plain text is sent as an attachment, and every blob with a
 *   sandboxing CSP and `nosniff`, so an uploaded page cannot run script on the dashboard's origin.
 */
export function blobRoutes(options: BlobRoutesOptions): Hono<HttpEnv> {
  const { router } = options;
  const maxBytes = options.maxBytes ?? MAX_BLOB_BYTES;
  const routes = new Hono<HttpEnv>();
  const ctxOf = (c: Context<HttpEnv>): CallContext => ({ principal: c.get('principal'), transport: 'http' });

  routes.put(
    `${BLOBS_PATH}/:sha256`,
    bodyLimit({
      maxSize: maxBytes,
      onError: (c) =>
        c.json({ error: `blob larger than ${maxBytes} bytes`, code: 'invalid_request' }, 413, {
          Connection: 'close',
        }),
    }),
    async (c) => {
      const sha256 = hashParam(c.req.param('sha256'));
      const mediaType = (c.req.header('content-type') ?? 'application/octet-stream').trim();
      if (!MEDIA_TYPE.test(mediaType) || mediaType.length > 255) {
        throw new FigaroError('invalid_request', 'Content-Type must be a media type (type/subtype)');
      }
      const taskId = c.req.query('task_id');
      if (taskId !== undefined && !TaskId.safeParse(taskId).success) {
        throw new FigaroError('invalid_request', 'task_id must be a lowercase uuid');
      }
      const body = Buffer.from(await c.req.arrayBuffer());
      const actual = createHash('sha256').update(body).digest('hex');
      if (actual !== sha256) {
        throw new FigaroError(
          'invalid_request',
          `hash mismatch: the body hashes to ${actual}, not ${sha256}`,
        );
      }
      const total = Math.max(1, Math.ceil(body.length / MAX_BLOB_CHUNK_BYTES));
      for (let index = 0; index < total; index++) {
        const data = body.subarray(index * MAX_BLOB_CHUNK_BYTES, (index + 1) * MAX_BLOB_CHUNK_BYTES);
        const request = {
          sha256,
          media_type: mediaType,
          index,
          total,
          data: data.toString('base64'),
          ...(taskId !== undefined ? { task_id: taskId } : {}),
        };
        const reply = parseWith(
          Api.blobsPut.reply,
          await router.invoke('blobsPut', request, ctxOf(c)),
          'blobs.put reply',
        );
        // A blob stored before is complete at the first chunk.
        if (reply.complete) return jsonResponse(c, reply);
      }
      throw new FigaroError('internal', `blob ${sha256} was not complete after its last chunk`);
    },
  );

  routes.get(`${BLOBS_PATH}/:sha256`, async (c) => {
    const sha256 = hashParam(c.req.param('sha256'));
    const parts: Buffer[] = [];
    let mediaType = 'application/octet-stream';
    for (let index = 0, total = 1; index < total; index++) {
      const reply = parseWith(
        Api.blobsGet.reply,
        await router.invoke('blobsGet', { sha256, index }, ctxOf(c)),
        'blobs.get reply',
      );
      total = reply.total;
      mediaType = reply.media_type;
      parts.push(Buffer.from(reply.data, 'base64'));
    }
    const bytes = Buffer.concat(parts);
    const safeType = MEDIA_TYPE.test(mediaType) ? mediaType : 'application/octet-stream';
    return c.body(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), 200, {
      'Content-Type': safeType,
      'Content-Length': String(bytes.length),
      'Cache-Control': BLOB_CACHE_CONTROL,
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'X-Content-Type-Options': 'nosniff',
      ...(INLINE.test(safeType) ? {} : { 'Content-Disposition': `attachment; filename="${sha256}"` }),
    });
  });

  return routes;
}

function hashParam(value: string): string {
  if (!SHA256.test(value))
    throw new FigaroError('invalid_request', 'the path must name a lowercase hex sha256');
  return value;
}
