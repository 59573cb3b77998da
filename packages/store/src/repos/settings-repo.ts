import { parseWith } from '@figaro/protocol';
import { z } from 'zod';
import { type Db, parseRows, queryOne } from '../db.js';
import { StoreError } from '../errors.js';
import { storableJson } from '../stored-text.js';

/** A stored setting. */
export const SettingRecord = z.object({ key: z.string(), value: z.unknown(), updated_at: z.string() });
export type SettingRecord = z.infer<typeof SettingRecord>;

const Key = z.string().min(1).max(200);

/**
 * Run-time settings: one JSON value per key (default VNC credentials, generated keys …). Values are
 * stored as given; seal secrets with a `SecretBox` before storing them. Reads return `unknown` unless a
 * schema is given, which the stored value must match (else `CorruptValueError`).
 */
export class SettingsRepo {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** The value stored under `key`, or undefined when there is none. */
  async get(key: string): Promise<unknown>;
  /** The value stored under `key`, parsed with `schema`, or undefined when there is none. */
  async get<S extends z.ZodType>(key: string, schema: S): Promise<z.output<S> | undefined>;
  async get(key: string, schema?: z.ZodType): Promise<unknown> {
    const row = await queryOne(
      this.#db,
      SettingRecord,
      'SELECT * FROM settings WHERE key = $1',
      [key],
      'setting',
    );
    if (!row) return undefined;
    return schema ? parseValue(schema, row, key) : row.value;
  }

  /** Stores `value` (any JSON value) under `key`, replacing what was there. */
  async set(key: string, value: unknown): Promise<void> {
    if (value === undefined) throw new StoreError(`setting ${key}: undefined cannot be stored (use null)`);
    await this.#db.query(
      `INSERT INTO settings (key, value) VALUES ($1, $2::jsonb)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
      [parseWith(Key, key, 'setting key'), storableJson(value)],
    );
  }

  /**
   * The value under `key`; when there is none, `make()`'s value is stored first. Concurrent callers
   * (other replicas included) all get the one value that was stored first: `make` may run in several of
   * them, but only one result is kept (INSERT … ON CONFLICT DO NOTHING, then SELECT).
   */
  async getOrCreate(key: string, make: () => unknown | Promise<unknown>): Promise<unknown>;
  async getOrCreate<S extends z.ZodType>(
    key: string,
    make: () => z.input<S> | Promise<z.input<S>>,
    schema: S,
  ): Promise<z.output<S>>;
  async getOrCreate(key: string, make: () => unknown, schema?: z.ZodType): Promise<unknown> {
    const existing = schema ? await this.get(key, schema) : await this.get(key);
    if (existing !== undefined) return existing;
    const value = await make();
    if (value === undefined) throw new StoreError(`setting ${key}: make() returned undefined`);
    await this.#db.query(
      'INSERT INTO settings (key, value) VALUES ($1, $2::jsonb) ON CONFLICT (key) DO NOTHING',
      [parseWith(Key, key, 'setting key'), storableJson(value)],
    );
    const row = await queryOne(
      this.#db,
      SettingRecord,
      'SELECT * FROM settings WHERE key = $1',
      [key],
      'setting',
    );
    if (!row) throw new StoreError(`setting ${key} was not stored`);
    return schema ? parseValue(schema, row, key) : row.value;
  }

  /** Deletes a setting; true when it existed. */
  async delete(key: string): Promise<boolean> {
    return (await this.#db.query('DELETE FROM settings WHERE key = $1 RETURNING key', [key])).length > 0;
  }
}

function parseValue(schema: z.ZodType, row: SettingRecord, key: string): unknown {
  const [parsed] = parseRows(z.object({ value: schema }), [row], `setting ${key}`);
  return parsed?.value;
}
