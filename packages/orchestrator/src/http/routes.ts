import type { ApiName } from '../api/handlers.js';

/** HTTP methods the REST API uses. */
type RestMethod = 'get' | 'post' | 'patch' | 'delete';

/**
 * One REST route and how its catalogue request is built: path parameters fill the named request
 * fields (the path wins over the body), the query string (numbers and booleans coerced by the request
 * schema's types) or the JSON body give the other fields, and `defaults` fill fields a REST caller may
 * leave out. REST handling and the OpenAPI document are both generated from this table.
 */
export interface RestRoute {
  readonly method: RestMethod;
  /** Path under `/api/v1`, Hono style (`/tasks/:id`). */
  readonly path: string;
  readonly api: ApiName;
  readonly summary: string;
  /** Path parameter → the request field it fills. */
  readonly params?: Readonly<Record<string, string>>;
  /** Where the other fields come from. */
  readonly from: 'query' | 'body' | 'none';
  /** Values of fields the caller left out. */
  readonly defaults?: Readonly<Record<string, unknown>>;
  /** Passes the `Idempotency-Key` header to the handler. */
  readonly idempotencyKey?: boolean;
}

/** Every REST route under `/api/v1` that dispatches into the API handlers. */
export const REST_ROUTES: readonly RestRoute[] = [
  {
    method: 'post',
    path: '/tasks',
    api: 'tasksCreate',
    summary: 'Create a task',
    from: 'body',
    idempotencyKey: true,
  },
  { method: 'get', path: '/tasks', api: 'tasksList', summary: 'List tasks, newest first', from: 'query' },
  { method: 'get', path: '/tasks/search', api: 'tasksSearch', summary: 'Search tasks', from: 'query' },
  {
    method: 'get',
    path: '/tasks/:id',
    api: 'tasksGet',
    summary: 'Get a task with its messages',
    params: { id: 'task_id' },
    from: 'query',
  },
  {
    method: 'post',
    path: '/tasks/:id/stop',
    api: 'tasksStop',
    summary: 'Stop a task and the tasks delegated under it',
    params: { id: 'task_id' },
    from: 'none',
  },
  { method: 'get', path: '/workers', api: 'workers', summary: 'List workers', from: 'none' },
  { method: 'get', path: '/supervisors', api: 'supervisorStatus', summary: 'List supervisors', from: 'none' },
  {
    method: 'get',
    path: '/desktops',
    api: 'workers',
    summary: 'List desktops and their workers',
    from: 'none',
  },
  {
    method: 'post',
    path: '/desktops',
    api: 'desktopWorkersRegister',
    summary: 'Register a desktop',
    from: 'body',
  },
  {
    method: 'patch',
    path: '/desktops/:id',
    api: 'desktopWorkersUpdate',
    summary: 'Update a desktop (vnc_password "***" keeps the stored one)',
    params: { id: 'worker_id' },
    from: 'body',
  },
  {
    method: 'delete',
    path: '/desktops/:id',
    api: 'desktopWorkersRemove',
    summary: 'Remove a desktop',
    params: { id: 'worker_id' },
    from: 'none',
  },
  {
    method: 'get',
    path: '/help-requests',
    api: 'helpRequestsList',
    summary: 'List help requests',
    from: 'query',
  },
  {
    method: 'post',
    path: '/help-requests/:id/respond',
    api: 'helpRequestsRespond',
    summary: 'Answer a help request (the first answer wins)',
    params: { id: 'request_id' },
    from: 'body',
    defaults: { source: 'api' },
  },
  {
    method: 'post',
    path: '/help-requests/:id/dismiss',
    api: 'helpRequestsDismiss',
    summary: 'Dismiss a help request',
    params: { id: 'request_id' },
    from: 'body',
  },
  { method: 'post', path: '/vnc', api: 'vnc', summary: 'Act on a desktop over VNC', from: 'body' },
  { method: 'post', path: '/ssh', api: 'ssh', summary: 'Run a command over SSH', from: 'body' },
  { method: 'post', path: '/telnet', api: 'telnet', summary: 'Run a command over telnet', from: 'body' },
  { method: 'get', path: '/tokens', api: 'tokensList', summary: 'List API tokens (admin)', from: 'none' },
  {
    method: 'post',
    path: '/tokens',
    api: 'tokensCreate',
    summary: 'Create an API token, shown once (admin)',
    from: 'body',
  },
  {
    method: 'delete',
    path: '/tokens/:id',
    api: 'tokensRevoke',
    summary: 'Revoke an API token (admin)',
    params: { id: 'token_id' },
    from: 'none',
  },
];

/** The prefix of every REST route. */
export const REST_PREFIX = '/api/v1';

/** `/tasks/:id` → `/tasks/{id}` (OpenAPI's path template). */
export function openApiPath(path: string): string {
  return `${REST_PREFIX}${path.replace(/:([A-Za-z_]+)/g, '{$1}')}`;
}
