import { type ErrorCode, FigaroError } from '@figaro/protocol';

/** Base error of the bus package. `code` is the wire code a server would answer with; `cause` is kept. */
export class BusError extends FigaroError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'BusError';
  }
}

/** Nobody listens on the subject (a request), or no stream stores it (an append). Raised at once. */
export class NoRespondersError extends BusError {
  readonly subject: string;
  constructor(subject: string, message = `no responders on ${subject}`, options?: { cause?: unknown }) {
    super('unavailable', message, options);
    this.name = 'NoRespondersError';
    this.subject = subject;
  }
}

/** A request (or a stream append) got no answer within its time limit. */
export class TimeoutError extends BusError {
  readonly subject: string;
  /** The limit that ran out, in milliseconds. */
  readonly timeoutMs: number;
  constructor(subject: string, timeoutMs: number, options?: { cause?: unknown }) {
    super('timeout', `no reply on ${subject} within ${timeoutMs} ms`, options);
    this.name = 'TimeoutError';
    this.subject = subject;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The peer answered with an `{error, code}` reply. The code and text are the peer's, so a server that
 * lets this propagate answers its own caller with the same code.
 */
export class RemoteError extends BusError {
  readonly subject: string;
  constructor(code: ErrorCode, message: string, subject: string) {
    super(code, message);
    this.name = 'RemoteError';
    this.subject = subject;
  }
}

/** The peer's reply is not JSON, speaks another protocol version, or fails the reply schema (a peer bug). */
export class InvalidReplyError extends BusError {
  readonly subject: string;
  constructor(subject: string, detail: string, options?: { cause?: unknown }) {
    super('internal', `invalid reply on ${subject}: ${detail}`, options);
    this.name = 'InvalidReplyError';
    this.subject = subject;
  }
}

/** The encoded payload exceeds `MAX_PAYLOAD_BYTES`; nothing was sent. */
export class PayloadTooLargeError extends BusError {
  readonly subject: string;
  /** Size of the encoded payload, in bytes. */
  readonly size: number;
  readonly limit: number;
  constructor(subject: string, size: number, limit: number) {
    super('invalid_request', `payload on ${subject} is ${size} bytes, over the limit of ${limit} bytes`);
    this.name = 'PayloadTooLargeError';
    this.subject = subject;
    this.size = size;
    this.limit = limit;
  }
}

/** The bus was closed (or its connection is gone for good); the operation was not performed. */
export class BusClosedError extends BusError {
  constructor(options?: { cause?: unknown }) {
    super('unavailable', 'bus is closed', options);
    this.name = 'BusClosedError';
  }
}
