import type { z } from 'zod';
import type { ErrorCode } from './errors.js';
import { SubjectToken } from './ids.js';

/** A request/reply endpoint bound to one concrete subject. */
export interface ApiEntry<Req extends z.ZodType = z.ZodType, Rep extends z.ZodType = z.ZodType> {
  /** Catalogue name, e.g. `tasks.create` or `worker.task`. */
  readonly name: string;
  /** Concrete subject to send the request to. */
  readonly subject: string;
  /** Subject pattern a server subscribes to (equals `subject` for fixed endpoints and bound templates). */
  readonly pattern: string;
  readonly request: Req;
  readonly reply: Rep;
  /** Error codes a caller should expect besides `invalid_request`, `internal` and `timeout`. */
  readonly errors: readonly ErrorCode[];
  /** Default time a caller waits for the reply, in milliseconds. */
  readonly timeoutMs: number;
}

/** A request/reply endpoint whose subject has id tokens (`figaro.worker.{id}.task`). */
export interface ApiTemplate<Req extends z.ZodType, Rep extends z.ZodType, P extends readonly string[]>
  extends Omit<ApiEntry<Req, Rep>, 'subject'> {
  /** Binds the id tokens; each must be a valid subject token or this throws. */
  at(...params: P): ApiEntry<Req, Rep>;
}

/** A published (fire-and-forget or stream) message kind bound to one subject. */
export interface EventEntry<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly subject: string;
  readonly pattern: string;
  readonly schema: S;
}

/** A published message kind whose subject has id tokens. */
export interface EventTemplate<S extends z.ZodType, P extends readonly string[]>
  extends Omit<EventEntry<S>, 'subject'> {
  at(...params: P): EventEntry<S>;
}

export type RequestOf<E extends ApiEntry> = z.input<E['request']>;
export type ParsedRequestOf<E extends ApiEntry> = z.output<E['request']>;
export type ReplyOf<E extends ApiEntry> = z.output<E['reply']>;
export type ReplyInputOf<E extends ApiEntry> = z.input<E['reply']>;
export type PayloadOf<E extends EventEntry> = z.output<E['schema']>;
export type PayloadInputOf<E extends EventEntry> = z.input<E['schema']>;

/** Throws unless every part is a single valid subject token (no dots, no wildcards). */
export function checkTokens(name: string, params: readonly string[]): void {
  for (const param of params) {
    if (!SubjectToken.safeParse(param).success) {
      throw new TypeError(`${name}: ${JSON.stringify(param)} is not a valid subject token`);
    }
  }
}

/** Fills `{}` placeholders of a template subject in order. */
export function fill(template: string, params: readonly string[]): string {
  let index = 0;
  return template.replace(/\{[a-z_]+\}/g, () => params[index++] ?? '');
}

/** The wildcard pattern of a template subject: each `{placeholder}` becomes `*`. */
export function toPattern(template: string): string {
  return template.replace(/\{[a-z_]+\}/g, '*');
}

interface EndpointSpec<Req extends z.ZodType, Rep extends z.ZodType> {
  request: Req;
  reply: Rep;
  errors?: readonly ErrorCode[];
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5_000;

/** Declares a fixed-subject endpoint. */
export function endpoint<Req extends z.ZodType, Rep extends z.ZodType>(
  name: string,
  subject: string,
  spec: EndpointSpec<Req, Rep>,
): ApiEntry<Req, Rep> {
  return Object.freeze({
    name,
    subject,
    pattern: subject,
    request: spec.request,
    reply: spec.reply,
    errors: spec.errors ?? [],
    timeoutMs: spec.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
}

/** Declares an endpoint whose subject template has `{placeholders}` bound with `.at(...)`. */
export function endpointTemplate<P extends readonly string[]>() {
  return <Req extends z.ZodType, Rep extends z.ZodType>(
    name: string,
    template: string,
    spec: EndpointSpec<Req, Rep>,
  ): ApiTemplate<Req, Rep, P> => {
    const pattern = toPattern(template);
    const base = {
      name,
      pattern,
      request: spec.request,
      reply: spec.reply,
      errors: spec.errors ?? [],
      timeoutMs: spec.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    };
    return Object.freeze({
      ...base,
      at(...params: P): ApiEntry<Req, Rep> {
        checkTokens(name, params);
        // Bound to one agent or task: served and received on that subject alone, never the wildcard.
        const subject = fill(template, params);
        return Object.freeze({ ...base, subject, pattern: subject });
      },
    });
  };
}

/** Declares a fixed-subject event. */
export function event<S extends z.ZodType>(name: string, subject: string, schema: S): EventEntry<S> {
  return Object.freeze({ name, subject, pattern: subject, schema });
}

/** Declares an event whose subject template has `{placeholders}` bound with `.at(...)`. */
export function eventTemplate<P extends readonly string[]>() {
  return <S extends z.ZodType>(name: string, template: string, schema: S): EventTemplate<S, P> => {
    const pattern = toPattern(template);
    return Object.freeze({
      name,
      pattern,
      schema,
      at(...params: P): EventEntry<S> {
        checkTokens(name, params);
        const subject = fill(template, params);
        return Object.freeze({ name, pattern: subject, schema, subject });
      },
    });
  };
}
