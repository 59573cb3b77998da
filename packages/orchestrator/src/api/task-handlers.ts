import type { Store } from '@figaro/store';
import { supervisorsView, workersView } from '../registry/fleet-view.js';
import type { TaskService } from '../tasks/task-service.js';
import type { ApiHandlers } from './handlers.js';
import { idempotentTaskId } from './idempotency.js';

/** Handlers of the task and delegation endpoints. */
export function taskHandlers(tasks: TaskService): ApiHandlers {
  return {
    // An `Idempotency-Key` (REST) names the task id unless the caller chose one (PROTOCOL.md).
    tasksCreate: (req, ctx) => {
      const taskId = req.options.task_id ?? idempotentTaskId(ctx);
      return tasks.create(taskId ? { ...req, options: { ...req.options, task_id: taskId } } : req);
    },
    tasksList: (req) => tasks.list(req),
    tasksGet: (req) => tasks.get(req.task_id, req.include_messages),
    tasksSearch: (req) => tasks.search(req),
    tasksStop: (req) => tasks.stop(req.task_id),
    delegate: (req) => tasks.delegate(req),
  };
}

/** Handlers of the fleet views. */
export function fleetHandlers(store: Store): ApiHandlers {
  return {
    workers: () => workersView(store),
    supervisorStatus: () => supervisorsView(store),
  };
}
