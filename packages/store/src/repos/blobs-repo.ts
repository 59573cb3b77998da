import { parseWith, TaskId } from '@figaro/protocol';
import { z } from 'zod';
import { type Db, queryOne } from '../db.js';
import { StoreError } from '../errors.js';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex sha256');
/** RFC 6838 caps type and subtype at 127 characters each; parameters fit in the rest. */
const MediaType = z.string().min(1).max(255);
const Bytes = z.custom<Uint8Array>((value) => value instanceof Uint8Array, 'must be bytes');

/** Most chunks one upload may have (a 20 MiB blob in 192 KiB chunks needs 107). */
export const MAX_BLOB_UPLOAD_CHUNKS = 10_000;

/**
 * What `BlobsRepo.putChunk` takes: chunk `index` (from 0) of `total` of the blob whose SHA-256 (lower
 * hex) is `sha256`. `task_id` links the finished blob to its task (for retention).
 */
export const BlobChunk = z
  .object({
    sha256: Sha256,
    media_type: MediaType,
    index: z.number().int().nonnegative(),
    total: z.number().int().positive().max(MAX_BLOB_UPLOAD_CHUNKS),
    data: Bytes,
    task_id: TaskId.nullish(),
  })
  .refine((chunk) => chunk.index < chunk.total, { message: 'index must be below total', path: ['index'] });
export type BlobChunk = z.input<typeof BlobChunk>;

/** Options of `BlobsRepo.putChunk`. */
export interface PutChunkOptions {
  /**
   * Largest blob accepted, in bytes. An upload whose stored chunks exceed it is discarded and the
   * chunk rejected with an `invalid_request` `StoreError`. Default unlimited.
   */
  maxBytes?: number;
}

/** A stored blob. `task_id` is null when it was stored without one, or its task is gone. */
export const StoredBlob = z.object({
  sha256: z.string(),
  media_type: z.string(),
  bytes: z.instanceof(Buffer),
  size: z.number().int().nonnegative(),
  task_id: z.string().nullable(),
  created_at: z.string(),
});
export type StoredBlob = z.infer<typeof StoredBlob>;

/** A slice of a stored blob (see `BlobsRepo.read`). */
export const BlobSlice = z.object({
  media_type: z.string(),
  size: z.number().int().nonnegative(),
  bytes: z.instanceof(Buffer),
});
export type BlobSlice = z.infer<typeof BlobSlice>;

/**
 * The chunks of an upload do not hash to the sha256 they were sent for (a corrupt or lying upload).
 * The chunks are discarded, so the upload may start again. The caller's fault: wire code
 * `invalid_request`.
 */
