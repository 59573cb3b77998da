import type { AgentKind } from '@figaro/protocol';
import type { StoreRepos } from '@figaro/store';

/**
 * Marks a worker `idle` once nothing occupies it any more (no assigned or running task, no cancelled
 * task within its stop grace), so the next drain may give it work before its next heartbeat.
 */
export async function markAgentIdleIfFree(
  repos: StoreRepos,
  agentId: string,
  kind: AgentKind,
): Promise<void> {
  const owner = kind === 'worker' ? 'worker_id = $1' : 'supervisor_id = $1 AND worker_id IS NULL';
  await repos.db.query(
    `UPDATE agents SET status = 'idle', version = version + 1, updated_at = now()
      WHERE id = $1 AND connected AND status = 'busy'
        AND NOT EXISTS (SELECT 1 FROM tasks WHERE ${owner}
          AND (status IN ('assigned', 'running') OR (status = 'cancelled' AND release_deadline > now())))`,
    [agentId],
  );
}
