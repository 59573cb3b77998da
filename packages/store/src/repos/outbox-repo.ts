import { parseWith } from '@figaro/protocol';
import { z } from 'zod';
import { type Db, queryOne, queryRows } from '../db.js';
import { StoreError } from '../errors.js';
import { storableJson } from '../stored-text.js';

/** A follow-up to publish after commit: the subject, its JSON payload and bus headers. */
export const OutboxMessage = z.object({
  subject: z.string().min(1),
  payload: z.unknown().refine((value) => value !== undefined, 'payload is required'),
  headers: z.record(z.string(), z.string()).default({}),
});
export type OutboxMessage = z.input<typeof OutboxMessage>;

/** A stored outbox row. `attempts` counts failed publishes. */
export const OutboxRecord = z.object({
  id: z.number().int(),
  subject: z.string(),
  payload: z.unknown(),
  headers: z.record(z.string(), z.string()),
  created_at: z.string(),
  attempts: z.number().int(),
});
export type OutboxRecord = z.infer<typeof OutboxRecord>;

const Ids = z.array(z.number().int().positive());

/**
 * The transactional outbox: follow-ups of a committed transition are added in the same transaction
 * and published by a relay, which claims rows, publishes them in id order and deletes them on success.
 */
export class OutboxRepo {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Adds a message (call it on the transition's transaction); returns its id. */
  async add(message: OutboxMessage): Promise<number> {
    const { subject, payload, headers } = parseWith(OutboxMessage, message, 'outbox message');
    const row = await queryOne(
      this.#db,
      z.object({ id: z.number().int() }),
      'INSERT INTO outbox (subject, payload, headers) VALUES ($1, $2::jsonb, $3::jsonb) RETURNING id',
      [subject, storableJson(payload), storableJson(headers)],
      'outbox id',
    );
    if (!row) throw new StoreError(`outbox message for ${subject} was not stored`);
    return row.id;
  }

  /**
   * Up to `limit` rows in id order, locked `FOR UPDATE SKIP LOCKED`: relays on several replicas never
   * claim the same row. Call it inside a transaction and `delete` what was published in the same one;
   * rows left undeleted are claimable again when it ends.
   */
  async claimBatch(limit: number): Promise<OutboxRecord[]> {
    return queryRows(
      this.#db,
      OutboxRecord,
      'SELECT * FROM outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED',
      [parseWith(z.number().int().positive(), limit, 'outbox batch limit')],
      'outbox message',
    );
  }

  /** Deletes published rows; returns how many were deleted. */
  async delete(ids: readonly number[]): Promise<number> {
    if (ids.length === 0) return 0;
    const rows = await this.#db.query('DELETE FROM outbox WHERE id = ANY($1::bigint[]) RETURNING id', [
      parseWith(Ids, ids, 'outbox ids'),
    ]);
    return rows.length;
  }

  /** Counts a failed publish on each row; returns how many rows were updated. */
  async bumpAttempts(ids: readonly number[]): Promise<number> {
    if (ids.length === 0) return 0;
    const rows = await this.#db.query(
      'UPDATE outbox SET attempts = attempts + 1 WHERE id = ANY($1::bigint[]) RETURNING id',
      [parseWith(Ids, ids, 'outbox ids')],
    );
    return rows.length;
  }
}
