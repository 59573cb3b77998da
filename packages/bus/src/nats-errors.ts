import { JetStreamApiError } from '@nats-io/jetstream';
import { errors } from '@nats-io/transport-node';
import { BusClosedError, BusError, NoRespondersError, TimeoutError } from './errors.js';

function* causes(err: unknown): Generator<unknown> {
  for (let current = err, depth = 0; current !== undefined && depth < 8; depth++) {
    yield current;
    current = current instanceof Error ? current.cause : undefined;
  }
}

function isNoResponders(err: unknown): boolean {
  for (const e of causes(err)) {
    if (e instanceof errors.NoRespondersError) return true;
    if (e instanceof errors.RequestError && e.isNoResponders()) return true;
  }
  return false;
}

/** True when a JetStream API call failed with the given API error code (e.g. 10014 consumer not found). */
export function isApiError(err: unknown, code: number): boolean {
  return err instanceof JetStreamApiError && err.code === code;
}

/**
 * Maps an error of the NATS client to the bus vocabulary: no responders, timeouts and a closed
 * connection become their bus errors; anything else a `BusError` (unavailable) keeping the cause.
 */
export function toBusError(err: unknown, subject: string, timeoutMs: number, noResponders?: string): Error {
  if (err instanceof BusError) return err;
  if (isNoResponders(err)) return new NoRespondersError(subject, noResponders, { cause: err });
  for (const e of causes(err)) {
    if (e instanceof errors.TimeoutError) return new TimeoutError(subject, timeoutMs, { cause: err });
    if (e instanceof errors.ClosedConnectionError || e instanceof errors.DrainingConnectionError) {
      return new BusClosedError({ cause: err });
    }
  }
  const message = err instanceof Error ? err.message : String(err);
  return new BusError('unavailable', `NATS operation on ${subject} failed: ${message}`, { cause: err });
}
