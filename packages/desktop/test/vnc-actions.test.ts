import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '@figaro/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVncAction, scaleToFit, toScreen, VncDesktop } from '../src/index.js';
import { decode } from './support/image.js';
import { startXClient, startXvnc, type VncServerHandle, type XClientHandle } from './support/servers.js';
import { eventually } from './support/wait.js';
import { parseXev, presses } from './support/xev.js';

// 1280×800 screen, no window manager (focus follows the pointer): xev top right, and a "lock screen"
// xterm over the centre that writes the line typed into it to a file.
const XEV = { left: 700, top: 0, width: 400, height: 300 };
const HALF = { width: 640, height: 400 };
const half = scaleToFit({ width: 1280, height: 800 }, { maxWidth: 640 });
/** A point inside xev, in half-size screenshot coordinates, and where it lands on the screen. */
const IN_XEV_SCALED = { x: 450, y: 75 };
const IN_XEV = toScreen(half, IN_XEV_SCALED.x, IN_XEV_SCALED.y);

describe('runVncAction on Xvnc', () => {
  let server: VncServerHandle;
  let desktop: VncDesktop;
  let dir: { path: string; remove(): Promise<void> };
  let xev: XClientHandle;
  const clients: XClientHandle[] = [];

  beforeAll(async () => {
    [server, dir] = await Promise.all([startXvnc({ password: 'act-pw' }), tempDir('figaro-actions-')]);
    desktop = await VncDesktop.connect({ url: server.url, password: 'act-pw' });
    xev = startXClient(
      'xev',
      [
        '-geometry',
        `${XEV.width}x${XEV.height}+${XEV.left}+${XEV.top}`,
        '-event',
        'button',
        '-event',
        'mouse',
        '-event',
        'keyboard',
      ],
      { env: server.env },
    );
    clients.push(xev);
    await eventually('xev to see the pointer', async () => {
      await runVncAction(desktop, { action: 'move', x: 10, y: 500 });
      await runVncAction(desktop, { action: 'move', x: IN_XEV.x, y: IN_XEV.y });
      return xev.output().includes('EnterNotify') ? true : undefined;
    });
  });

  afterAll(async () => {
    await desktop?.close();
    for (const client of clients) await client.stop();
    await server?.stop();
    await dir?.remove();
  });

  async function xevEvents(act: () => Promise<unknown>, until: (e: ReturnType<typeof parseXev>) => boolean) {
    const before = xev.output().length;
    await act();
    return parseXev((await xev.waitForOutput((out) => until(parseXev(out.slice(before))))).slice(before));
  }

  it('takes a scaled JPEG screenshot and reports both sizes', async () => {
    const reply = await runVncAction(desktop, { action: 'screenshot', max_width: 640, format: 'jpeg' });
    expect(reply).toMatchObject({
      mime_type: 'image/jpeg',
      width: 640,
      height: 400,
      original_width: 1280,
      original_height: 800,
      settled: true,
    });
    if (!('data' in reply)) throw new Error('no image');
    const image = await decode({
      ...reply,
      mimeType: reply.mime_type,
      originalWidth: 1280,
      originalHeight: 800,
    });
    expect([image.width, image.height]).toEqual([640, 400]);
  });

  it('maps click coordinates from the screenshot space to the screen, with the button asked for', async () => {
    const events = await xevEvents(
      () => runVncAction(desktop, { action: 'click', ...IN_XEV_SCALED, button: 'right', scaled_from: HALF }),
      (e) => e.some((x) => x.type === 'ButtonRelease'),
    );
    expect(presses(events).map(({ button, x, y }) => [button, x, y])).toEqual([[3, IN_XEV.x, IN_XEV.y]]);
  });

  it('double-clicks, moves and scrolls at the mapped point', async () => {
    const target = toScreen(half, 500, 100);
    const events = await xevEvents(
      async () => {
        await runVncAction(desktop, { action: 'move', x: 500, y: 100 }, { scaledFrom: HALF });
        await runVncAction(desktop, { action: 'double_click', ...IN_XEV_SCALED }, { scaledFrom: HALF });
        await runVncAction(
          desktop,
          { action: 'scroll', ...IN_XEV_SCALED, dy: 2, dx: -1 },
          { scaledFrom: HALF },
        );
      },
      (e) => e.filter((x) => x.type === 'ButtonRelease').length >= 5,
    );
    expect(events.some((e) => e.type === 'MotionNotify' && e.x === target.x && e.y === target.y)).toBe(true);
    expect(presses(events).map(({ button, x, y }) => [button, x, y])).toEqual([
      [1, IN_XEV.x, IN_XEV.y],
      [1, IN_XEV.x, IN_XEV.y],
      [5, IN_XEV.x, IN_XEV.y],
      [5, IN_XEV.x, IN_XEV.y],
      [6, IN_XEV.x, IN_XEV.y],
    ]);
  });

  it('drags along a mapped path', async () => {
    const path: Array<[number, number]> = [
      [380, 20],
      [500, 120],
    ];
    const [from, to] = path.map(([x, y]) => toScreen(half, x, y));
    const events = await xevEvents(
      () => runVncAction(desktop, { action: 'drag', path, scaled_from: HALF }),
      (e) => e.some((x) => x.type === 'ButtonRelease'),
    );
    expect(events.find((e) => e.type === 'ButtonPress')).toMatchObject({ button: 1, ...from });
    expect(events.find((e) => e.type === 'ButtonRelease')).toMatchObject({ button: 1, ...to });
  });

  it('types text and holds keys for hold_ms', async () => {
    await runVncAction(desktop, { action: 'move', x: IN_XEV.x, y: IN_XEV.y });
    const before = xev.output().length;
    await runVncAction(desktop, { action: 'type', text: 'ab' });
    await runVncAction(desktop, { action: 'key', keys: 'Escape', hold_ms: 200 });
    const output = (
      await xev.waitForOutput((out) => (out.slice(before).match(/KeyRelease/g) ?? []).length >= 3)
    ).slice(before);
    const keys = [
      ...output.matchAll(/(KeyPress|KeyRelease) event[\s\S]*?time (\d+)[\s\S]*?keysym 0x([0-9a-f]+)/g),
    ].map((m) => ({ type: m[1], time: Number(m[2]), keysym: m[3] }));
    expect(keys.map((k) => `${k.type}:${k.keysym}`)).toEqual([
      'KeyPress:61',
      'KeyRelease:61',
      'KeyPress:62',
      'KeyRelease:62',
      'KeyPress:ff1b',
      'KeyRelease:ff1b',
    ]);
    expect((keys[5]?.time ?? 0) - (keys[4]?.time ?? 0)).toBeGreaterThanOrEqual(190);
  });

  it('unlocks: clicks the centre, types the stored password and presses Return', async () => {
    const file = join(dir.path, 'unlock.txt');
    const lock = startXClient(
      'xterm',
      ['-geometry', '40x5+500+360', '-e', 'bash', '--norc', '-c', `read -r p; echo "$p" > ${file}`],
      { env: server.env },
    );
    clients.push(lock);
    // The lock window is up once its white background covers the centre.
    await eventually('the lock window', async () => {
      const reply = await runVncAction(desktop, { action: 'screenshot' });
      if (!('data' in reply)) return undefined;
      const image = await decode({
        ...reply,
        mimeType: reply.mime_type,
        originalWidth: 1280,
        originalHeight: 800,
      });
      return image.pixel(660, 410).join() === '255,255,255' ? true : undefined;
    });
    expect(await runVncAction(desktop, { action: 'unlock' }, { unlockPassword: 's3cret pass' })).toEqual({
      ok: true,
    });
    const text = await eventually('the password to arrive', async () => {
      const content = await readFile(file, 'utf8').catch(() => '');
      return content.endsWith('\n') ? content : undefined;
    });
    expect(text).toBe('s3cret pass\n');
  });

  it('rejects missing parameters with invalid_request', async () => {
    const cases = [
      { action: 'click' as const, y: 3 },
      { action: 'type' as const },
      { action: 'key' as const },
      { action: 'drag' as const, path: [[1, 1]] as Array<[number, number]> },
      { action: 'scroll' as const, x: 1, y: 1 },
      { action: 'unlock' as const },
    ];
    for (const request of cases) {
      await expect(runVncAction(desktop, request), request.action).rejects.toMatchObject({
        code: 'invalid_request',
      });
    }
  });
});
