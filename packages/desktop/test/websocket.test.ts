import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DesktopPool, PooledVncDesktop, VncDesktop, type VncDesktopOptions } from '../src/index.js';
import { decode } from './support/image.js';
import {
  runXCommand,
  startXClient,
  startXvnc,
  startXvncTls,
  type VncServerHandle,
  type XClientHandle,
  type XvncTlsHandle,
} from './support/servers.js';
import { startWsProxy, type WsProxy } from './support/ws-proxy.js';
import { parseXev, presses } from './support/xev.js';

const SIZE = { width: 640, height: 480 };
const XEV = { left: 100, top: 100, width: 200, height: 150 };

describe('RFB over a websockify-compatible WebSocket', () => {
  let server: VncServerHandle;
  let tlsServer: XvncTlsHandle;
  let proxy: WsProxy;
  let tlsProxy: WsProxy;
  let xev: XClientHandle | undefined;
  const pool = new DesktopPool();
  const desktops: VncDesktop[] = [];
  const connect = async (options: VncDesktopOptions) => {
    const desktop = await VncDesktop.connect(options);
    desktops.push(desktop);
    return desktop;
  };

  beforeAll(async () => {
    [server, tlsServer] = await Promise.all([
      startXvnc({ password: 'ws-pass1', size: SIZE }),
      startXvncTls({ securityTypes: ['TLSNone'], size: SIZE }),
    ]);
    [proxy, tlsProxy] = await Promise.all([startWsProxy(server.port), startWsProxy(tlsServer.port)]);
  });

  afterAll(async () => {
    for (const desktop of desktops) await desktop.close();
    await pool.close();
    await xev?.stop();
    await Promise.all([proxy?.close(), tlsProxy?.close()]);
    await Promise.all([server?.stop(), tlsServer?.stop()]);
  });

  it('takes a screenshot over ws:// with the subprotocol binary', async () => {
    const desktop = await connect({ url: proxy.url, password: 'ws-pass1' });
    expect(proxy.lastOffered).toEqual(['binary']);
    expect(desktop.client.serverInit.security.name).toBe('VncAuth');
    await runXCommand('xsetroot', ['-solid', '#ff00ff'], { env: server.env });
    const image = await decode(await desktop.screenshot());
    expect([image.width, image.height]).toEqual([SIZE.width, SIZE.height]);
    expect(image.pixel(5, 5)).toEqual([255, 0, 255]);
  });

  it('clicks over ws:// where it is told to', async () => {
    const desktop = await connect({ url: proxy.url, password: 'ws-pass1' });
    xev = startXClient(
      'xev',
      [
        '-geometry',
        `${XEV.width}x${XEV.height}+${XEV.left}+${XEV.top}`,
        '-event',
        'button',
        '-event',
        'expose',
      ],
      { env: server.env },
    );
    await xev.waitForOutput((out) => out.includes('Expose event'));
    await desktop.click(XEV.left + 50, XEV.top + 40);
    const out = await xev.waitForOutput((text) => text.includes('ButtonRelease event'));
    expect(presses(parseXev(out), 1).map((e) => [e.x, e.y])).toEqual([[XEV.left + 50, XEV.top + 40]]);
  });

  it('drives a pooled desktop over ws:// the same way', async () => {
    const desktop = await new PooledVncDesktop(pool, { url: proxy.url, password: 'ws-pass1' }).connect();
    expect(desktop.size()).toEqual(SIZE);
    const shot = await desktop.screenshot({ maxWidth: 320 });
    expect([shot.width, shot.originalWidth]).toEqual([320, SIZE.width]);
    expect(pool.size).toBe(1);
  });

  it('runs VeNCrypt TLS inside the WebSocket', async () => {
    // The test server has anonymous TLS only: ?tls=anon opts in to it (?tls=1 would refuse it).
    const desktop = await connect({ url: `${tlsProxy.url}?tls=anon` });
    expect(desktop.client.serverInit.security.name).toBe('VeNCrypt TLSNone');
    await runXCommand('xsetroot', ['-solid', '#00ffff'], { env: tlsServer.env });
    expect((await decode(await desktop.screenshot())).pixel(5, 5)).toEqual([0, 255, 255]);
  });

  it('refuses a wrong password over ws:// with code unauthorized', async () => {
    const attempt = VncDesktop.connect({ url: proxy.url, password: 'xs-pass1' });
    await expect(attempt).rejects.toMatchObject({ code: 'unauthorized', name: 'DesktopAuthError' });
  });

  it('fails clearly when TLS is required but the server offers no VeNCrypt', async () => {
    const attempt = VncDesktop.connect({ url: `${server.url}?tls=1`, password: 'ws-pass1' });
    await expect(attempt).rejects.toMatchObject({ code: 'unavailable' });
    await expect(attempt).rejects.toThrow(/does not offer VeNCrypt/);
  });

  it('fails with code unavailable when no WebSocket server answers, without leaking the password', async () => {
    const closed = await startWsProxy(server.port);
    await closed.close();
    const attempt = VncDesktop.connect({ url: `ws://:secret-1@127.0.0.1:${closed.port}/websockify` });
    await expect(attempt).rejects.toMatchObject({ code: 'unavailable' });
    await expect(attempt).rejects.toThrow(/cannot open a WebSocket to ws:\/\/127\.0\.0\.1:\d+\/websockify/);
    await expect(attempt).rejects.not.toThrow(/secret/);
  });
});
