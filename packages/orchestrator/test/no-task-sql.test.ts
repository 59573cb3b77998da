import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * One owner of task state (issue 8): SQL that reads or writes `tasks`, `task_queue` or `agents` lives
 * only in the store's repositories (and migrations). Everything else goes through them — in the
 * orchestrator, through `TaskLifecycle`.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const ALLOWED = [
  join('packages', 'store', 'src', 'repos') + sep,
  join('packages', 'store', 'src', 'migrations') + sep,
];

/** A statement naming one of the tables after a SQL keyword (`FROM tasks`, `UPDATE agents` …). */
const TABLE_SQL = /\b(?:FROM|JOIN|UPDATE|INTO|TABLE)\s+(?:ONLY\s+)?"?(tasks|task_queue|agents)"?(?![\w.])/;

/** `file:line: text` for every line of `source` with SQL on the owned tables. */
export function findTaskSql(file: string, source: string): string[] {
  const hits: string[] = [];
  source.split('\n').forEach((line, index) => {
    if (TABLE_SQL.test(line)) hits.push(`${file}:${index + 1}: ${line.trim()}`);
  });
  return hits;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') files.push(...(await sourceFiles(path)));
    } else if (/\.(?:ts|mts|cts|js|mjs|sql)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      files.push(path);
    }
  }
  return files;
}

describe('SQL on tasks, task_queue and agents', () => {
  it('is only in the store repositories and migrations', async () => {
    const hits: string[] = [];
    for (const pkg of await readdir(join(ROOT, 'packages'))) {
      const src = join(ROOT, 'packages', pkg, 'src');
      const files = await sourceFiles(src).catch(() => []);
      for (const file of files) {
        const rel = relative(ROOT, file);
        if (ALLOWED.some((prefix) => rel.startsWith(prefix))) continue;
        hits.push(...findTaskSql(rel, await readFile(file, 'utf8')));
      }
    }
    expect(hits, `move these statements into packages/store/src/repos:\n${hits.join('\n')}`).toEqual([]);
  });

  it('recognises the statements it must refuse, and not broadcast names or prose', () => {
    const refused = [
      "await db.query('SELECT * FROM tasks WHERE id = $1', [id]);",
      '`UPDATE tasks SET waiting_on = NULL`',
      "'DELETE FROM task_queue WHERE task_id = $1'",
      '`INSERT INTO task_queue (task_id) VALUES ($1)`',
      '`UPDATE agents SET status = $2`',
      '  FROM agents a WHERE a.id = $1',
      '`SELECT q.task_id FROM task_queue q JOIN tasks t ON t.id = q.task_id`',
    ];
    for (const line of refused) expect(findTaskSql('x.ts', line)).toEqual([`x.ts:1: ${line.trim()}`]);
    const allowed = [
      "const topics = name === 'task_queued' ? ['tasks', 'fleet'] : ['tasks'];",
      "'SELECT * FROM task_events WHERE task_id = $1'",
      '// the tasks an agent holds',
      "'SELECT * FROM help_requests'",
      'import { TasksRepo } from "./repos/tasks-repo.js";',
    ];
    for (const line of allowed) expect(findTaskSql('x.ts', line)).toEqual([]);
    expect(findTaskSql('y.ts', 'a\nb\n`UPDATE tasks SET x = 1`')).toEqual([
      'y.ts:3: `UPDATE tasks SET x = 1`',
    ]);
  });
});
