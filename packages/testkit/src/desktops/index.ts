export type { VncServerHandle, VncServerOptions } from './vnc-server-handle.js';
export { runXCommand, startXClient, type XClientHandle } from './x-client.js';
export { displayLooksFree, startXServer, type XServerProcess, xEnv } from './x-display.js';
export { startX11vnc } from './x11vnc.js';
export { startXvnc } from './xvnc.js';
export {
  startXvncTls,
  type XvncTlsHandle,
  type XvncTlsOptions,
  type XvncTlsSecurityType,
} from './xvnc-tls.js';
