import { type ErrorCode, FigaroError } from '@figaro/protocol';

/** Base error of the desktop package; `code` is the wire code, `cause` keeps the underlying error. */
export class DesktopError extends FigaroError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'DesktopError';
  }
}

/** The desktop refused our credentials (wrong or missing password). The caller's fault. */
export class DesktopAuthError extends DesktopError {
  constructor(message: string) {
    super('unauthorized', message);
    this.name = 'DesktopAuthError';
  }
}

/** The server broke the protocol or refused the session. The peer's fault. */
export class RfbProtocolError extends DesktopError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('unavailable', message, options);
    this.name = 'RfbProtocolError';
  }
}

/** The connection is closed (by us, the server or the network); operations on it fail with this. */
export class DesktopClosedError extends DesktopError {
  constructor(message = 'desktop connection closed', options?: { cause?: unknown }) {
    super('unavailable', message, options);
    this.name = 'DesktopClosedError';
  }
}
