import type { Logger } from '@figaro/protocol';
import { pino } from 'pino';

/** Field names whose values never reach a log line, at any depth pino can express. */
const REDACTED_PATHS = [
  'password',
  'pass',
  'token',
  'secret',
  'apiKey',
  'api_key',
  'authorization',
  'vnc_password',
  '*.password',
  '*.pass',
  '*.token',
  '*.secret',
  '*.apiKey',
  '*.api_key',
  '*.authorization',
  '*.vnc_password',
  'headers.authorization',
  'headers.cookie',
];

/** A pino logger on stderr (stdout is for what the user asked for), secrets redacted by the logger. */
export function createLogger(level: string, name = 'figaro'): Logger {
  return pino(
    { name, level, redact: { paths: REDACTED_PATHS, censor: '***' }, base: { pid: process.pid } },
    pino.destination({ fd: 2, sync: true }),
  );
}
