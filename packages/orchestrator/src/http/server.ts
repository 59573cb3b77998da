import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { HttpEnv } from './auth.js';
import type { UpgradeHandler } from './ws-hub.js';

export interface RunningHttpServer {
  /** Base URL, e.g. `http://127.0.0.1:8000`. */
  url: string;
  port: number;
  /** Closes the WebSocket hub's connections, stops accepting connections and closes idle keep-alive sockets. */
  close(): Promise<void>;
}

/** Options of `startHttpServer`. */
export interface HttpServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Takes WebSocket upgrades (a `WsHub`); without it every upgrade is refused. */
  hub?: UpgradeHandler;
}

/** The fetch entry of an app, whatever its variables. */
type FetchApp = Pick<Hono, 'fetch'> | Pick<Hono<HttpEnv>, 'fetch'>;

function refuseUpgrade(_request: IncomingMessage, socket: Duplex): void {
  socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
}

/**
 * Listens on host:port (port 0 picks a free one). Rejects with the listen error, e.g. EADDRINUSE,
 * so the caller can tell the user which port is taken. Upgrade requests go to `hub`.
 */
export function startHttpServer(app: FetchApp, options: HttpServerOptions): Promise<RunningHttpServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: options.host, port: options.port });
    const hub = options.hub;
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (hub) hub.handleUpgrade(request, socket, head);
      else refuseUpgrade(request, socket);
    });
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      resolve({
        url: `http://${host}:${port}`,
        port,
        close: async () => {
          await hub?.close();
          await new Promise<void>((done) => {
            if ('closeAllConnections' in server) server.closeAllConnections();
            server.close(() => done());
          });
        },
      });
    });
  });
}
