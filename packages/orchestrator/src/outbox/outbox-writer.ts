import { type EventEntry, type PayloadInputOf, parseWith } from '@figaro/protocol';
import type { StoreRepos } from '@figaro/store';

/**
 * Writes a follow-up message to the outbox inside the caller's transaction, after checking it against
 * its catalogue schema: a bad payload is a bug here, not something to publish later.
 */
export async function addToOutbox<E extends EventEntry>(
  repos: StoreRepos,
  entry: E,
  payload: PayloadInputOf<E>,
): Promise<void> {
  const parsed = parseWith(entry.schema, payload, `${entry.name} payload`);
  await repos.outbox.add({ subject: entry.subject, payload: parsed as Record<string, unknown> });
}
