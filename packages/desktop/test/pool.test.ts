import { freePort, startXServer, stopProcess, waitForPort, type XServerProcess } from '@figaro/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DesktopPool, type PooledDesktop } from '../src/index.js';
import { startXvnc, type VncServerHandle } from './support/servers.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';
import { eventually } from './support/wait.js';

/** Xvnc on a given port, so a test can restart "the same" desktop. */
function xvncOnPort(port: number): Promise<XServerProcess> {
  return startXServer('Xvnc', () => [
    '-geometry',
    '640x480',
    '-depth',
    '24',
    '-rfbport',
    String(port),
    '-localhost',
    '-interface',
    '127.0.0.1',
    '-nolisten',
    'tcp',
    '-AlwaysShared',
    '-SecurityTypes',
    'None',
  ]);
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('DesktopPool against Xvnc', () => {
  let one: VncServerHandle;
  let two: VncServerHandle;
  let proxyOne: TcpProxy;
  let proxyTwo: TcpProxy;
  const pools: DesktopPool[] = [];
  const newPool = (...args: ConstructorParameters<typeof DesktopPool>) => {
    const pool = new DesktopPool(...args);
    pools.push(pool);
    return pool;
  };

  beforeAll(async () => {
    [one, two] = await Promise.all([
      startXvnc({ password: 'pool-pw', size: { width: 640, height: 480 } }),
      startXvnc({ size: { width: 800, height: 600 } }),
    ]);
    [proxyOne, proxyTwo] = await Promise.all([startTcpProxy(one.port), startTcpProxy(two.port)]);
  });

  afterAll(async () => {
    for (const pool of pools) await pool.close();
    await proxyOne?.close();
    await proxyTwo?.close();
    await one?.stop();
    await two?.stop();
  });

  it('keeps one connection per desktop, serialises its operations and runs desktops in parallel', async () => {
    const pool = newPool();
    const targetOne = { url: proxyOne.url, password: 'pool-pw' };
    const targetTwo = { url: proxyTwo.url };
    const order: string[] = [];
    const gate = deferred();
    const firstStarted = deferred();
    const first = pool.use(targetOne, async (desktop) => {
      order.push('one:first:start');
      firstStarted.resolve();
      await gate.promise;
      order.push('one:first:end');
      return desktop;
    });
    const second = pool.use(targetOne, async (desktop) => {
      order.push('one:second');
      return desktop;
    });
    // The other desktop answers while the first is still blocked.
    await firstStarted.promise;
    const other = await pool.use(targetTwo, async (desktop) => {
      order.push('two');
      return (await desktop.screenshot()).width;
    });
    expect(other).toBe(800);
    expect(order).toEqual(['one:first:start', 'two']);
    gate.resolve();
    const [a, b] = await Promise.all([first, second]);
    expect(order).toEqual(['one:first:start', 'two', 'one:first:end', 'one:second']);
    expect(a).toBe(b);
    expect(pool.size).toBe(2);
    expect([proxyOne.connections, proxyTwo.connections]).toEqual([1, 1]);
  });

  it('treats a different password as a different connection and passes auth failures through', async () => {
    const pool = newPool();
    await expect(
      pool.use({ url: proxyOne.url, password: 'xpool-pw' }, async () => 'never'),
    ).rejects.toMatchObject({ code: 'unauthorized' });
    expect(await pool.use({ url: proxyOne.url, password: 'pool-pw' }, async (d) => d.size().width)).toBe(640);
  });

  it('reconnects on next use after the connection was cut', async () => {
    const pool = newPool();
    const target = { url: proxyTwo.url };
    const before = await pool.use(target, async (desktop) => desktop);
    proxyTwo.cutAll();
    await eventually('the pool to see the cut', () => (before.closed ? true : undefined));
    const shot = await pool.use(target, async (desktop) => {
      expect(desktop).not.toBe(before);
      return desktop.screenshot();
    });
    expect(shot).toMatchObject({ width: 800, height: 600 });
  });

  it('reconnects after the server restarts on the same port', async () => {
    const port = await freePort();
    let server = await xvncOnPort(port);
    try {
      await waitForPort(port);
      const pool = newPool();
      const target = { url: `vnc://127.0.0.1:${port}` };
      const before = await pool.use(target, async (desktop) => {
        await desktop.screenshot();
        return desktop;
      });
      await stopProcess(server.child);
      await eventually('the pool to see the server go', () => (before.closed ? true : undefined));
      server = await xvncOnPort(port);
      await waitForPort(port);
      const after = await pool.use(target, async (desktop) => {
        await desktop.screenshot();
        return desktop;
      });
      expect(after).not.toBe(before);
      expect(after.closed).toBe(false);
    } finally {
      await stopProcess(server.child);
    }
  });

  it('closes a connection once idle and opens a new one on the next use', async () => {
    const pool = newPool({ idleMs: 150 });
    const target = { url: proxyOne.url, password: 'pool-pw' };
    const baseline = proxyOne.connections;
    const first: PooledDesktop = await pool.use(target, async (desktop) => desktop);
    expect(proxyOne.connections).toBe(baseline + 1);
    await eventually('the idle connection to close', () => (first.closed ? true : undefined));
    expect(pool.size).toBe(0);
    await eventually('the proxy to see it go', () => (proxyOne.connections === baseline ? true : undefined));
    const second = await pool.use(target, async (desktop) => desktop);
    expect(second).not.toBe(first);
    expect(second.closed).toBe(false);
  });

  it('keeps a busy connection open past the idle time', async () => {
    const pool = newPool({ idleMs: 50 });
    const gate = deferred();
    const target = { url: proxyTwo.url };
    let held: PooledDesktop | undefined;
    const running = pool.use(target, async (desktop) => {
      held = desktop;
      await gate.promise;
      return desktop.closed;
    });
    await eventually('the operation to start', () => held);
    // Idle timers only run between operations: wait longer than idleMs by polling the screen.
    const start = Date.now();
    while (Date.now() - start < 200) await held?.screenshot();
    gate.resolve();
    expect(await running).toBe(false);
  });

  it('closes every connection on close() and refuses later use', async () => {
    const pool = newPool();
    const a = await pool.use({ url: proxyOne.url, password: 'pool-pw' }, async (d) => d);
    const b = await pool.use({ url: proxyTwo.url }, async (d) => d);
    await pool.close();
    expect([a.closed, b.closed]).toEqual([true, true]);
    await expect(pool.use({ url: proxyTwo.url }, async () => 1)).rejects.toMatchObject({
      name: 'DesktopClosedError',
    });
  });
});
