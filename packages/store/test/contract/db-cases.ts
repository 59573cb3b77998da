import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { silentLogger } from '@figaro/protocol';
import { tempDir } from '@figaro/testkit';
import { describe, expect, it } from 'vitest';
import {
  appliedMigrations,
  ClosedError,
  ConflictError,
  CorruptValueError,
  type Db,
  defaultMigrationsDir,
  loadMigrations,
  migrate,
  NestedQueryError,
  StoreError,
} from '../../src/index.js';
import { type ContractTarget, newId } from './target.js';
import { describeTextCases } from './text-cases.js';

/** One query covering every normalised type; both drivers must return exactly `EXPECTED_ROW`. */
const NORMALISATION_SQL = String.raw`
SELECT
  9007199254740991::int8 AS int8_max,
  -42::int8 AS int8_neg,
  7::int4 AS int4,
  3::int2 AS int2,
  12.50::numeric AS numeric,
  1.5::float8 AS float8,
  0.25::real AS real,
  true AS bool,
  'text'::text AS text,
  '\x00ff10'::bytea AS bytea,
  '2024-02-29 23:59:58.123456+02'::timestamptz AS timestamptz,
  '1999-12-31 23:00:00'::timestamp AS timestamp,
  '2024-02-29'::date AS date,
  '{"b": {"c": [1, "x", null]}, "a": 1.0}'::jsonb AS jsonb,
  '[1,2]'::json AS json,
  NULL::text AS null_text,
  NULL::jsonb AS null_jsonb,
  'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid AS uuid,
  ARRAY[1, 2, NULL]::int8[] AS int8_array,
  ARRAY['a', 'b,c', 'd"e', 'f\g', NULL, 'NULL', '']::text[] AS text_array,
  ARRAY[1.50, 2]::numeric[] AS numeric_array,
  ARRAY['2024-01-01 00:00:00+00']::timestamptz[] AS timestamptz_array,
  ARRAY['{"k": 1}']::jsonb[] AS jsonb_array,
  '{{1,2},{3,4}}'::int4[] AS nested,
  '{}'::text[] AS empty_array,
  ARRAY['\x01'::bytea] AS bytea_array,
  ARRAY[true, false] AS bool_array,
  '1 day 02:00:00'::interval AS interval,
  '0044-03-15 12:00:00+00 BC'::timestamptz AS bc,
  'infinity'::timestamptz AS forever,
  '[0:1]={7,8}'::int4[] AS shifted`;

const EXPECTED_ROW = {
  int8_max: 9007199254740991,
  int8_neg: -42,
  int4: 7,
  int2: 3,
  numeric: '12.50',
  float8: 1.5,
  real: 0.25,
  bool: true,
  text: 'text',
  bytea: Buffer.from([0x00, 0xff, 0x10]),
  timestamptz: '2024-02-29T21:59:58.123Z',
  timestamp: '1999-12-31T23:00:00.000Z',
  date: '2024-02-29',
  jsonb: { a: 1, b: { c: [1, 'x', null] } },
  json: [1, 2],
  null_text: null,
  null_jsonb: null,
  uuid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  int8_array: [1, 2, null],
  text_array: ['a', 'b,c', 'd"e', 'f\\g', null, 'NULL', ''],
  numeric_array: ['1.50', '2'],
  timestamptz_array: ['2024-01-01T00:00:00.000Z'],
  jsonb_array: [{ k: 1 }],
  nested: [
    [1, 2],
    [3, 4],
  ],
  empty_array: [],
  bytea_array: [Buffer.from([0x01])],
  bool_array: [true, false],
  interval: '1 day 02:00:00',
  bc: '-000043-03-15T12:00:00.000Z',
  forever: 'infinity',
  shifted: [7, 8],
};

async function insertBareTask(db: Db, id: string): Promise<void> {
  await db.query("INSERT INTO tasks (id, prompt) VALUES ($1, 'bare')", [id]);
}

async function taskExists(db: Db, id: string): Promise<boolean> {
  return (await db.query('SELECT 1 FROM tasks WHERE id = $1', [id])).length > 0;
}

