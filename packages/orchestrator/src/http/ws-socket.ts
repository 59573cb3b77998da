import type { WsServerFrame } from '@figaro/protocol';
import { WebSocket } from 'ws';
import type { Credentials } from './auth.js';

/** Close code of a socket whose send queue overflowed; the client reloads its state (PROTOCOL.md). */
export const OVERFLOW_CLOSE_CODE = 4008;
/** Close code of a socket whose credentials stopped being valid (session ended, token revoked). */
export const UNAUTHORIZED_CLOSE_CODE = 4001;

/** Bounds of one socket's send queue. */
export interface SendLimits {
  /** Frames handed to the socket and not yet written out. */
  maxFrames: number;
  /** Bytes of those frames. */
  maxBytes: number;
}

/**
 * One dashboard connection: its topics, the credentials it came with, and a bounded send queue. A
 * frame counts against the bounds from `send` until the socket has written it out; when the next frame
 * would exceed them, the socket is closed with 4008 and gets nothing more.
 */
export class HubSocket {
  /** Topics this socket subscribed to. */
  readonly topics = new Set<string>();
  readonly ws: WebSocket;
  /** Checked again before every request, so that a logout or a revocation takes effect at once. */
  readonly credentials: Credentials;
  /** Answered the last keep-alive ping (or none was sent yet). */
  alive = true;
  readonly #limits: SendLimits;
  #pendingFrames = 0;
  #pendingBytes = 0;
  #overflowed = false;

  constructor(ws: WebSocket, credentials: Credentials, limits: SendLimits) {
    this.ws = ws;
    this.credentials = credentials;
    this.#limits = limits;
  }

  /** True until the socket starts closing. */
  get open(): boolean {
    return !this.#overflowed && this.ws.readyState === WebSocket.OPEN;
  }

  /** Queues a frame (a server frame, or its JSON text when shared by many sockets). */
  send(frame: WsServerFrame | string): void {
    if (!this.open) return;
    const text = typeof frame === 'string' ? frame : JSON.stringify(frame);
    const bytes = Buffer.byteLength(text);
    if (
      this.#pendingFrames + 1 > this.#limits.maxFrames ||
      this.#pendingBytes + bytes > this.#limits.maxBytes
    ) {
      this.#overflowed = true;
      this.ws.close(OVERFLOW_CLOSE_CODE, 'send queue overflow');
      return;
    }
    this.#pendingFrames += 1;
    this.#pendingBytes += bytes;
    this.ws.send(text, () => {
      this.#pendingFrames -= 1;
      this.#pendingBytes -= bytes;
    });
  }
}
