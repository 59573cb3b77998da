import { connect, type Socket } from 'node:net';
import { DesktopError } from '../errors.js';

/**
 * A byte stream to an RFB server. TCP today; TLS and WebSocket transports plug in through the same
 * shape later.
 */
export interface RfbTransport {
  write(data: Buffer, callback?: (err?: Error | null) => void): void;
  onData(fn: (chunk: Buffer) => void): void;
  /** Called once, when the stream ends or breaks (`err` set when it broke). */
  onClose(fn: (err?: Error) => void): void;
  destroy(): void;
}

/** Opens a transport; injected so tests and other transports can replace TCP. */
export type RfbConnector = () => Promise<RfbTransport>;

/** A TCP connector to host:port that fails with code `timeout` after `timeoutMs` (default 10 s). */
export function tcpConnector(host: string, port: number, timeoutMs = 10_000): RfbConnector {
  return () =>
    new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new DesktopError('timeout', `connecting to ${host}:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(socketTransport(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(
          new DesktopError('unavailable', `cannot connect to ${host}:${port}: ${err.message}`, {
            cause: err,
          }),
        );
      });
    });
}

function socketTransport(socket: Socket): RfbTransport {
  let failure: Error | undefined;
  socket.on('error', (err) => {
    failure = err;
  });
  return {
    write: (data, callback) => {
      socket.write(data, callback);
    },
    onData: (fn) => {
      socket.on('data', fn);
    },
    onClose: (fn) => {
      socket.once('close', () => fn(failure));
    },
    destroy: () => socket.destroy(),
  };
}
