import type { Logger } from '@figaro/protocol';
import { recordingLogger as record } from '@figaro/protocol/testing';

/** A logger whose lines can be grepped as JSON text (`lines` grows as it logs). */
export function recordingLogger(): { logger: Logger; readonly lines: string[] } {
  const { logger, entries } = record();
  return {
    logger,
    get lines() {
      return entries.map((entry) => JSON.stringify(entry, (_k, v) => (v instanceof Error ? v.message : v)));
    },
  };
}
