import type { ErrorCode, ErrorReply } from '@figaro/protocol';

/** Hints added to error replies whose cause is usually on the caller's side. */
const HINTS: Partial<Record<ErrorCode, string>> = {
  unauthorized: 'the API token was refused; check FIGARO_API_TOKEN or the token file in the data folder',
};

/**
 * Base error of the CLI's API client. Its message is one line meant for a person (the CLI prints it
 * after `figaro: `); `cause` keeps the underlying error.
 */
export class ClientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClientError';
  }
}

/** Figaro answered with `{error, code}`: the request was refused or failed on the server. */
export class ApiError extends ClientError {
  /** The wire error code (PROTOCOL.md). */
  readonly code: ErrorCode;
  /** The HTTP status, or 0 when the error came over the WebSocket. */
  readonly status: number;
  /** The server's own text, without the code. */
  readonly serverMessage: string;

  constructor(code: ErrorCode, serverMessage: string, status: number, hint?: string) {
    super(`${serverMessage} (${code})${hint ? `: ${hint}` : ''}`);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.serverMessage = serverMessage;
  }

  /** The error of an `{error, code}` reply, with a hint on how to fix it where there is one. */
  static fromReply(reply: ErrorReply, status: number): ApiError {
    return new ApiError(reply.code, reply.error, status, HINTS[reply.code]);
  }
}

/** Figaro could not be reached at all (refused, unknown host, timed out, connection lost). */
export class ConnectionError extends ClientError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConnectionError';
  }
}

/** Figaro answered something the protocol does not allow: the peer's fault (or a version mismatch). */
export class ProtocolError extends ClientError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProtocolError';
  }
}
