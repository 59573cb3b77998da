export * from './desktops/index.js';
export { testDatabaseUrl, testNatsUrl, uniqueToken } from './env.js';
export { freePort, waitForPort } from './free-port.js';
export { type NatsServerHandle, startNatsServer } from './nats-server.js';
export { type PostgresClusterHandle, startPostgresCluster } from './postgres-cluster.js';
export { startProcess, stopProcess } from './process.js';
export { type SshdHandle, type SshdOptions, startSshd } from './sshd.js';
export { tempDir } from './temp-dir.js';
export { ensureTestUser, TEST_USER, TEST_USER_PASSWORD, type TestUser } from './test-user.js';
