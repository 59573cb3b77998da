export { createHttpApp, type HttpAppOptions } from './http/app.js';
export { type RunningHttpServer, startHttpServer } from './http/server.js';
