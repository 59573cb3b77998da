import type { Store } from '@figaro/store';
import { supervisorsView, workersView } from '../registry/fleet-view.js';
import type { TaskService } from '../tasks/task-service.js';
import type { ApiHandlers } from './handlers.js';

/** Handlers of the task and delegation endpoints. */
export function taskHandlers(tasks: TaskService): ApiHandlers {
  return {
    tasksCreate: (req) => tasks.create(req),
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
