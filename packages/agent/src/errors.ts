/** Base error of the agent package; keeps `cause`. */
export class AgentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The model API failed (after the engine's own retries): transport, status or malformed stream. */
export class ModelError extends AgentError {
  /** HTTP status when the API answered with an error. */
  readonly status: number | undefined;

  constructor(message: string, options: { cause?: unknown; status?: number } = {}) {
    super(message, { cause: options.cause });
    this.status = options.status;
  }
}

/** The run was cancelled through its AbortSignal. */
export class CancelledError extends AgentError {
  constructor(message = 'cancelled', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A configuration the agent cannot run with (unknown engine, engine not built yet). */
export class AgentConfigError extends AgentError {}
