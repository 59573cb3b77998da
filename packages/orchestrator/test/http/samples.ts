import { REST_ROUTES, type RestRoute } from '../../src/http/routes.js';
import { TASK_ID } from './support.js';

/** A concrete request for one route: the path with its ids, a query string and a JSON body. */
export interface Sample {
  method: string;
  path: string;
  body?: unknown;
}

/** A valid request per route, keyed by `METHOD path`; every route of `REST_ROUTES` has one. */
const SAMPLES: Record<string, Omit<Sample, 'method'>> = {
  'post /tasks': { path: '/tasks', body: { prompt: 'open the browser' } },
  'get /tasks': { path: '/tasks?status=running&limit=5' },
  'get /tasks/search': { path: '/tasks/search?q=browser' },
  'get /tasks/:id': { path: `/tasks/${TASK_ID}` },
  'post /tasks/:id/stop': { path: `/tasks/${TASK_ID}/stop` },
  'get /workers': { path: '/workers' },
  'get /supervisors': { path: '/supervisors' },
  'get /desktops': { path: '/desktops' },
  'post /desktops': { path: '/desktops', body: { worker_id: 'd1', novnc_url: 'vnc://10.0.0.9:5900' } },
  'patch /desktops/:id': { path: '/desktops/d1', body: { metadata: { os: 'linux' } } },
  'delete /desktops/:id': { path: '/desktops/d1' },
  'get /help-requests': { path: '/help-requests?status=pending' },
  'post /help-requests/:id/respond': {
    path: '/help-requests/h1/respond',
    body: { answers: { 'Proceed?': 'yes' } },
  },
  'post /help-requests/:id/dismiss': { path: '/help-requests/h1/dismiss' },
  'post /vnc': { path: '/vnc', body: { worker_id: 'w1', action: 'click', x: 10, y: 20 } },
  'post /ssh': { path: '/ssh', body: { worker_id: 'w1', action: 'run_command', command: 'echo hi' } },
  'post /telnet': { path: '/telnet', body: { worker_id: 'w1', action: 'run_command', command: 'echo hi' } },
  'get /tokens': { path: '/tokens' },
  'post /tokens': { path: '/tokens', body: { name: 'ci', scopes: ['api'] } },
  'delete /tokens/:id': { path: '/tokens/t-old' },
};

/** The sample of `route` (throws when a new route has none, so that tests cover it). */
function sampleOf(route: RestRoute): Sample {
  const sample = SAMPLES[`${route.method} ${route.path}`];
  if (!sample) throw new Error(`no sample request for ${route.method} ${route.path}`);
  return { method: route.method.toUpperCase(), ...sample };
}

/** Every route's sample, with its route. */
export const ROUTE_SAMPLES = REST_ROUTES.map((route) => ({ route, sample: sampleOf(route) }));

/** Sends a sample to a server under `/api/v1` with extra headers. */
export function send(url: string, sample: Sample, headers: Record<string, string> = {}): Promise<Response> {
  const hasBody = sample.body !== undefined;
  return fetch(`${url}/api/v1${sample.path}`, {
    method: sample.method,
    headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(hasBody ? { body: JSON.stringify(sample.body) } : {}),
  });
}
