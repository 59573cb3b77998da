import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { testDatabaseUrl, testNatsUrl } from '../src/index.js';

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('test fixtures', () => {
  it('starts a private nats-server and PostgreSQL cluster for the run', async () => {
    expect(new URL(testNatsUrl()).port).not.toBe('4222');
    expect(new URL(testDatabaseUrl()).port).not.toBe('5432');
    expect(await reachable(testNatsUrl())).toBe(true);
    expect(await reachable(testDatabaseUrl())).toBe(true);
  });
});
