import { AgentId, AgentKind, AgentStatus, parseWith } from '@figaro/protocol';
import { z } from 'zod';
import { type Db, queryOne, queryRows } from '../db.js';
import { StoreError } from '../errors.js';
import { storableJson } from '../stored-text.js';
import { occupiesAgent } from './agent-load.js';

/**
 * What `AgentsRepo.upsert` takes: a `figaro.register.worker|supervisor` payload plus its kind. Fields
 * of the payload the registry does not keep (`current_task_id(s)`) are ignored.
 */
export const AgentRegistration = z.object({
  kind: AgentKind,
  worker_id: AgentId,
  desktop_id: AgentId.nullable().optional(),
  capabilities: z.array(z.string()).default([]),
  status: AgentStatus.default('idle'),
  metadata: z.record(z.string(), z.unknown()).default({}),
  max_concurrent: z.number().int().positive().default(1),
});
export type AgentRegistration = z.input<typeof AgentRegistration>;

/** A registered agent. `connected` is false after a deregistration or timeout until it registers again. */
export const AgentRecord = z.object({
  id: z.string(),
  kind: AgentKind,
  desktop_id: z.string().nullable(),
  status: AgentStatus,
  max_concurrent: z.number().int(),
  capabilities: z.array(z.string()),
  metadata: z.record(z.string(), z.unknown()),
  last_heartbeat: z.string().nullable(),
  connected: z.boolean(),
  /** When the current connection registered. */
  session_started_at: z.string().nullable(),
  version: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type AgentRecord = z.infer<typeof AgentRecord>;

/** One connection of an agent, from registration to disconnect, with the tasks it finished. */
export const AgentSessionRecord = z.object({
  id: z.number().int(),
  agent_id: z.string(),
  kind: AgentKind,
  connected_at: z.string(),
  disconnected_at: z.string().nullable(),
  reason: z.string().nullable(),
  completed: z.number().int(),
  failed: z.number().int(),
});
export type AgentSessionRecord = z.infer<typeof AgentSessionRecord>;

/** Outcomes counted per session. */
export const SessionOutcome = { completed: 'completed', failed: 'failed' } as const;
export type SessionOutcome = (typeof SessionOutcome)[keyof typeof SessionOutcome];

/** Reason recorded on a session that a new registration of the same agent replaced. */
export const REREGISTERED_REASON = 'reregistered';

/** Closes an agent's open session rows (one statement). */
const CLOSE_SESSIONS = `UPDATE agent_sessions SET disconnected_at = now(), reason = $2
  WHERE agent_id = $1 AND disconnected_at IS NULL`;

/** The agent registry: registrations, heartbeats, connection history and heartbeat deadlines. */
export class AgentsRepo {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /**
   * Registers an agent (new, or again after a restart or reconnect): stores its kind, desktop,
   * capabilities, status, metadata and `max_concurrent`, marks it connected with `last_heartbeat` and
   * `session_started_at` now, closes any session row it left open and opens a new one. Returns the
   * agent and what was stored before (null for a new agent), which reconciliation compares against.
   * Invalid input is an `InvalidRequestError`.
   */
  async upsert(input: AgentRegistration): Promise<{ agent: AgentRecord; previous: AgentRecord | null }> {
    const reg = parseWith(AgentRegistration, input, 'agent registration');
    return this.#db.tx(async (tx) => {
      const previous = await queryOne(
        tx,
        AgentRecord,
        'SELECT * FROM agents WHERE id = $1 FOR UPDATE',
        [reg.worker_id],
        'agent',
      );
      const agent = await queryOne(
        tx,
        AgentRecord,
        `INSERT INTO agents (id, kind, desktop_id, status, max_concurrent, capabilities, metadata,
           last_heartbeat, connected, session_started_at)
         VALUES ($1, $2, $3, $4, $5, $6::text[], $7::jsonb, now(), true, now())
         ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, desktop_id = EXCLUDED.desktop_id,
           status = EXCLUDED.status, max_concurrent = EXCLUDED.max_concurrent,
           capabilities = EXCLUDED.capabilities, metadata = EXCLUDED.metadata, last_heartbeat = now(),
           connected = true, session_started_at = now(), version = agents.version + 1, updated_at = now()
         RETURNING *`,
        [
          reg.worker_id,
          reg.kind,
          reg.desktop_id ?? null,
          reg.status,
          reg.max_concurrent,
          reg.capabilities,
          storableJson(reg.metadata),
        ],
        'agent',
      );
      if (!agent) throw new StoreError(`agent ${reg.worker_id} was not stored`);
      await tx.query(CLOSE_SESSIONS, [reg.worker_id, REREGISTERED_REASON]);
      await tx.query('INSERT INTO agent_sessions (agent_id, kind) VALUES ($1, $2)', [
        reg.worker_id,
        reg.kind,
      ]);
      return { agent, previous };
    });
  }

  /**
   * Records a heartbeat: `last_heartbeat` becomes now and `status` is stored (`version` changes only
   * when the status does). False when the agent is unknown or disconnected: it must register again.
   */
  async heartbeat(id: string, status: AgentStatus): Promise<boolean> {
    const rows = await this.#db.query(
      `UPDATE agents SET last_heartbeat = now(), status = $2,
         version = CASE WHEN status = $2 THEN version ELSE version + 1 END,
         updated_at = CASE WHEN status = $2 THEN updated_at ELSE now() END
       WHERE id = $1 AND connected RETURNING id`,
      [id, parseWith(AgentStatus, status, 'agent status')],
    );
    return rows.length > 0;
  }

  /** The agent with this id, or null. */
  async get(id: string): Promise<AgentRecord | null> {
    return queryOne(this.#db, AgentRecord, 'SELECT * FROM agents WHERE id = $1', [id], 'agent');
  }

  /** Agents by id, of one kind or all. */
  async list(kind?: AgentKind): Promise<AgentRecord[]> {
    return queryRows(
      this.#db,
      AgentRecord,
      'SELECT * FROM agents WHERE $1::text IS NULL OR kind = $1 ORDER BY id',
      [kind ?? null],
      'agent',
    );
  }

  /** Sets an agent's status (bumping `version` when it changes); null when the agent is unknown. */
  async setStatus(id: string, status: AgentStatus): Promise<AgentRecord | null> {
    return queryOne(
      this.#db,
      AgentRecord,
      `UPDATE agents SET status = $2,
         version = CASE WHEN status = $2 THEN version ELSE version + 1 END,
         updated_at = CASE WHEN status = $2 THEN updated_at ELSE now() END
       WHERE id = $1 RETURNING *`,
      [id, parseWith(AgentStatus, status, 'agent status')],
      'agent',
    );
  }

  /**
   * Marks an agent disconnected (`connected` false, status `offline`) and closes its session row with
   * `reason` (deregistered, heartbeat timeout …). Idempotent: an agent already disconnected is returned
   * unchanged. Null when the agent is unknown.
   */
  async disconnect(id: string, reason: string): Promise<AgentRecord | null> {
    return this.#db.tx(async (tx) => {
      const agent = await queryOne(
        tx,
        AgentRecord,
        `UPDATE agents SET connected = false, status = 'offline', version = version + 1, updated_at = now()
         WHERE id = $1 AND connected RETURNING *`,
        [id],
        'agent',
      );
      await tx.query(CLOSE_SESSIONS, [id, reason]);
      return agent ?? queryOne(tx, AgentRecord, 'SELECT * FROM agents WHERE id = $1', [id], 'agent');
    });
  }

  /** Deletes an agent, closing its open session row with `reason`; true when it existed. */
  async remove(id: string, reason = 'removed'): Promise<boolean> {
    return this.#db.tx(async (tx) => {
      await tx.query(CLOSE_SESSIONS, [id, reason]);
      return (await tx.query('DELETE FROM agents WHERE id = $1 RETURNING id', [id])).length > 0;
    });
  }

  /**
   * Connected agents whose heartbeat deadline passed: `max(last_heartbeat, orchestratorStartedAt) +
   * timeoutMs < now` (so an orchestrator restart does not declare every agent lost). `now` is the
   * database's clock unless given. Rows are locked `FOR UPDATE SKIP LOCKED` so replicas sweeping at
   * once share them out: call it inside a transaction and handle each agent in the same one.
   */
  async lost(
    timeoutMs: number,
    orchestratorStartedAt: Date | string,
    now?: Date | string,
  ): Promise<AgentRecord[]> {
    return queryRows(
      this.#db,
      AgentRecord,
      `SELECT * FROM agents
       WHERE connected
         AND GREATEST(last_heartbeat, $2::timestamptz) + $1::double precision * interval '1 millisecond'
           < COALESCE($3::timestamptz, now())
       ORDER BY id FOR UPDATE SKIP LOCKED`,
      [timeoutMs, orchestratorStartedAt, now ?? null],
      'agent',
    );
  }

  /**
   * Agents that may be offered work now (connected, not offline): supervisors first, then the least
   * recently changed.
   */
  async available(): Promise<AgentRecord[]> {
    return queryRows(
      this.#db,
      AgentRecord,
      `SELECT * FROM agents WHERE connected AND status <> 'offline'
        ORDER BY (kind = 'supervisor') DESC, updated_at, id`,
      [],
      'agent',
    );
  }

  /**
   * Marks a connected `busy` agent `idle` (a new version) once no task occupies it any more (see
   * `occupiesAgent`), so the next drain may give it work before its next heartbeat. True when it did.
   */
  async markIdleIfFree(id: string, kind: AgentKind): Promise<boolean> {
    const rows = await this.#db.query(
      `UPDATE agents SET status = 'idle', version = version + 1, updated_at = now()
        WHERE id = $1 AND kind = $2 AND connected AND status = 'busy'
          AND NOT EXISTS (SELECT 1 FROM tasks WHERE ${occupiesAgent(kind, '$1')})
        RETURNING id`,
      [id, kind],
    );
    return rows.length > 0;
  }

  /**
   * Agents registered under a desktop's id or bound to it, locked `FOR UPDATE` against a concurrent
   * registration (call it inside a transaction).
   */
  async lockOnDesktop(desktopId: string): Promise<AgentRecord[]> {
    return queryRows(
      this.#db,
      AgentRecord,
      'SELECT * FROM agents WHERE id = $1 OR desktop_id = $1 ORDER BY id FOR UPDATE',
      [desktopId],
      'agent',
    );
  }

  /** Counts a finished task on the agent's latest session; false when the agent has no session. */
  async countSessionOutcome(id: string, outcome: SessionOutcome): Promise<boolean> {
    const column = outcome === SessionOutcome.completed ? 'completed' : 'failed';
    const rows = await this.#db.query(
      `UPDATE agent_sessions SET ${column} = ${column} + 1
       WHERE id = (SELECT max(id) FROM agent_sessions WHERE agent_id = $1) RETURNING id`,
      [id],
    );
    return rows.length > 0;
  }

  /** An agent's sessions, newest first. */
  async sessions(id: string, limit = 50): Promise<AgentSessionRecord[]> {
    return queryRows(
      this.#db,
      AgentSessionRecord,
      'SELECT * FROM agent_sessions WHERE agent_id = $1 ORDER BY id DESC LIMIT $2',
      [id, limit],
      'agent session',
    );
  }
}
