import { describe, expect, it } from 'vitest';
import { storableJson } from '../../src/stored-text.js';
import { type ContractTarget, newAgentId, newId } from './target.js';

const NUL = '\u0000';
const FFFD = '\uFFFD';

/** Text PostgreSQL cannot store (NUL, lone surrogates) is stored with U+FFFD on both drivers. */
export function describeTextCases(target: ContractTarget): void {
  const store = () => target.store();
  const db = () => target.store().db;

  describe('unstorable text', () => {
    it('stores NUL in text, text[] and json parameters as U+FFFD', async () => {
      const rows = await db().query(
        `SELECT $1::text AS text, $2::text[] AS texts, $3::jsonb AS doc, $4::jsonb AS list, $5::json AS plain,
           $6::text AS literal`,
        [
          `a${NUL}b`,
          [`x${NUL}`, 'y'],
          { [`k${NUL}`]: { deep: [`v${NUL}`] } },
          storableJson([`e${NUL}`, { f: `g${NUL}` }]),
          storableJson({ h: NUL }),
          'typed \\u0000 as text',
        ],
      );
      expect(rows).toStrictEqual([
        {
          text: `a${FFFD}b`,
          texts: [`x${FFFD}`, 'y'],
          doc: { [`k${FFFD}`]: { deep: [`v${FFFD}`] } },
          list: [`e${FFFD}`, { f: `g${FFFD}` }],
          plain: { h: FFFD },
          literal: 'typed \\u0000 as text',
        },
      ]);
    });

    it('reports a value the column type refuses as invalid_request, not internal', async () => {
      for (const [sql, value] of [
        ['SELECT $1::int4 AS n', 'not a number'],
        ['SELECT $1::int4 AS n', '99999999999'],
        ['SELECT $1::timestamptz AS t', '2024-13-45'],
        ['SELECT $1::uuid AS u', 'not-a-uuid'],
      ] as const) {
        await expect(db().query(sql, [value]), `${sql} ${value}`).rejects.toMatchObject({
          name: 'QueryError',
          code: 'invalid_request',
          sqlState: expect.stringMatching(/^22/),
        });
      }
      await expect(db().query('SELECT $1::tsvector AS v', ['x'.repeat(1_100_000)])).rejects.toMatchObject({
        code: 'invalid_request',
        sqlState: '54000',
      });
      await expect(db().query('SELECT * FROM no_such_table')).rejects.toMatchObject({ code: 'internal' });
    });

    it('stores lone surrogates in text and jsonb as U+FFFD', async () => {
      const rows = await db().query('SELECT $1::text AS text, $2::jsonb AS doc', [
        'a\uD800b',
        storableJson({ s: 'c\uDC00😀' }),
      ]);
      expect(rows).toStrictEqual([{ text: `a${FFFD}b`, doc: { s: `c${FFFD}😀` } }]);
    });

    it('stores text that is a JSON document with NUL and lone-surrogate escapes byte for byte', async () => {
      const typed = '{"cmd":"printf","arg":"\\u0000","hi":"\\ud800"}';
      const [row] = await db().query('SELECT $1::text AS text', [typed]);
      expect(row?.text).toBe(typed);

      const input = { id: newId(), prompt: typed, source_metadata: { note: typed } };
      const { task } = await store().tasks.create(input);
      expect(task).toMatchObject({ prompt: typed, source_metadata: { note: typed } });
      await expect(store().tasks.create(input)).resolves.toMatchObject({ created: false });
    });

    it('creates a task whose prompt and metadata hold NUL, idempotently', async () => {
      const input = {
        id: newId(),
        prompt: `read${NUL}this`,
        options: { note: `n${NUL}` },
        source_metadata: { from: `web${NUL}` },
      };
      const { task, created } = await store().tasks.create(input);
      expect(created).toBe(true);
      expect(task).toMatchObject({
        prompt: `read${FFFD}this`,
        options: { note: `n${FFFD}` },
        source_metadata: { from: `web${FFFD}` },
      });
      await expect(store().tasks.create(input)).resolves.toMatchObject({ created: false });
    });

    it('records a task event whose message holds NUL', async () => {
      const { task } = await store().tasks.create({ id: newId(), prompt: 'events with NUL' });
      await store().tasks.transition(task.id, 'assigned', { set: { worker_id: newAgentId() } });
      const outcome = await store().taskEvents.record({
        task_id: task.id,
        attempt: 1,
        seq: 1,
        type: 'message',
        payload: { content: [{ type: 'text', text: `ssh said ${NUL}${NUL}` }] },
      });
      expect(outcome).toMatchObject({ inserted: true, quarantined: false });
      const [event] = await store().taskEvents.list(task.id);
      expect(event?.payload).toEqual({ content: [{ type: 'text', text: `ssh said ${FFFD}${FFFD}` }] });
    });

    it('quarantines an event of an unknown task whose payload holds NUL', async () => {
      const id = newId();
      const outcome = await store().taskEvents.record({
        task_id: id,
        attempt: 1,
        seq: 1,
        type: 'message',
        payload: { text: NUL },
      });
      expect(outcome).toEqual({ inserted: false, quarantined: true, updated: null });
      expect((await store().taskEvents.listQuarantined(id))[0]?.payload).toEqual({ text: FFFD });
    });
  });
}
