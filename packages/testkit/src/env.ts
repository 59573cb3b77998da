/** URL of the run's private nats-server (started by the global setup). */
export function testNatsUrl(): string {
  const url = process.env.FIGARO_TEST_NATS_URL;
  if (!url) throw new Error('FIGARO_TEST_NATS_URL is not set: run tests through vitest (global setup)');
  return url;
}

/** URL of the run's private PostgreSQL cluster's `postgres` database (started by the global setup). */
export function testDatabaseUrl(): string {
  const url = process.env.FIGARO_TEST_DATABASE_URL;
  if (!url) throw new Error('FIGARO_TEST_DATABASE_URL is not set: run tests through vitest (global setup)');
  return url;
}

/** A short unique token for subjects, stream names and database names in one test. */
export function uniqueToken(prefix = 't'): string {
  return `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}
