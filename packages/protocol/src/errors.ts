import { z } from 'zod';

/** Stable error codes carried on the wire as `code` (PROTOCOL.md). */
export const ErrorCode = {
  invalid_request: 'invalid_request',
  not_found: 'not_found',
  conflict: 'conflict',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  unavailable: 'unavailable',
  timeout: 'timeout',
  busy: 'busy',
  internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
export const ErrorCodeSchema = z.enum(Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]]);

/** The shape of every error reply: human text plus a stable code. */
export const ErrorReply = z.object({ error: z.string(), code: ErrorCodeSchema }).passthrough();
export type ErrorReply = z.infer<typeof ErrorReply>;

/**
 * Base error of Figaro: carries a wire `code` so that any layer can turn it into an `{error, code}`
 * reply. `cause` keeps the underlying error for logs.
 */
export class FigaroError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FigaroError';
    this.code = code;
  }

  toReply(): ErrorReply {
    return { error: this.message, code: this.code };
  }
}

/** Input that failed its schema. The message names every bad field. */
export class InvalidRequestError extends FigaroError {
  readonly issues: readonly z.core.$ZodIssue[];
  constructor(what: string, issues: readonly z.core.$ZodIssue[]) {
    super('invalid_request', `invalid ${what}: ${formatIssues(issues)}`);
    this.name = 'InvalidRequestError';
    this.issues = issues;
  }
}

/** One line per problem: `options.target: Invalid option ...`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

/** Turns anything thrown into a wire error reply without leaking internals of unknown errors. */
export function toErrorReply(err: unknown): ErrorReply {
  if (err instanceof FigaroError) return err.toReply();
  return { error: 'internal error', code: 'internal' };
}

/** True when a decoded reply is an error reply rather than a success payload. */
export function isErrorReply(value: unknown): value is ErrorReply {
  return ErrorReply.safeParse(value).success;
}
