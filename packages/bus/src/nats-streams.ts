import { JetStreamApiCodes, type JetStreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { isApiError } from './nats-errors.js';
import type { StreamDefinition, StreamDefinitions } from './streams.js';

/**
 * Creates each stream, or updates an existing one to its definition (subjects, max age, duplicate
 * window), so that a deployment converges on the configured limits at every start.
 */
export async function ensureStreams(jsm: JetStreamManager, streams: StreamDefinitions): Promise<void> {
  for (const def of Object.values(streams)) await ensureStream(jsm, def);
}

async function ensureStream(jsm: JetStreamManager, def: StreamDefinition): Promise<void> {
  const limits = {
    subjects: [...def.subjects],
    max_age: nanos(def.maxAgeMs),
    duplicate_window: nanos(def.duplicateWindowMs),
  };
  try {
    await jsm.streams.info(def.name);
  } catch (err) {
    if (!isApiError(err, JetStreamApiCodes.StreamNotFound)) throw err;
    await jsm.streams.add({
      name: def.name,
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      ...limits,
    });
    return;
  }
  await jsm.streams.update(def.name, limits);
}
