import { SECRET_MASK, type SupervisorsList, type WorkerInfo, type WorkersList } from '@figaro/protocol';
import type { AgentRecord, DesktopRecord, StoreRepos } from '@figaro/store';
import type { z } from 'zod';

/**
 * The workers list of broadcasts and `figaro.api.workers`: connected workers and desktop-only entries,
 * one row per id (a worker bound to a stored desktop shows that desktop's endpoint). Passwords never
 * leave the orchestrator: a stored one shows as `"***"`.
 */
export async function workersView(repos: StoreRepos): Promise<z.input<typeof WorkersList>> {
  const [agents, desktops] = await Promise.all([repos.agents.list('worker'), repos.desktops.list()]);
  const byId = new Map<string, DesktopRecord>(desktops.map((d) => [d.id, d]));
  const workers: WorkerInfo[] = [];
  for (const agent of agents) {
    const desktop = byId.get(agent.desktop_id ?? agent.id);
    if (desktop) byId.delete(desktop.id);
    workers.push(workerInfo(agent, desktop));
  }
  for (const desktop of byId.values()) workers.push(workerInfo(null, desktop));
  workers.sort((a, b) => a.id.localeCompare(b.id));
  return { workers };
}

/** The supervisors list of broadcasts and `figaro.api.supervisor.status`. */
export async function supervisorsView(repos: StoreRepos): Promise<z.input<typeof SupervisorsList>> {
  const agents = await repos.agents.list('supervisor');
  const supervisors = [];
  for (const agent of agents) {
    const held = await repos.tasks.heldBy('supervisor', agent.id);
    supervisors.push({
      id: agent.id,
      status: agent.connected ? agent.status : 'offline',
      capabilities: agent.capabilities,
      current_task_ids: held.map((task) => task.id),
      max_concurrent: agent.max_concurrent,
      agent_connected: agent.connected,
      metadata: agent.metadata,
    });
  }
  return { supervisors };
}

function workerInfo(agent: AgentRecord | null, desktop: DesktopRecord | undefined): WorkerInfo {
  const connected = agent?.connected ?? false;
  return {
    id: agent?.id ?? desktop?.id ?? 'unknown',
    status: connected && agent ? agent.status : 'offline',
    capabilities: agent?.capabilities ?? [],
    novnc_url: desktop?.vnc_url ?? stringOrNull(agent?.metadata.novnc_url),
    vnc_username: desktop?.vnc_username ?? null,
    vnc_password: desktop?.vnc_password ? SECRET_MASK : null,
    agent_connected: connected,
    metadata: {
      ...(desktop?.metadata ?? {}),
      ...(agent?.metadata ?? {}),
      ...(desktop ? { os: desktop.os } : {}),
    },
  };
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
