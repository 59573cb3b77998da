export * from './index.js';
export { type LogEntry, recordingLogger } from './testing/recording-logger.js';
