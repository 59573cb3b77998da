import {
  AgentId,
  ChannelRef,
  HelpAnswers,
  HelpQuestion,
  HelpRequestStatus,
  parseWith,
  SubjectToken,
  TaskId,
} from '@figaro/protocol';
import { z } from 'zod';
import { type Db, queryOne, queryRows } from '../db.js';
import { ConflictError, NotFoundError, QueryError, StoreError } from '../errors.js';
import { asStoredJson, jsonEqual } from '../json-equal.js';
import { storableJson } from '../stored-text.js';

/**
 * What `HelpRequestsRepo.create` takes: a `figaro.help.request` payload in the store's names
 * (`id` = `request_id`, `agent_id` = `worker_id`). The deadline is now + `timeout_seconds`.
 */
export const NewHelpRequest = z.object({
  id: SubjectToken,
  task_id: TaskId,
  agent_id: AgentId,
  supervisor_id: AgentId.nullable().default(null),
  questions: z.array(HelpQuestion).min(1),
  timeout_seconds: z.number().int().positive().max(86_400),
});
export type NewHelpRequest = z.input<typeof NewHelpRequest>;

/** The fields idempotent creation compares. */
const NEW_HELP_FIELDS = ['task_id', 'agent_id', 'supervisor_id', 'questions', 'timeout_seconds'] as const;

/** A stored help request (column names; the wire's `HelpRequestRecord` calls `id` `request_id`). */
export const StoredHelpRequest = z.object({
  id: z.string(),
  task_id: z.string(),
  agent_id: z.string(),
  supervisor_id: z.string().nullable(),
  questions: z.array(HelpQuestion),
  status: HelpRequestStatus,
  answers: HelpAnswers.nullable(),
  source: z.string().nullable(),
  channel_refs: z.array(ChannelRef),
  timeout_seconds: z.number().int(),
  deadline: z.string(),
  created_at: z.string(),
  responded_at: z.string().nullable(),
  version: z.number().int(),
});
export type StoredHelpRequest = z.infer<typeof StoredHelpRequest>;

/** How a pending request ends: answered by a human, timed out, dismissed, or cancelled with its agent. */
export const HelpResolution = z
  .object({
    status: z.enum(['answered', 'timeout', 'dismissed', 'cancelled']),
    answers: HelpAnswers.nullable().default(null),
    source: z.string().min(1).nullable().default(null),
  })
  .refine((r) => r.status !== 'answered' || r.answers !== null, {
    message: 'an answered request needs answers',
    path: ['answers'],
  });
export type HelpResolution = z.input<typeof HelpResolution>;

/** Filter of `HelpRequestsRepo.list`. */
export interface HelpRequestListQuery {
  status?: z.infer<typeof HelpRequestStatus>;
  task_id?: string;
}

/** Help requests: idempotent creation, first-responder-wins resolution, deadlines and channel copies. */
export class HelpRequestsRepo {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /**
   * Stores a pending request with `deadline` = now + `timeout_seconds`. Idempotent on `id`: the same
   * content returns the stored request with `created: false` (whatever its status now); different
   * content is a `ConflictError`. An unknown task is a `NotFoundError`; invalid input an
   * `InvalidRequestError`.
   */
  async create(input: NewHelpRequest): Promise<{ request: StoredHelpRequest; created: boolean }> {
    const req = parseWith(NewHelpRequest, input, 'help request');
    let inserted: StoredHelpRequest | null;
    try {
      inserted = await queryOne(
        this.#db,
        StoredHelpRequest,
        `INSERT INTO help_requests (id, task_id, agent_id, supervisor_id, questions, timeout_seconds, deadline)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, now() + $6::integer * interval '1 second')
         ON CONFLICT (id) DO NOTHING RETURNING *`,
        [
          req.id,
          req.task_id,
          req.agent_id,
          req.supervisor_id,
          storableJson(req.questions),
          req.timeout_seconds,
        ],
        'help request',
      );
    } catch (error) {
      if (error instanceof QueryError && error.sqlState === '23503') {
        throw new NotFoundError(`help request ${req.id} names task ${req.task_id}, which does not exist`);
      }
      throw error;
    }
    if (inserted) return { request: inserted, created: true };
    const existing = await this.get(req.id);
    if (!existing) throw new StoreError(`help request ${req.id} conflicted on insert but cannot be read`);
    const differs = NEW_HELP_FIELDS.filter((field) => !jsonEqual(existing[field], asStoredJson(req[field])));
    if (differs.length > 0) {
      throw new ConflictError(`help request ${req.id} already exists with different ${differs.join(', ')}`);
    }
    return { request: existing, created: false };
  }

