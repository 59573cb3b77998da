import { BusError } from './errors.js';
import { patternCovers } from './subject.js';

/** Logical names of the streams Figaro uses; `consume()` takes one of these. */
export const StreamName = { TASKS: 'TASKS', HELP: 'HELP' } as const;
export type StreamName = (typeof StreamName)[keyof typeof StreamName];

/** One stream: where it lives and what it keeps (PROTOCOL.md, "Streams"). */
export interface StreamDefinition {
  /** Name on the server, unique per NATS account: letters, digits, `_` and `-` only. */
  readonly name: string;
  /** Subject patterns the stream stores. Streams on one server must not overlap. */
  readonly subjects: readonly string[];
  /** Messages older than this are removed, in milliseconds. */
  readonly maxAgeMs: number;
  /** A second message with the same `msgId` within this window is dropped as a duplicate, in milliseconds. */
  readonly duplicateWindowMs: number;
}

/** The definition of every known stream, keyed by logical name. */
export type StreamDefinitions = Readonly<Record<StreamName, StreamDefinition>>;

const DAY_MS = 24 * 60 * 60 * 1000;
/** Default duplicate window of both streams: 2 minutes. */
export const DEFAULT_DUPLICATE_WINDOW_MS = 2 * 60 * 1000;

/**
 * The production streams: `TASKS` on `figaro.task.>` (7 days unless `tasksMaxAgeMs` says otherwise) and
 * `HELP` on `figaro.help.*.response` (1 day), both with a 2 minute duplicate window.
 */
export function defaultStreams(options: { tasksMaxAgeMs?: number } = {}): StreamDefinitions {
  return {
    TASKS: {
      name: 'TASKS',
      subjects: ['figaro.task.>'],
      maxAgeMs: options.tasksMaxAgeMs ?? 7 * DAY_MS,
      duplicateWindowMs: DEFAULT_DUPLICATE_WINDOW_MS,
    },
    HELP: {
      name: 'HELP',
      subjects: ['figaro.help.*.response'],
      maxAgeMs: DAY_MS,
      duplicateWindowMs: DEFAULT_DUPLICATE_WINDOW_MS,
    },
  };
}

/**
 * The definition of a logical stream, checked so that both buses fail alike: an unknown stream, or a
 * filter outside the stream's subjects, throws `BusError` (invalid_request).
 */
export function streamForConsumer(
  streams: StreamDefinitions,
  stream: StreamName,
  filter: string,
): StreamDefinition {
  const def: StreamDefinition | undefined = streams[stream];
  if (!def) throw new BusError('invalid_request', `unknown stream ${stream}`);
  if (!def.subjects.some((pattern) => patternCovers(pattern, filter))) {
    throw new BusError(
      'invalid_request',
      `filter ${filter} is outside the subjects of stream ${def.name} (${def.subjects.join(', ')})`,
    );
  }
  return def;
}

/** Consume options with their defaults applied. */
export interface ConsumerSettings {
  ackWaitMs: number;
  /** `Infinity` when unlimited. */
  maxDeliver: number;
  concurrency: number;
}

/** Default ack wait of a durable consumer: 30 s, as on a NATS server. */
export const DEFAULT_ACK_WAIT_MS = 30_000;

/** Applies the defaults of `ConsumeOptions` and throws a TypeError on nonsense values. */
export function consumerSettings(opts: {
  ackWaitMs?: number;
  maxDeliver?: number;
  concurrency?: number;
}): ConsumerSettings {
  const ackWaitMs = opts.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
  const maxDeliver = opts.maxDeliver ?? Number.POSITIVE_INFINITY;
  const concurrency = opts.concurrency ?? 1;
  if (!(ackWaitMs > 0)) throw new TypeError(`ackWaitMs must be positive, got ${opts.ackWaitMs}`);
  if (maxDeliver !== Number.POSITIVE_INFINITY && !(Number.isInteger(maxDeliver) && maxDeliver >= 1)) {
    throw new TypeError(`maxDeliver must be a positive integer, got ${opts.maxDeliver}`);
  }
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) {
    throw new TypeError(`concurrency must be a positive integer, got ${opts.concurrency}`);
  }
  return { ackWaitMs, maxDeliver, concurrency };
}
