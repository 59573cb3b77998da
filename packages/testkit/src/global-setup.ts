import { startNatsServer } from './nats-server.js';
import { startPostgresCluster } from './postgres-cluster.js';

/**
 * Vitest global setup: one private nats-server and one PostgreSQL 15 cluster per test run, on free
 * ports. Their URLs reach the test workers through the environment. An URL set beforehand
 * (FIGARO_TEST_NATS_URL / FIGARO_TEST_DATABASE_URL) is used instead of starting a server.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<void>> = [];
  if (!process.env.FIGARO_TEST_NATS_URL) {
    const nats = await startNatsServer();
    process.env.FIGARO_TEST_NATS_URL = nats.url;
    stops.push(nats.stop);
  }
  if (!process.env.FIGARO_TEST_DATABASE_URL) {
    const pg = await startPostgresCluster();
    process.env.FIGARO_TEST_DATABASE_URL = pg.url;
    stops.push(pg.stop);
  }
  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}
