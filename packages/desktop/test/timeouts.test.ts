import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DesktopPool, VncDesktop } from '../src/index.js';
import { type StallingRfbServer, stallingRfbServer } from './support/stalling-rfb.js';

/** Short limits so that a stall is noticed within the test; production defaults are 10 s each. */
const QUICK = { connectTimeoutMs: 2_000, handshakeTimeoutMs: 400, firstFrameTimeoutMs: 400 };

describe('RFB timeouts against servers that accept TCP and stall', () => {
  let silent: StallingRfbServer;
  let versionOnly: StallingRfbServer;
  let noFrame: StallingRfbServer;

  beforeAll(async () => {
    [silent, versionOnly, noFrame] = await Promise.all([
      stallingRfbServer('silent'),
      stallingRfbServer('after-version'),
      stallingRfbServer('after-server-init'),
    ]);
  });
  afterAll(async () => {
    await Promise.all([silent?.close(), versionOnly?.close(), noFrame?.close()]);
  });

  it('gives up on a server that never speaks RFB with code timeout', async () => {
    const started = Date.now();
    await expect(VncDesktop.connect({ url: silent.url, ...QUICK })).rejects.toMatchObject({
      code: 'timeout',
      message: expect.stringMatching(/handshake/),
    });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('gives up on a server that sends its version and then stalls', async () => {
    await expect(VncDesktop.connect({ url: versionOnly.url, ...QUICK })).rejects.toMatchObject({
      code: 'timeout',
    });
  });

  it('gives up on a server that completes the handshake and never sends a frame', async () => {
    await expect(VncDesktop.connect({ url: noFrame.url, ...QUICK })).rejects.toMatchObject({
      code: 'timeout',
      message: expect.stringMatching(/first frame/),
    });
  });

  it('has 10 s defaults', () => {
    expect(VncDesktop.DEFAULT_TIMEOUTS).toEqual({
      connectTimeoutMs: 10_000,
      handshakeTimeoutMs: 10_000,
      firstFrameTimeoutMs: 10_000,
    });
  });

  it('does not let a stalled desktop hold up later operations on it in the pool', async () => {
    const pool = new DesktopPool({ timeouts: QUICK });
    try {
      const target = { url: silent.url };
      const first = pool.use(target, async () => 'never');
      const queued = pool.use(target, async () => 'never either');
      await expect(first).rejects.toMatchObject({ code: 'timeout' });
      await expect(queued).rejects.toMatchObject({ code: 'timeout' });
      // A later operation is not stuck behind the stalled ones either.
      await expect(pool.use(target, async () => 'still never')).rejects.toMatchObject({ code: 'timeout' });
      expect(pool.size).toBe(0);
    } finally {
      await pool.close();
    }
  });
});
