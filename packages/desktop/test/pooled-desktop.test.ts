import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DesktopPool, PooledVncDesktop } from '../src/index.js';
import { startXvnc, type VncServerHandle } from './support/servers.js';

describe('PooledVncDesktop', () => {
  let server: VncServerHandle;
  const pool = new DesktopPool();

  beforeAll(async () => {
    server = await startXvnc({ password: 'pooledpw' });
  });
  afterAll(async () => {
    await pool.close();
    await server.stop();
  });

  it('drives a desktop through the pool and reconnects after the connection is dropped', async () => {
    const desktop = await new PooledVncDesktop(pool, { url: server.url, password: 'pooledpw' }).connect();
    expect(desktop.size()).toEqual({ width: server.width, height: server.height });
    const first = await desktop.screenshot({ maxWidth: 320 });
    expect(first.width).toBe(320);
    await desktop.close();
    expect(pool.size).toBe(0);
    await desktop.move(10, 10);
    const again = await desktop.screenshot({ maxWidth: 320 });
    expect(again.originalWidth).toBe(server.width);
    expect(pool.size).toBe(1);
  });

  it('refuses size() before connect()', () => {
    expect(() => new PooledVncDesktop(pool, { url: server.url }).size()).toThrow(/connect/);
  });
});
