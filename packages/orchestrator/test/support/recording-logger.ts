import type { Logger } from '@figaro/protocol';

/** A logger that keeps every line as JSON text, so tests can grep what would have been logged. */
export function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const make = (bindings: Record<string, unknown>): Logger => {
    const write = (level: string) => (fields: Record<string, unknown>, message?: string) => {
      lines.push(
        JSON.stringify({ level, ...bindings, ...fields, msg: message }, (_k, v) =>
          v instanceof Error ? v.message : v,
        ),
      );
    };
    return {
      debug: write('debug'),
      info: write('info'),
      warn: write('warn'),
      error: write('error'),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return { logger: make({}), lines };
}
