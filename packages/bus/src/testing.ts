import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { DEFAULT_DUPLICATE_WINDOW_MS, type StreamDefinitions } from './streams.js';

export * from './index.js';

/**
 * Stream definitions private to one test: stream names `TASKS_<token>`/`HELP_<token>` on subjects
 * `<token>.task.>` and `<token>.help.*.response`, so tests sharing one nats-server never collide.
 * `token` must be a valid subject token and stream name (letters, digits, `_`, `-`).
 */
export function uniqueStreams(token: string, options: { maxAgeMs?: number } = {}): StreamDefinitions {
  const maxAgeMs = options.maxAgeMs ?? 60 * 60 * 1000;
  return {
    TASKS: {
      name: `TASKS_${token}`,
      subjects: [`${token}.task.>`],
      maxAgeMs,
      duplicateWindowMs: DEFAULT_DUPLICATE_WINDOW_MS,
    },
    HELP: {
      name: `HELP_${token}`,
      subjects: [`${token}.help.*.response`],
      maxAgeMs,
      duplicateWindowMs: DEFAULT_DUPLICATE_WINDOW_MS,
    },
  };
}

/** Deletes the given streams (and so their consumers) from a nats-server; missing ones are ignored. */
export async function deleteNatsStreams(servers: string, streams: StreamDefinitions): Promise<void> {
  const nc = await connect({ servers });
  try {
    const jsm = await jetstreamManager(nc);
    for (const def of Object.values(streams)) await jsm.streams.delete(def.name).catch(() => false);
  } finally {
    await nc.close();
  }
}
