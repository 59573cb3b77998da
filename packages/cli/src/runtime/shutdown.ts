import type { Logger } from '@figaro/protocol';

/**
 * Runs `stop` once on the first SIGINT or SIGTERM, then exits 0; exits 1 if stopping takes longer
 * than `graceMs` or fails. A second signal while stopping forces exit 130.
 */
export function onShutdownSignal(stop: () => Promise<void>, logger: Logger, graceMs = 4_000): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal while stopping: exiting now');
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    const timer = setTimeout(() => {
      logger.error({ graceMs }, 'shutdown took too long: exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err: err instanceof Error ? err.message : String(err) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', handle);
  process.once('SIGTERM', handle);
}
