import type { Store } from '@figaro/store';

/** Tables whose rows come and go on their own: the outbox (the relay), the event log (checked apart). */
const SKIPPED_TABLES = new Set(['outbox', 'task_events', 'schema_migrations']);
/** Columns that move without any request: liveness, use and activity stamps, versions (and an agent's status, which its heartbeats report). */
const MOVING_COLUMN = /^(last_|updated_at$|version$|activity_at$|message_count$|cost_usd$|expires_at$)/;

/** Columns of the active task that no event may change. */
const ACTIVE_TASK_KEPT = new Set([
  'id',
  'prompt',
  'options',
  'source',
  'worker_id',
  'attempt',
  'parent_task_id',
]);

/** Every table's rows (as sorted JSON lines, moving columns left out). */
export type StoreSnapshot = ReadonlyMap<string, readonly string[]>;

/**
 * What the store holds, table by table, to compare before and after a run: every table of the public
 * schema but the outbox and the event log, without the columns that change by themselves (heartbeats,
 * token use, the activity of `activeTaskId`, which the run's valid events update).
 */
export async function snapshotStore(store: Store, activeTaskId: string): Promise<StoreSnapshot> {
  const tables = (await store.db.query(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
  )) as Array<{ table_name: string }>;
  const snapshot = new Map<string, string[]>();
  for (const { table_name: table } of tables) {
    if (SKIPPED_TABLES.has(table)) continue;
    const rows = await store.db.query(`SELECT * FROM "${table}"`);
    const lines = rows.map((row) => {
      const kept = Object.entries(row).filter(
        ([column]) => !MOVING_COLUMN.test(column) && !(table === 'agents' && column === 'status'),
      );
      // The active task's own progress (status, timestamps) moves with its valid events.
      const isActive = table === 'tasks' && row.id === activeTaskId;
      return JSON.stringify(isActive ? kept.filter(([column]) => ACTIVE_TASK_KEPT.has(column)) : kept);
    });
    snapshot.set(table, lines.sort());
  }
  return snapshot;
}

/** Rows added or gone per table, as readable lines (empty when both snapshots hold the same). */
export function storeDifferences(before: StoreSnapshot, after: StoreSnapshot): string[] {
  const out: string[] = [];
  for (const table of new Set([...before.keys(), ...after.keys()])) {
    const was = new Set(before.get(table) ?? []);
    const now = new Set(after.get(table) ?? []);
    for (const row of now) if (!was.has(row)) out.push(`${table} + ${row.slice(0, 300)}`);
    for (const row of was) if (!now.has(row)) out.push(`${table} - ${row.slice(0, 300)}`);
  }
  return out;
}
