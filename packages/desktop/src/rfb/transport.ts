import { isIP, connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type ConnectionOptions, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { DesktopError } from '../errors.js';

/** What a TLS upgrade negotiated (for logs and tests). */
export interface TlsSessionInfo {
  /** e.g. `TLSv1.3`. */
  protocol: string | null;
  /** OpenSSL cipher name, e.g. `TLS_AES_256_GCM_SHA384` or `AECDH-AES256-SHA` (anonymous). */
  cipher: string;
}

/**
 * A byte stream to an RFB server: TCP (`tcpConnector`) or a WebSocket (`wsConnector`), either of which
 * can be upgraded to TLS in place when the server asks for VeNCrypt.
 */
export interface RfbTransport {
  write(data: Buffer, callback?: (err?: Error | null) => void): void;
  onData(fn: (chunk: Buffer) => void): void;
  /** Called once, when the stream ends or breaks (`err` set when it broke). */
  onClose(fn: (err?: Error) => void): void;
  destroy(): void;
  /** True when the bytes are already encrypted on the wire (wss://, or after `startTls`). */
  readonly secure?: boolean;
  /**
   * Runs a TLS client handshake over the stream and carries every later byte through TLS. `host` and
   * `servername` default to the transport's host. Rejects with the TLS error (not wrapped). Absent on
   * transports that cannot upgrade.
   */
  startTls?(options: ConnectionOptions): Promise<TlsSessionInfo>;
}

/** Opens a transport; injected so tests and other transports can replace TCP. */
export type RfbConnector = () => Promise<RfbTransport>;

/** A TCP connector to host:port that fails with code `timeout` after `timeoutMs` (default 10 s). */
export function tcpConnector(host: string, port: number, timeoutMs = 10_000): RfbConnector {
  return () =>
    new Promise((resolve, reject) => {
      const socket = netConnect({ host, port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new DesktopError('timeout', `connecting to ${host}:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(streamTransport(socket, { host, secure: false }));
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

/**
 * An `RfbTransport` over any connected duplex byte stream (a TCP socket, a WebSocket stream), with
 * in-place TLS upgrade. `host` is the name the server's certificate is checked against.
 */
export function streamTransport(initial: Duplex, options: { host: string; secure: boolean }): RfbTransport {
  let stream: Duplex = initial;
  let secure = options.secure;
  let failure: Error | undefined;
  let dataFn: ((chunk: Buffer) => void) | undefined;
  const closeFns: Array<(err?: Error) => void> = [];
  let ended = false;
  const onError = (err: Error) => {
    failure ??= err;
  };
  const onClose = () => {
    if (ended) return;
    ended = true;
    for (const fn of closeFns.splice(0)) fn(failure);
  };
  // A WebSocket stream ends without closing itself; a half-open RFB stream is useless either way.
  const watch = (s: Duplex) => {
    s.on('error', onError);
    s.once('close', onClose);
    s.once('end', () => s.destroy());
  };
  watch(initial);
  return {
    get secure() {
      return secure;
    },
    write: (data, callback) => {
      stream.write(data, callback);
    },
    onData: (fn) => {
      dataFn = fn;
      stream.on('data', fn);
    },
    onClose: (fn) => {
      if (ended) fn(failure);
      else closeFns.push(fn);
    },
    destroy: () => {
      stream.destroy();
      if (stream !== initial) initial.destroy();
    },
    startTls: (tlsOptions) =>
      new Promise((resolve, reject) => {
        if (ended) {
          reject(failure ?? new Error('connection closed before TLS started'));
          return;
        }
        const raw = stream;
        // From here on the TLS socket reads the raw stream; nothing must reach the RFB reader directly.
        if (dataFn) raw.off('data', dataFn);
        const host = tlsOptions.host ?? options.host;
        const servername = tlsOptions.servername ?? (isIP(host) ? undefined : host);
        const tls: TLSSocket = tlsConnect({
          ...tlsOptions,
          // A net.Socket is handed over as is (its handle is reused); other streams are wrapped.
          socket: raw as Socket,
          host,
          ...(servername !== undefined ? { servername } : {}),
        });
        const fail = (err: Error) => reject(err);
        tls.once('error', fail);
        tls.once('secureConnect', () => {
          tls.off('error', fail);
          secure = true;
          resolve({ protocol: tls.getProtocol(), cipher: tls.getCipher().name });
        });
        watch(tls);
        if (dataFn) tls.on('data', dataFn);
        stream = tls;
      }),
  };
}
