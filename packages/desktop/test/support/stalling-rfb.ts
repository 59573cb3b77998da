import { createServer, type Server, type Socket } from 'node:net';

/** How far a `stallingRfbServer` gets before it stops talking (it never closes the connection). */
export type StallPoint = 'silent' | 'after-version' | 'after-server-init';

/** A fake VNC server on 127.0.0.1 that accepts TCP and then stalls at `stall`. */
export interface StallingRfbServer {
  url: string;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * Accepts connections and speaks RFB 3.8 (security None) only up to `stall`: `silent` says nothing,
 * `after-version` sends the ProtocolVersion and then nothing, `after-server-init` completes the
 * handshake (640×480) and never sends a framebuffer update.
 */
export async function stallingRfbServer(stall: StallPoint): Promise<StallingRfbServer> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    if (stall === 'silent') return;
    socket.write('RFB 003.008\n');
    if (stall === 'after-version') return;
    let received = Buffer.alloc(0);
    let step = 0;
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (step === 0 && received.length >= 12) {
        received = received.subarray(12);
        step = 1;
        socket.write(Buffer.from([1, 1])); // one security type: None
      }
      if (step === 1 && received.length >= 1) {
        received = received.subarray(1);
        step = 2;
        socket.write(Buffer.from([0, 0, 0, 0])); // SecurityResult OK
      }
      if (step === 2 && received.length >= 1) {
        received = received.subarray(1);
        step = 3;
        const init = Buffer.alloc(24 + 5);
        init.writeUInt16BE(640, 0);
        init.writeUInt16BE(480, 2);
        // 32 bpp, depth 24, little endian, true colour, max 255, shifts 16/8/0.
        Buffer.from([32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0]).copy(init, 4);
        init.writeUInt32BE(5, 20);
        init.write('stall', 24, 'latin1');
        socket.write(init);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    url: `vnc://127.0.0.1:${address.port}`,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
