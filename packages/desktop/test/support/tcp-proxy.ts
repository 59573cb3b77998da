import { connect, createServer, type Socket } from 'node:net';

/** A loopback TCP forwarder whose connections a test can cut, to simulate a broken network. */
export interface TcpProxy {
  port: number;
  url: string;
  /** Connections currently forwarded. */
  readonly connections: number;
  /** Destroys every forwarded connection (both sides), as a network failure would. */
  cutAll(): void;
  close(): Promise<void>;
}

/** Forwards 127.0.0.1:<free port> to 127.0.0.1:`targetPort`. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const cutAll = () => {
    for (const [a, b] of pairs) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };
  return {
    port,
    url: `vnc://127.0.0.1:${port}`,
    get connections() {
      return pairs.size;
    },
    cutAll,
    close: () =>
      new Promise<void>((resolve) => {
        cutAll();
        server.close(() => resolve());
      }),
  };
}
