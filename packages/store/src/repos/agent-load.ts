import type { AgentKind } from '@figaro/protocol';

/**
 * The one definition of "a task occupies its agent", as SQL over a `tasks` row: the task is assigned
 * or running, or it was cancelled and its stop grace (`release_deadline`) has not run out. A worker is
 * the task's `worker_id`; a supervisor holds the tasks it runs itself (`worker_id` null), not its
 * delegations. `agentParam` is the placeholder of the agent id (e.g. `$1`); `alias` the tasks alias.
 */
export function occupiesAgent(kind: AgentKind, agentParam: string, alias = 'tasks'): string {
  return `${ownedBy(kind, agentParam, alias)}
     AND (${alias}.status IN ('assigned', 'running')
       OR (${alias}.status = 'cancelled' AND ${alias}.release_deadline > now()))`;
}

/** The tasks an agent of this kind holds, whatever their status (see `occupiesAgent`). */
export function ownedBy(kind: AgentKind, agentParam: string, alias = 'tasks'): string {
  return kind === 'worker'
    ? `${alias}.worker_id = ${agentParam}`
    : `(${alias}.supervisor_id = ${agentParam} AND ${alias}.worker_id IS NULL)`;
}
