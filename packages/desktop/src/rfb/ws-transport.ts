import { createWebSocketStream, WebSocket } from 'ws';
import { DesktopError } from '../errors.js';
import { isCertificateError, tlsFailure, type VncTlsOptions } from './tls.js';
import { type RfbConnector, streamTransport } from './transport.js';

/** Options of `wsConnector`. */
export interface WsConnectorOptions {
  /** Milliseconds for the TCP connect, TLS (wss) and HTTP upgrade together; default 10 000. */
  timeoutMs?: number;
  /** How a wss:// server's certificate is checked (same options as VeNCrypt's X509 sub-types). */
  tls?: VncTlsOptions;
}

/**
 * A connector that carries RFB over a websockify-compatible WebSocket (`ws://` or `wss://`): binary
 * frames, subprotocol `binary` offered, each frame's payload a piece of the RFB byte stream. The URL must
 * not carry credentials (they would be sent as HTTP Basic auth); the VNC password goes in RFB.
 */
export function wsConnector(url: string, options: WsConnectorOptions = {}): RfbConnector {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const parsed = new URL(url);
  const secure = parsed.protocol === 'wss:';
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  // The address as errors show it: never with a user name or password.
  const shown = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  return () =>
    new Promise((resolve, reject) => {
      const tls = options.tls ?? {};
      const socket = new WebSocket(url, ['binary'], {
        handshakeTimeout: timeoutMs,
        perMessageDeflate: false,
        ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
        ...(tls.rejectUnauthorized !== undefined ? { rejectUnauthorized: tls.rejectUnauthorized } : {}),
        ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
      });
      socket.once('open', () => {
        socket.removeAllListeners('error');
        // Errors after this point reach the stream, which reports them through onClose.
        socket.on('error', () => {});
        resolve(streamTransport(createWebSocketStream(socket), { host, secure }));
      });
      socket.once('error', (err: Error & { code?: string }) => {
        socket.terminate();
        if (isCertificateError(err)) {
          reject(tlsFailure(err, shown));
          return;
        }
        const timedOut = /handshake has timed out/i.test(err.message);
        reject(
          new DesktopError(
            timedOut ? 'timeout' : 'unavailable',
            timedOut
              ? `connecting to ${shown} timed out after ${timeoutMs} ms`
              : `cannot open a WebSocket to ${shown}: ${err.message}`,
            { cause: err },
          ),
        );
      });
    });
}