export function describeDbCases(target: ContractTarget): void {
  const db = () => target.store().db;
  describeTextCases(target);

  describe('migrations', () => {
    it('applies every migration once and nothing on a second run', async () => {
      const files = await loadMigrations();
      const before = await appliedMigrations(db());
      expect(before.map((m) => [m.version, m.name])).toEqual(files.map((m) => [m.version, m.name]));
      expect(await migrate(db(), { logger: silentLogger })).toEqual([]);
      expect(await appliedMigrations(db())).toEqual(before);
    });

    it('rolls a failing migration back entirely and records nothing', async () => {
      const dir = await tempDir('figaro-migrations-');
      try {
        await cp(defaultMigrationsDir(), dir.path, { recursive: true });
        const table = `broken_${newId().slice(0, 8)}`;
        await writeFile(
          join(dir.path, '9001_broken.sql'),
          `CREATE TABLE ${table} (id int);\nSELECT 1 / 0;\n`,
        );
        await expect(migrate(db(), { logger: silentLogger, dir: dir.path })).rejects.toThrow(
          /9001_broken failed/,
        );
        const [row] = await db().query('SELECT to_regclass($1) IS NULL AS absent', [table]);
        expect(row).toEqual({ absent: true });
        expect((await appliedMigrations(db())).map((m) => m.version)).not.toContain(9001);
      } finally {
        await dir.remove();
      }
    });
  });

  describe('value normalisation', () => {
    it('returns the same values for every column type', async () => {
      const rows = await db().query(NORMALISATION_SQL);
      expect(rows).toStrictEqual([EXPECTED_ROW]);
      expect(Buffer.isBuffer(rows[0]?.bytea)).toBe(true);
    });

    it('encodes parameters identically', async () => {
      const rows = await db().query(
        `SELECT $1::bytea AS bytea, $2::timestamptz AS at, $3::jsonb AS doc, $4::int8[] AS ints, $5::text AS nothing,
           $6::numeric AS amount, $7::text[] AS texts, $8::boolean AS yes, $9::jsonb AS list, $10::int4 AS n, $11::int4[] AS grid`,
        [
          Buffer.from('hi'),
          new Date('2024-05-06T07:08:09.010Z'),
          { nested: { ok: true } },
          [1, 2],
          null,
          '0.10',
          ['a,b', 'c"d', 'e\\f', null],
          true,
          JSON.stringify([1, 'x']),
          5,
          [
            [1, 2],
            [3, 4],
          ],
        ],
      );
      expect(rows).toStrictEqual([
        {
          bytea: Buffer.from('hi'),
          at: '2024-05-06T07:08:09.010Z',
          doc: { nested: { ok: true } },
          ints: [1, 2],
          nothing: null,
          amount: '0.10',
          texts: ['a,b', 'c"d', 'e\\f', null],
          yes: true,
          list: [1, 'x'],
          n: 5,
          grid: [
            [1, 2],
            [3, 4],
          ],
        },
      ]);
    });

    it('refuses int8 values a JS number cannot hold', async () => {
      await expect(db().query('SELECT 9007199254740992::int8 AS x')).rejects.toBeInstanceOf(
        CorruptValueError,
      );
      await expect(db().query('SELECT -9007199254740992::int8 AS x')).rejects.toBeInstanceOf(
        CorruptValueError,
      );
      expect(await db().query('SELECT count(*) AS n FROM (VALUES (1), (2)) AS v(x)')).toEqual([{ n: 2 }]);
    });

    it('maps a unique violation to ConflictError', async () => {
      const id = newId();
      await insertBareTask(db(), id);
      const failure = await insertBareTask(db(), id).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ConflictError);
      expect(failure).toMatchObject({ code: 'conflict', constraint: 'tasks_pkey' });
    });

    it('takes exactly one statement per query; exec runs scripts', async () => {
      await expect(db().query('SELECT 1; SELECT 2')).rejects.toMatchObject({
        name: 'QueryError',
        sqlState: '42601',
      });
      await expect(db().exec('SELECT 1; SELECT 2;')).resolves.toBeUndefined();
    });

    it('reports other database errors as StoreError with their SQLSTATE', async () => {
      await expect(db().query('SELECT * FROM no_such_table')).rejects.toMatchObject({
        name: 'QueryError',
        sqlState: '42P01',
      });
    });
  });

  describe('transactions', () => {
    it('commits what fn wrote when it resolves', async () => {
      const id = newId();
      const result = await db().tx(async (tx) => {
        await insertBareTask(tx, id);
        return 'done';
      });
      expect(result).toBe('done');
      expect(await taskExists(db(), id)).toBe(true);
    });

    it("rolls back when fn throws and rethrows fn's own error", async () => {
      const id = newId();
      const boom = new Error('boom');
      const failure = await db()
        .tx(async (tx) => {
          await insertBareTask(tx, id);
          throw boom;
        })
        .catch((error: unknown) => error);
      expect(failure).toBe(boom);
      expect(await taskExists(db(), id)).toBe(false);
    });

    it('rejects use of the outer handle inside tx with NestedQueryError', async () => {
      const id = newId();
      const outer = db();
      const failure = await outer
        .tx(async (tx) => {
          await insertBareTask(tx, id);
          await outer.query('SELECT 1');
        })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(NestedQueryError);
      await expect(outer.tx(async () => outer.tx(async () => 1))).rejects.toBeInstanceOf(NestedQueryError);
      expect(await taskExists(outer, id)).toBe(false);
      expect(await outer.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    });

    it('lets unrelated work use the outer handle while a transaction runs', async () => {
      let release = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let entered = () => {};
      const inside = new Promise<void>((resolve) => {
        entered = resolve;
      });
      const running = db().tx(async (tx) => {
        await tx.query('SELECT 1');
        entered();
        await gate;
        return (await tx.query('SELECT 2 AS two'))[0];
      });
      await inside;
      const outside = db().query('SELECT 3 AS three');
      release();
      expect(await running).toEqual({ two: 2 });
      expect(await outside).toEqual([{ three: 3 }]);
    });

    it('closes the transaction handle when fn settles', async () => {
      let leaked: Db | undefined;
      await db().tx(async (tx) => {
        leaked = tx;
      });
      await expect(leaked?.query('SELECT 1')).rejects.toBeInstanceOf(ClosedError);
      await expect(leaked?.close()).rejects.toBeInstanceOf(StoreError);
    });

    it('nests transactions as savepoints', async () => {
      const kept = newId();
      const undone = newId();
      await db().tx(async (tx) => {
        await insertBareTask(tx, kept);
        await tx
          .tx(async (inner) => {
            await insertBareTask(inner, undone);
            throw new Error('undo inner');
          })
          .catch(() => {});
      });
      expect(await taskExists(db(), kept)).toBe(true);
      expect(await taskExists(db(), undone)).toBe(false);
    });
  });
}
