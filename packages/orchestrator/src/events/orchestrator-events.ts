import { Events } from '@figaro/protocol';
import type { StoreRepos } from '@figaro/store';
import { addToOutbox } from '../outbox/outbox-writer.js';

/** The next `seq` of the orchestrator's own events of a task (attempt 0), from the store. */
export async function nextOrchestratorSeq(repos: StoreRepos, taskId: string): Promise<number> {
  return repos.taskEvents.nextOrchestratorSeq(taskId);
}

/**
 * Inside the transaction that ends a task without its agent (stop, lost agent, restarted agent):
 * stores and publishes `figaro.task.{id}.error` with attempt 0, so that whoever follows the task's
 * events (a supervisor waiting on a delegation, a dashboard) learns of the end without polling.
 */
export async function announceTaskEnd(
  repos: StoreRepos,
  taskId: string,
  error: string,
  cancelled: boolean,
): Promise<void> {
  const seq = await nextOrchestratorSeq(repos, taskId);
  const payload = {
    task_id: taskId,
    attempt: 0,
    seq,
    error,
    ...(cancelled ? { cancelled: true as const } : {}),
  };
  await repos.taskEvents.record({ task_id: taskId, attempt: 0, seq, type: 'error', payload });
  await addToOutbox(repos, Events.taskError.at(taskId), payload);
}
