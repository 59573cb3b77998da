import { describe, expect, it } from 'vitest';
import type { AgentRecord } from '../../src/index.js';
import { type ContractTarget, newAgentId } from './target.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function describeAgentCases(target: ContractTarget): void {
  const store = () => target.store();
  const agents = () => store().agents;

  /** Pretends the agent's last heartbeat was `minutes` ago. */
  async function ageHeartbeat(id: string, minutes: number): Promise<void> {
    await store().db.query(
      `UPDATE agents SET last_heartbeat = now() - $2::integer * interval '1 minute' WHERE id = $1`,
      [id, minutes],
    );
  }

  const ids = (records: AgentRecord[]) => records.map((a) => a.id);

  describe('AgentsRepo', () => {
    it('registers an agent as connected and opens a session; a new registration replaces it', async () => {
      const id = newAgentId();
      const first = await agents().upsert({
        kind: 'worker',
        worker_id: id,
        desktop_id: 'desk-1',
        capabilities: ['vnc', 'ssh'],
        status: 'idle',
        metadata: { os: 'linux', hostname: id },
        max_concurrent: 1,
        // Parts of the register payload the registry does not keep are ignored.
        ...{ current_task_id: null },
      });
      expect(first.previous).toBeNull();
      expect(first.agent).toMatchObject({
        id,
        kind: 'worker',
        desktop_id: 'desk-1',
        capabilities: ['vnc', 'ssh'],
        status: 'idle',
        connected: true,
        max_concurrent: 1,
        metadata: { os: 'linux', hostname: id },
        version: 1,
      });
      expect(first.agent.last_heartbeat).toMatch(ISO);
      expect(first.agent.session_started_at).toMatch(ISO);
      expect(await agents().get(id)).toStrictEqual(first.agent);

      const second = await agents().upsert({ kind: 'worker', worker_id: id, status: 'busy' });
      expect(second.previous).toStrictEqual(first.agent);
      expect(second.agent).toMatchObject({ status: 'busy', desktop_id: null, version: 2, connected: true });
      const sessions = await agents().sessions(id);
      expect(sessions).toHaveLength(2);
      expect(sessions[0]).toMatchObject({
        agent_id: id,
        kind: 'worker',
        disconnected_at: null,
        reason: null,
      });
      expect(sessions[1]).toMatchObject({ reason: 'reregistered' });
      expect(sessions[1]?.disconnected_at).toMatch(ISO);
    });

    it('records heartbeats of connected agents only, bumping the version on a status change', async () => {
      const id = newAgentId();
      await agents().upsert({ kind: 'supervisor', worker_id: id, max_concurrent: 4 });
      await ageHeartbeat(id, 5);
      const aged = await agents().get(id);
      expect(await agents().heartbeat(id, 'idle')).toBe(true);
      const beat = await agents().get(id);
      expect(beat?.version).toBe(aged?.version);
      expect(Date.parse(beat?.last_heartbeat ?? '')).toBeGreaterThan(Date.parse(aged?.last_heartbeat ?? ''));
      expect(await agents().heartbeat(id, 'busy')).toBe(true);
      expect(await agents().get(id)).toMatchObject({ status: 'busy', version: (aged?.version ?? 0) + 1 });
      expect(await agents().heartbeat(newAgentId(), 'idle')).toBe(false);
      await agents().disconnect(id, 'deregistered');
      expect(await agents().heartbeat(id, 'idle')).toBe(false);
    });

    it('finds agents past max(last heartbeat, orchestrator start) + timeout', async () => {
      const stale = newAgentId();
      const fresh = newAgentId();
      const gone = newAgentId();
      for (const id of [stale, fresh, gone]) await agents().upsert({ kind: 'worker', worker_id: id });
      await ageHeartbeat(stale, 10);
      await ageHeartbeat(gone, 10);
      await agents().disconnect(gone, 'deregistered');
      const mine = (records: AgentRecord[]) => ids(records).filter((id) => [stale, fresh, gone].includes(id));
      const lost = (startedAt: Date, now?: Date) =>
        store().tx(async (repos) => mine(await repos.agents.lost(60_000, startedAt, now)));

      const longAgo = new Date(Date.now() - 3_600_000);
      expect(await lost(longAgo)).toEqual([stale]);
      // A restarted orchestrator gives every agent a full timeout from its own start.
      expect(await lost(new Date(Date.now() - 30_000))).toEqual([]);
      expect(await lost(longAgo, new Date(Date.now() + 120_000))).toEqual([fresh, stale].sort());
    });

    it('disconnects and removes agents, closing their sessions, and counts outcomes per session', async () => {
      const id = newAgentId();
      await agents().upsert({ kind: 'worker', worker_id: id });
      expect(await agents().countSessionOutcome(id, 'completed')).toBe(true);
      expect(await agents().countSessionOutcome(id, 'completed')).toBe(true);
      expect(await agents().countSessionOutcome(id, 'failed')).toBe(true);
      expect(await agents().countSessionOutcome(newAgentId(), 'failed')).toBe(false);

      const down = await agents().disconnect(id, 'heartbeat timeout');
      expect(down).toMatchObject({ connected: false, status: 'offline', version: 2 });
      expect(await agents().disconnect(id, 'again')).toStrictEqual(down);
      expect(await agents().disconnect(newAgentId(), 'x')).toBeNull();
      const [session] = await agents().sessions(id);
      expect(session).toMatchObject({ completed: 2, failed: 1, reason: 'heartbeat timeout' });

      await agents().upsert({ kind: 'worker', worker_id: id });
      expect(await agents().remove(id)).toBe(true);
      expect(await agents().remove(id)).toBe(false);
      expect(await agents().get(id)).toBeNull();
      const history = await agents().sessions(id);
      expect(history.map((s) => s.reason)).toEqual(['removed', 'heartbeat timeout']);
    });

    it('lists agents by kind and sets their status', async () => {
      const worker = newAgentId();
      const supervisor = newAgentId();
      await agents().upsert({ kind: 'worker', worker_id: worker });
      await agents().upsert({ kind: 'supervisor', worker_id: supervisor });
      expect(ids(await agents().list('worker'))).toContain(worker);
      expect(ids(await agents().list('worker'))).not.toContain(supervisor);
      expect(ids(await agents().list())).toEqual(expect.arrayContaining([worker, supervisor]));
      expect(await agents().setStatus(worker, 'busy')).toMatchObject({ status: 'busy', version: 2 });
      expect(await agents().setStatus(worker, 'busy')).toMatchObject({ version: 2 });
      expect(await agents().setStatus(newAgentId(), 'busy')).toBeNull();
    });
  });
}
