import { TaskId } from '@figaro/protocol';
import { type Db, parseRows } from '../db.js';
import { NotFoundError, TransitionConflictError } from '../errors.js';
import { storableJson } from '../stored-text.js';
import {
  FINISHED_STATUSES,
  statusesLeadingTo,
  TASK_TRANSITIONS,
  TaskRecord,
  type TaskStatus,
} from './task-record.js';

/** Columns a transition may also write. Absent keys are left alone; `null` clears. */
export interface TaskPatch {
  worker_id?: string | null;
  supervisor_id?: string | null;
  /** When an assignment not yet accepted expires (ISO string or Date). */
  accept_deadline?: string | Date | null;
  /** When a cancelled task stops occupying its agent at the latest (stop grace; ISO string or Date). */
  release_deadline?: string | Date | null;
  waiting_on?: string | null;
  /** Stored as json. */
  result?: unknown;
  error?: string | null;
}

/** Guards of a transition besides the status graph; each one that fails is a `TransitionConflictError`. */
export interface TransitionExpectations {
  /** The task must currently be in one of these statuses. */
  status?: readonly TaskStatus[];
  /** The task must have this version. */
  version?: number;
  /** The task must be on this attempt (events of older assignments never change a task). */
  attempt?: number;
}

/** Options of `TasksRepo.transition`. */
export interface TransitionOptions {
  expect?: TransitionExpectations;
  set?: TaskPatch;
}

/** SQL each target status implies, before the caller's patch (which overrides a column it also sets). */
const IMPLIED: Record<TaskStatus, Record<string, string>> = {
  pending: { accept_deadline: 'NULL' },
  assigned: { attempt: 'attempt + 1', assigned_at: 'now()', started_at: 'NULL', waiting_on: 'NULL' },
  running: { started_at: 'COALESCE(started_at, now())', activity_at: 'now()', accept_deadline: 'NULL' },
  completed: { completed_at: 'now()', accept_deadline: 'NULL', waiting_on: 'NULL' },
  failed: { completed_at: 'now()', accept_deadline: 'NULL', waiting_on: 'NULL' },
  cancelled: { completed_at: 'now()', accept_deadline: 'NULL', waiting_on: 'NULL' },
};

/** `TasksRepo.transition`: one guarded UPDATE; `read` explains a refusal. */
export async function transitionTask(
  db: Db,
  id: string,
  to: TaskStatus,
  options: TransitionOptions,
  read: (id: string) => Promise<TaskRecord | null>,
): Promise<TaskRecord> {
  if (!TaskId.safeParse(id).success) throw new NotFoundError(`task ${id} not found`);
  const expect = options.expect ?? {};
  const from = statusesLeadingTo(to).filter((status) => expect.status?.includes(status) ?? true);

  const params: unknown[] = [id];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const assignments = new Map<string, string>(Object.entries(IMPLIED[to]));
  assignments.set('status', param(to));
  const patch = options.set ?? {};
  for (const column of ['worker_id', 'supervisor_id', 'waiting_on', 'error'] as const) {
    if (patch[column] !== undefined) assignments.set(column, param(patch[column]));
  }
  for (const column of ['accept_deadline', 'release_deadline'] as const) {
    if (patch[column] !== undefined) assignments.set(column, `${param(patch[column])}::timestamptz`);
  }
  if (patch.result !== undefined) {
    assignments.set('result', patch.result === null ? 'NULL' : `${param(storableJson(patch.result))}::jsonb`);
  }
  assignments.set('version', 'version + 1');
  assignments.set('updated_at', 'now()');

  const guards = [`id = $1`, `status = ANY(${param(from)}::text[])`];
  if (expect.version !== undefined) guards.push(`version = ${param(expect.version)}`);
  if (expect.attempt !== undefined) guards.push(`attempt = ${param(expect.attempt)}`);
  const set = [...assignments].map(([column, value]) => `${column} = ${value}`).join(', ');
  const rows = await db.query(`UPDATE tasks SET ${set} WHERE ${guards.join(' AND ')} RETURNING *`, params);
  const [updated] = parseRows(TaskRecord, rows, 'task');
  if (updated) return updated;
  throw whyRefused(id, to, expect, await read(id));
}

/** Says which guard refused a transition, from a fresh read (racy, but only for the error). */
function whyRefused(
  id: string,
  to: TaskStatus,
  expect: TransitionExpectations,
  current: TaskRecord | null,
): Error {
  if (!current) return new NotFoundError(`task ${id} not found`);
  const state = { status: current.status, version: current.version, attempt: current.attempt };
  if (FINISHED_STATUSES.includes(current.status))
    return new TransitionConflictError(id, to, 'finished', state);
  if (!TASK_TRANSITIONS[current.status].includes(to))
    return new TransitionConflictError(id, to, 'illegal', state);
  if (expect.status && !expect.status.includes(current.status)) {
    return new TransitionConflictError(id, to, 'status', state);
  }
  if (expect.version !== undefined && expect.version !== current.version) {
    return new TransitionConflictError(id, to, 'version', state);
  }
  if (expect.attempt !== undefined && expect.attempt !== current.attempt) {
    return new TransitionConflictError(id, to, 'attempt', state);
  }
  // Every guard holds now: the task changed between the UPDATE and this read.
  return new TransitionConflictError(id, to, 'status', state);
}