  /** The request with this id, or null. */
  async get(id: string): Promise<StoredHelpRequest | null> {
    return queryOne(
      this.#db,
      StoredHelpRequest,
      'SELECT * FROM help_requests WHERE id = $1',
      [id],
      'help request',
    );
  }

  /** Requests oldest first, optionally of one status and/or one task. */
  async list(query: HelpRequestListQuery = {}): Promise<StoredHelpRequest[]> {
    const status = query.status === undefined ? null : parseWith(HelpRequestStatus, query.status, 'status');
    const taskId = query.task_id ?? null;
    if (taskId !== null && !TaskId.safeParse(taskId).success) return [];
    return queryRows(
      this.#db,
      StoredHelpRequest,
      `SELECT * FROM help_requests
       WHERE ($1::text IS NULL OR status = $1) AND ($2::uuid IS NULL OR task_id = $2)
       ORDER BY created_at, id`,
      [status, taskId],
      'help request',
    );
  }

  /**
   * Ends a pending request in one conditional UPDATE, so the first responder wins: returns the
   * resolved request, or null when it is unknown or no longer pending (someone else won). Invalid
   * input (e.g. `answered` without answers) is an `InvalidRequestError`.
   */
  async resolve(id: string, resolution: HelpResolution): Promise<StoredHelpRequest | null> {
    const { status, answers, source } = parseWith(HelpResolution, resolution, 'help resolution');
    return queryOne(
      this.#db,
      StoredHelpRequest,
      `UPDATE help_requests
       SET status = $2, answers = $3::jsonb, source = $4, responded_at = now(), version = version + 1
       WHERE id = $1 AND status = 'pending' RETURNING *`,
      [id, status, answers === null ? null : storableJson(answers), source],
      'help request',
    );
  }

  /**
   * Pending requests whose deadline passed (`deadline <= now`, the database's clock unless given),
   * earliest first, locked `FOR UPDATE SKIP LOCKED` so that replicas sweeping at once share them out:
   * call it inside a transaction and resolve each one in the same transaction.
   */
  async due(now?: Date | string, limit = 100): Promise<StoredHelpRequest[]> {
    return queryRows(
      this.#db,
      StoredHelpRequest,
      `SELECT * FROM help_requests
       WHERE status = 'pending' AND deadline <= COALESCE($1::timestamptz, now())
       ORDER BY deadline, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now ?? null, limit],
      'help request',
    );
  }

  /** The pending requests an agent asked (cancelled when the agent is lost), oldest first. */
  async pendingForAgent(agentId: string): Promise<StoredHelpRequest[]> {
    return queryRows(
      this.#db,
      StoredHelpRequest,
      `SELECT * FROM help_requests WHERE agent_id = $1 AND status = 'pending' ORDER BY created_at, id`,
      [agentId],
      'help request',
    );
  }

  /**
   * Records where a channel asked the question, so its copy can be withdrawn once another channel's
   * answer wins. Adding a ref already recorded changes nothing. Works in any status (an answer may win
   * while a channel is still posting). Returns the request, or null when it is unknown.
   */
  async addChannelRef(id: string, ref: z.input<typeof ChannelRef>): Promise<StoredHelpRequest | null> {
    const parsed = parseWith(ChannelRef, ref, 'channel ref');
    return queryOne(
      this.#db,
      StoredHelpRequest,
      `UPDATE help_requests
       SET channel_refs = CASE
             WHEN EXISTS (SELECT 1 FROM jsonb_array_elements(channel_refs) AS e(ref) WHERE e.ref = $2::jsonb)
             THEN channel_refs ELSE channel_refs || jsonb_build_array($2::jsonb) END,
           version = CASE
             WHEN EXISTS (SELECT 1 FROM jsonb_array_elements(channel_refs) AS e(ref) WHERE e.ref = $2::jsonb)
             THEN version ELSE version + 1 END
       WHERE id = $1 RETURNING *`,
      [id, storableJson(parsed)],
      'help request',
    );
  }
}
