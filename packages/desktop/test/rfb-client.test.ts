import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Encoding, RfbVersion, VncDesktop } from '../src/index.js';
import { decode } from './support/image.js';
import {
  runXCommand,
  startXClient,
  startXvnc,
  type VncServerHandle,
  type XClientHandle,
} from './support/servers.js';
import { eventually } from './support/wait.js';

describe('RFB client against Xvnc', () => {
  let withPassword: VncServerHandle;
  let open: VncServerHandle;
  const desktops: VncDesktop[] = [];
  const clients: XClientHandle[] = [];
  const connect = async (...args: Parameters<typeof VncDesktop.connect>) => {
    const desktop = await VncDesktop.connect(...args);
    desktops.push(desktop);
    return desktop;
  };

  beforeAll(async () => {
    [withPassword, open] = await Promise.all([
      startXvnc({ password: 'rfb-pass', size: { width: 800, height: 600 } }),
      startXvnc({ size: { width: 800, height: 600 } }),
    ]);
  });

  afterAll(async () => {
    for (const desktop of desktops) await desktop.close();
    for (const client of clients) await client.stop();
    await withPassword?.stop();
    await open?.stop();
  });

  for (const version of [RfbVersion.v3_3, RfbVersion.v3_7, RfbVersion.v3_8]) {
    it(`speaks RFB ${version} with VNC Authentication and with None`, async () => {
      const secured = await connect({ url: withPassword.url, password: 'rfb-pass', maxVersion: version });
      const plain = await connect({ url: open.url, maxVersion: version });
      expect(secured.client.serverInit.version).toBe(version);
      expect(plain.client.serverInit.version).toBe(version);
      expect(secured.size()).toEqual({ width: 800, height: 600 });
      expect((await plain.screenshot()).settled).toBe(true);
    });
  }

  it('builds the same framebuffer from Raw as from ZRLE and CopyRect', async () => {
    clients.push(
      startXClient('xterm', ['-geometry', '40x10+30+40', '-e', 'sh', '-c', 'ls -la /; sleep 600'], {
        env: open.env,
      }),
    );
    const zrle = await connect({ url: open.url });
    const raw = await connect({ url: open.url, encodings: [Encoding.raw, Encoding.desktopSize] });
    // The xterm is up once its white background shows.
    await eventually('the xterm to show', async () => {
      const pixel = (await decode(await zrle.screenshot())).pixel(200, 150);
      return pixel.join() === '255,255,255' ? true : undefined;
    });
    await raw.screenshot();
    await zrle.screenshot();
    expect(raw.client.framebuffer.data.equals(zrle.client.framebuffer.data)).toBe(true);
  });

  it('shows changes made by other X clients in the next screenshot, 50 times in a row', async () => {
    const desktop = await connect({ url: open.url });
    const colours = [
      ['#ff0000', [255, 0, 0]],
      ['#00ff00', [0, 255, 0]],
      ['#0000ff', [0, 0, 255]],
    ] as const;
    const stale: string[] = [];
    for (let i = 0; i < 50; i++) {
      const [name, rgb] = colours[i % colours.length] as (typeof colours)[number];
      await runXCommand('xsetroot', ['-solid', name], { env: open.env });
      const pixel = (await decode(await desktop.screenshot())).pixel(790, 590);
      if (pixel.join() !== rgb.join()) stale.push(`#${i} ${name}: ${pixel.join()}`);
    }
    expect(stale).toEqual([]);
  });

  it('follows a desktop size change (DesktopSize)', async () => {
    const desktop = await connect({ url: withPassword.url, password: 'rfb-pass' });
    await runXCommand('xrandr', ['-s', '1024x768'], { env: withPassword.env });
    await eventually('the new size', () => (desktop.size().width === 1024 ? true : undefined));
    const shot = await desktop.screenshot();
    expect([shot.width, shot.height]).toEqual([1024, 768]);
  });
});
