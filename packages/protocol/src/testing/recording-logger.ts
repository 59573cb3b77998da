import type { Logger } from '../logger.js';

/** One line a `recordingLogger` kept. */
export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string | undefined;
}

/**
 * A Logger that keeps what it is told, child bindings merged into the fields, so tests can assert
 * on log lines (or grep them for secrets with `text()`).
 */
export function recordingLogger(): { logger: Logger; entries: LogEntry[]; text(): string } {
  const entries: LogEntry[] = [];
  const make = (bindings: Record<string, unknown>): Logger => {
    const log = (level: LogEntry['level']) => (fields: Record<string, unknown>, message?: string) => {
      entries.push({ level, fields: { ...bindings, ...fields }, message });
    };
    return {
      debug: log('debug'),
      info: log('info'),
      warn: log('warn'),
      error: log('error'),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  const text = () =>
    entries
      .map((entry) =>
        JSON.stringify(entry, (_key, value) => (value instanceof Error ? value.message : value)),
      )
      .join('\n');
  return { logger: make({}), entries, text };
}
