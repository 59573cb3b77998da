import { connect, type Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/** A websockify-compatible WebSocket → TCP proxy on 127.0.0.1 (binary frames, subprotocol `binary`). */
export interface WsProxy {
  port: number;
  /** `ws://127.0.0.1:PORT/websockify`. */
  url: string;
  /** WebSocket connections accepted so far. */
  readonly accepted: number;
  /** Subprotocols offered by the last client. */
  readonly lastOffered: readonly string[];
  close(): Promise<void>;
}

/** Forwards every WebSocket connection to 127.0.0.1:`targetPort`, as websockify does. */
export async function startWsProxy(targetPort: number): Promise<WsProxy> {
  const pairs = new Set<[WebSocket, Socket]>();
  let accepted = 0;
  let lastOffered: string[] = [];
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    perMessageDeflate: false,
    handleProtocols: (offered) => {
      lastOffered = [...offered];
      return offered.has('binary') ? 'binary' : false;
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  server.on('connection', (ws) => {
    accepted++;
    const upstream = connect({ host: '127.0.0.1', port: targetPort, noDelay: true });
    const pair: [WebSocket, Socket] = [ws, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      ws.terminate();
      upstream.destroy();
    };
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) upstream.write(data);
      else end();
    });
    upstream.on('data', (chunk) => ws.send(chunk, { binary: true }));
    ws.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    url: `ws://127.0.0.1:${port}/websockify`,
    get accepted() {
      return accepted;
    },
    get lastOffered() {
      return lastOffered;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const [ws, upstream] of pairs) {
          ws.terminate();
          upstream.destroy();
        }
        pairs.clear();
        server.close(() => resolve());
      }),
  };
}
