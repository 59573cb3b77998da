import { createHash, randomBytes } from 'node:crypto';
import { RemoteError } from '@figaro/bus';
import { Api } from '@figaro/protocol';
import type { Store } from '@figaro/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BLOB_CACHE_CONTROL,
  BLOB_READ_CHUNK_BYTES,
  MAX_BLOB_BYTES,
  type OrchestratorServer,
  REST_PREFIX,
} from '../src/index.js';
import { embeddedBackend, fleetBackend } from './support/harness.js';
import { type ServerFixture, startServerFixture } from './support/server-fixture.js';

const TOKEN = 'fgr_blob_test_token_0123456789abcdef';
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

for (const backend of [embeddedBackend(), fleetBackend()]) {
  describe(`Blobs on ${backend.name}`, () => {
    let fixture: ServerFixture;
    let store: Store;
    let server: OrchestratorServer;
    let url: string;

    beforeAll(async () => {
      fixture = await startServerFixture(backend, {
        credentials: { apiToken: TOKEN, adminPassword: 'admin-password-1' },
      });
      ({ store, server } = fixture);
      url = `${server.http.url}${REST_PREFIX}/blobs`;
    });
    afterAll(() => fixture?.close());

    const bus = () => fixture.resources.agentBus;
    const auth = { authorization: `Bearer ${TOKEN}` };

    /** Reads a blob over the bus chunk by chunk. */
    async function busGet(hash: string): Promise<{ bytes: Buffer; mediaType: string; total: number }> {
      const first = await bus().request(Api.blobsGet, { sha256: hash, index: 0 });
      const parts = [Buffer.from(first.data, 'base64')];
      for (let index = 1; index < first.total; index++) {
        const chunk = await bus().request(Api.blobsGet, { sha256: hash, index });
        expect(chunk).toMatchObject({
          sha256: hash,
          index,
          total: first.total,
          media_type: first.media_type,
        });
        parts.push(Buffer.from(chunk.data, 'base64'));
      }
      return { bytes: Buffer.concat(parts), mediaType: first.media_type, total: first.total };
    }

    it('stores a 500 KB blob put over the bus in chunks and serves it back in chunks', async () => {
      const data = randomBytes(500_000);
      const hash = sha256(data);
      const chunkSize = 128 * 1024;
      const total = Math.ceil(data.length / chunkSize);
      // Out of order: the last chunk first; only the one that completes the set says so.
      const order = [total - 1, ...Array.from({ length: total - 1 }, (_, i) => i)];
      const replies = [];
      for (const index of order) {
        replies.push(
          await bus().request(Api.blobsPut, {
            sha256: hash,
            media_type: 'image/png',
            index,
            total,
            data: data.subarray(index * chunkSize, (index + 1) * chunkSize).toString('base64'),
          }),
        );
      }
      expect(replies.map((r) => r.complete)).toEqual([...Array(total - 1).fill(false), true]);
      expect(replies.every((r) => r.sha256 === hash)).toBe(true);

      const read = await busGet(hash);
      expect(read.total).toBe(Math.ceil(data.length / BLOB_READ_CHUNK_BYTES));
      expect(read.mediaType).toBe('image/png');
      expect(read.bytes.equals(data)).toBe(true);
      await expect(bus().request(Api.blobsGet, { sha256: hash, index: read.total })).rejects.toMatchObject({
        code: 'invalid_request',
      });
      // Putting it again is complete at once.
      await expect(
        bus().request(Api.blobsPut, {
          sha256: hash,
          media_type: 'image/png',
          index: 0,
          total,
          data: data.subarray(0, chunkSize).toString('base64'),
        }),
      ).resolves.toEqual({ sha256: hash, complete: true });
    });

    it('rejects a bus upload whose bytes do not match the hash, and an unknown blob is not_found', async () => {
      const data = randomBytes(1000);
      const wrong = sha256(randomBytes(1000));
      const failure = bus().request(Api.blobsPut, {
        sha256: wrong,
        media_type: 'image/png',
        index: 0,
        total: 1,
        data: data.toString('base64'),
      });
      await expect(failure).rejects.toBeInstanceOf(RemoteError);
      await expect(failure).rejects.toMatchObject({
        code: 'invalid_request',
        message: expect.stringContaining('hash mismatch'),
      });
      await expect(bus().request(Api.blobsGet, { sha256: wrong, index: 0 })).rejects.toMatchObject({
        code: 'not_found',
      });
    });

    it('refuses a chunk over 192 KiB', async () => {
      const data = randomBytes(192 * 1024 + 1);
      // Too big for the bus itself; the WebSocket hub and REST reach the handler through the router.
      const put = server.orchestrator.router.invoke(
        'blobsPut',
        { sha256: sha256(data), media_type: 'image/png', index: 0, total: 1, data: data.toString('base64') },
        { principal: { kind: 'bus' }, transport: 'ws' },
      );
      await expect(put).rejects.toMatchObject({
        code: 'invalid_request',
        message: expect.stringContaining('exceeds'),
      });
    });

    it('stores a blob put over REST and serves its raw bytes with its type and an immutable cache policy', async () => {
      const data = randomBytes(3 * 1024 * 1024 + 17); // above the API's 1 MiB JSON body limit
      const hash = sha256(data);
      const put = await fetch(`${url}/${hash}`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'image/jpeg' },
        body: data,
      });
      expect(put.status).toBe(200);
      expect(await put.json()).toEqual({ sha256: hash, complete: true });

      const get = await fetch(`${url}/${hash}`, { headers: auth });
      expect(get.status).toBe(200);
      expect(get.headers.get('content-type')).toBe('image/jpeg');
      expect(get.headers.get('cache-control')).toBe(BLOB_CACHE_CONTROL);
      expect(get.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
      expect(get.headers.get('content-length')).toBe(String(data.length));
      expect(get.headers.get('content-disposition')).toBeNull();
      expect(Buffer.from(await get.arrayBuffer()).equals(data)).toBe(true);
      // The same blob over the bus.
      expect((await busGet(hash)).bytes.equals(data)).toBe(true);
      // And a blob put over the bus over REST, as a download unless it is an image.
      const page = Buffer.from('<script>alert(1)</script>');
      await bus().request(Api.blobsPut, {
        sha256: sha256(page),
        media_type: 'text/html',
        index: 0,
        total: 1,
        data: page.toString('base64'),
      });
      const html = await fetch(`${url}/${sha256(page)}`, { headers: auth });
      expect(html.headers.get('content-type')).toBe('text/html');
      expect(html.headers.get('content-disposition')).toMatch(/^attachment/);
      expect(html.headers.get('x-content-type-options')).toBe('nosniff');
      expect(Buffer.from(await html.arrayBuffer()).equals(page)).toBe(true);
    });

    it('answers 401 without a token', async () => {
      const data = randomBytes(100);
      const hash = sha256(data);
      const put = await fetch(`${url}/${hash}`, {
        method: 'PUT',
        headers: { 'content-type': 'image/png' },
        body: data,
      });
      expect(put.status).toBe(401);
      expect(await put.json()).toMatchObject({ code: 'unauthorized' });
      expect(await store.blobs.exists(hash)).toBe(false);
      const get = await fetch(`${url}/${hash}`);
      expect(get.status).toBe(401);
      const wrong = await fetch(`${url}/${hash}`, { headers: { authorization: 'Bearer fgr_wrong' } });
      expect(wrong.status).toBe(401);
    });

    it('answers 400 on a hash mismatch and stores nothing', async () => {
      const data = randomBytes(300_000);
      const claimed = sha256(randomBytes(10));
      const put = await fetch(`${url}/${claimed}`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'image/png' },
        body: data,
      });
      expect(put.status).toBe(400);
      expect(await put.json()).toMatchObject({
        code: 'invalid_request',
        error: expect.stringContaining('hash mismatch'),
      });
      expect(await store.blobs.exists(claimed)).toBe(false);
      expect((await fetch(`${url}/${claimed}`, { headers: auth })).status).toBe(404);
      expect((await fetch(`${url}/not-a-hash`, { headers: auth })).status).toBe(400);
    });

    it('answers 413 for a body over 20 MiB', async () => {
      const data = Buffer.alloc(MAX_BLOB_BYTES + 1, 7);
      const put = await fetch(`${url}/${sha256(data)}`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/octet-stream' },
        body: data,
      });
      expect(put.status).toBe(413);
      expect(await store.blobs.exists(sha256(data))).toBe(false);
    });
  });
}