export class BlobHashMismatchError extends StoreError {
  readonly expected: string;
  readonly actual: string;
  constructor(expected: string, actual: string) {
    super(
      `blob ${expected}: hash mismatch (the uploaded bytes hash to ${actual}); the chunks were discarded`,
      {
        code: 'invalid_request',
      },
    );
    this.name = 'BlobHashMismatchError';
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * Advisory lock class of blob uploads (`'blob'` in ASCII): every `putChunk` of one sha256 takes
 * `pg_advisory_xact_lock(class, key)` first, so the chunk that completes an upload always sees all the
 * others (two last chunks committing side by side would each miss the other's row).
 */
const LOCK_CLASS = 0x626c6f62;

/** The upload's lock key: the first 32 bits of its hash, as a signed int4. */
function lockKey(sha256: string): number {
  return Number.parseInt(sha256.slice(0, 8), 16) | 0;
}

const Exists = z.object({ exists: z.boolean() });
const Pending = z.object({ count: z.number().int(), bytes: z.number().int() });
const Completed = z.object({ size: z.number().int() });
const Hash = z.object({ actual: z.string().nullable() });

/**
 * Content-addressed blobs and their chunked uploads. Blobs are immutable and keyed by their SHA-256:
 * storing one twice is a no-op. Uploads arrive in chunks in any order; the chunk that completes one
 * moves the concatenated bytes into `blobs` after checking the hash.
 */
export class BlobsRepo {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /**
   * Stores one chunk (a resent chunk replaces the stored one). When all `total` chunks are present, in
   * the same transaction: concatenates them in index order, checks the SHA-256, stores the blob and
   * deletes the chunks; `complete: true` then. A blob that is already stored is `complete: true` at
   * once (its media type is kept; a `task_id` is recorded if it had none). Chunks of an earlier upload
   * of the same hash with another `total` or media type are discarded first (a restarted upload wins).
   * A `task_id` naming no stored task is kept as null. Throws `InvalidRequestError` on bad input and
   * `BlobHashMismatchError` (`invalid_request`) when the bytes do not match, after discarding them.
   */
  async putChunk(input: BlobChunk, options: PutChunkOptions = {}): Promise<{ complete: boolean }> {
    const chunk = parseWith(BlobChunk, input, 'blob chunk');
    const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    const taskId = chunk.task_id ?? null;
    type Outcome = { complete: boolean } | { mismatch: string } | { tooLarge: number };
    const outcome = await this.#db.tx(async (tx): Promise<Outcome> => {
      await tx.query('SELECT pg_advisory_xact_lock($1::int, $2::int)', [LOCK_CLASS, lockKey(chunk.sha256)]);
      if (await exists(tx, chunk.sha256)) {
        await tx.query('DELETE FROM blob_uploads WHERE sha256 = $1', [chunk.sha256]);
        if (taskId !== null) {
          await tx.query(
            `UPDATE blobs SET task_id = (SELECT id FROM tasks WHERE id = $2::uuid)
             WHERE sha256 = $1 AND task_id IS NULL`,
            [chunk.sha256, taskId],
          );
        }
        return { complete: true };
      }
      await tx.query('DELETE FROM blob_uploads WHERE sha256 = $1 AND (total <> $2 OR media_type <> $3)', [
        chunk.sha256,
        chunk.total,
        chunk.media_type,
      ]);
      await tx.query(
        `INSERT INTO blob_uploads (sha256, index, total, media_type, data, task_id)
         VALUES ($1, $2, $3, $4, $5, $6::uuid)
         ON CONFLICT (sha256, index) DO UPDATE
           SET data = EXCLUDED.data, task_id = COALESCE(EXCLUDED.task_id, blob_uploads.task_id),
               created_at = now()`,
        [chunk.sha256, chunk.index, chunk.total, chunk.media_type, chunk.data, taskId],
      );
      const present = await queryOne(
        tx,
        Pending,
        `SELECT count(*)::int AS count, COALESCE(sum(octet_length(data)), 0)::int8 AS bytes
         FROM blob_uploads WHERE sha256 = $1`,
        [chunk.sha256],
        'blob upload count',
      );
      if ((present?.bytes ?? 0) > maxBytes) {
        await tx.query('DELETE FROM blob_uploads WHERE sha256 = $1', [chunk.sha256]);
        return { tooLarge: present?.bytes ?? 0 };
      }
      if ((present?.count ?? 0) < chunk.total) return { complete: false };
      // Concatenated and hashed in the database: the chunks never travel back to this process.
      const stored = await queryOne(
        tx,
        Completed,
        `INSERT INTO blobs (sha256, media_type, bytes, size, task_id)
         SELECT $1, $2, a.bytes, octet_length(a.bytes),
                (SELECT id FROM tasks WHERE id = COALESCE($3::uuid, a.task_id))
         FROM (SELECT string_agg(data, ''::bytea ORDER BY index) AS bytes,
                      (array_agg(task_id) FILTER (WHERE task_id IS NOT NULL))[1] AS task_id
               FROM blob_uploads WHERE sha256 = $1) a
         WHERE encode(sha256(a.bytes), 'hex') = $1
         RETURNING size`,
        [chunk.sha256, chunk.media_type, taskId],
        'stored blob',
      );
      if (stored) {
        await tx.query('DELETE FROM blob_uploads WHERE sha256 = $1', [chunk.sha256]);
        return { complete: true };
      }
      const hash = await queryOne(
        tx,
        Hash,
        `SELECT encode(sha256(string_agg(data, ''::bytea ORDER BY index)), 'hex') AS actual
         FROM blob_uploads WHERE sha256 = $1`,
        [chunk.sha256],
        'blob upload hash',
      );
      await tx.query('DELETE FROM blob_uploads WHERE sha256 = $1', [chunk.sha256]);
      return { mismatch: hash?.actual ?? 'nothing' };
    });
    // Thrown after the commit, so that the discarded chunks stay discarded.
    if ('mismatch' in outcome) throw new BlobHashMismatchError(chunk.sha256, outcome.mismatch);
    if ('tooLarge' in outcome) {
      throw new StoreError(
        `blob ${chunk.sha256}: upload exceeds ${maxBytes} bytes (${outcome.tooLarge} so far); the chunks were discarded`,
        { code: 'invalid_request' },
      );
    }
    return outcome;
  }

  /** The blob with this hash, or null. */
  async get(sha256: string): Promise<StoredBlob | null> {
    return queryOne(
      this.#db,
      StoredBlob,
      'SELECT sha256, media_type, bytes, size, task_id, created_at FROM blobs WHERE sha256 = $1',
      [parseWith(Sha256, sha256, 'blob sha256')],
      'blob',
    );
  }

  /**
   * Up to `length` bytes of a blob from byte `offset` (fewer at its end, none beyond it), with its media
   * type and whole size; null when there is no such blob. Reads only the part asked for.
   */
  async read(sha256: string, offset: number, length: number): Promise<BlobSlice | null> {
    const count = z
      .number()
      .int()
      .nonnegative()
      .max(2 ** 31 - 2);
    return queryOne(
      this.#db,
      BlobSlice,
      `SELECT media_type, size, substring(bytes FROM $2::int + 1 FOR $3::int) AS bytes
       FROM blobs WHERE sha256 = $1`,
      [
        parseWith(Sha256, sha256, 'blob sha256'),
        parseWith(count, offset, 'blob offset'),
        parseWith(count, length, 'blob length'),
      ],
      'blob slice',
    );
  }

  /** True when a blob with this hash is stored. */
  async exists(sha256: string): Promise<boolean> {
    return exists(this.#db, parseWith(Sha256, sha256, 'blob sha256'));
  }

  /**
   * Discards uploads whose newest chunk is older than `olderThanMs` milliseconds (abandoned by their
   * sender); returns how many uploads were discarded.
   */
  async deleteStaleUploads(olderThanMs: number): Promise<number> {
    const rows = await this.#db.query(
      `DELETE FROM blob_uploads WHERE sha256 IN (
         SELECT sha256 FROM blob_uploads GROUP BY sha256
         HAVING max(created_at) < now() - $1::double precision * interval '1 millisecond')
       RETURNING sha256`,
      [parseWith(z.number().nonnegative(), olderThanMs, 'stale upload age')],
    );
    return new Set(rows.map((row) => row.sha256)).size;
  }
}

async function exists(db: Db, sha256: string): Promise<boolean> {
  const row = await queryOne(
    db,
    Exists,
    'SELECT EXISTS (SELECT 1 FROM blobs WHERE sha256 = $1) AS exists',
    [sha256],
    'blob existence',
  );
  return row?.exists ?? false;
}
