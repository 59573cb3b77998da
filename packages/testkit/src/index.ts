export { testDatabaseUrl, testNatsUrl, uniqueToken } from './env.js';
export { freePort, waitForPort } from './free-port.js';
export { type NatsServerHandle, startNatsServer } from './nats-server.js';
export { type PostgresClusterHandle, startPostgresCluster } from './postgres-cluster.js';
export { startProcess, stopProcess } from './process.js';
export { tempDir } from './temp-dir.js';
export * from './desktops/index.js';
