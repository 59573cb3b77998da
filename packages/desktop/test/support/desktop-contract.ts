import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VncDesktop } from '../../src/index.js';
import { startColourTerm, TERM_COLOURS, waitForColour } from './colour-term.js';
import { decode } from './image.js';
import type { VncServerHandle, XClientHandle } from './servers.js';

/** Where the colour terminal sits and a pixel inside it that the pointer never covers. */
const TERM_AT = { x: 100, y: 100 };
const PROBE = { x: 190, y: 160 };
const NAVY = [0, 0, 128] as const;

/**
 * The behaviours every VNC server must show through VncDesktop (run once per server kind):
 * screen size, a window visible, a wrong password refused, fresh screenshots after actions, and a
 * steady-state screenshot cheaper than the first.
 */
export function describeVncDesktop(name: string, start: () => Promise<VncServerHandle>): void {
  describe(`VncDesktop against ${name}`, () => {
    let server: VncServerHandle;
    let desktop: VncDesktop;
    let term: XClientHandle | undefined;

    beforeAll(async () => {
      server = await start();
      desktop = await VncDesktop.connect({
        url: server.url,
        ...(server.password ? { password: server.password } : {}),
      });
    });

    afterAll(async () => {
      await desktop?.close();
      await term?.stop();
      await server?.stop();
    });

    it('shows the whole display and a window opened on it', async () => {
      expect(desktop.size()).toEqual({ width: server.width, height: server.height });
      term = startColourTerm(server, TERM_AT.x, TERM_AT.y);
      // The pointer rests on the root window, away from the pixels checked.
      await desktop.move(5, 5);
      expect(await waitForColour(desktop, PROBE.x, PROBE.y, NAVY)).toEqual(NAVY);
      const shot = await desktop.screenshot();
      expect(shot).toMatchObject({
        width: server.width,
        height: server.height,
        mimeType: 'image/png',
        settled: true,
      });
      const image = await decode(shot);
      expect([image.width, image.height]).toEqual([server.width, server.height]);
      // Outside the window the root window is still black.
      expect(image.pixel(server.width - 10, server.height - 10)).toEqual([0, 0, 0]);
    });

    it('shows the effect of every action in the next screenshot, 50 times in a row', async () => {
      // Focus follows the pointer (no window manager): park it inside the terminal, off the probe pixel.
      await desktop.move(TERM_AT.x + 8, TERM_AT.y + 8);
      const keys = ['r', 'g', 'b'] as const;
      const stale: string[] = [];
      for (let i = 0; i < 50; i++) {
        const key = keys[i % keys.length] as (typeof keys)[number];
        await desktop.type(key);
        const pixel = (await decode(await desktop.screenshot())).pixel(PROBE.x, PROBE.y);
        if (pixel.join() !== TERM_COLOURS[key].join()) stale.push(`#${i} ${key}: ${pixel.join()}`);
      }
      expect(stale).toEqual([]);
    });

    it('takes a steady-state screenshot faster than the first one', async () => {
      const t0 = performance.now();
      const fresh = await VncDesktop.connect({
        url: server.url,
        ...(server.password ? { password: server.password } : {}),
      });
      try {
        await fresh.screenshot();
        const first = performance.now() - t0;
        const steady: number[] = [];
        for (let i = 0; i < 5; i++) {
          const t = performance.now();
          await fresh.screenshot();
          steady.push(performance.now() - t);
        }
        steady.sort((a, b) => a - b);
        const median = steady[2] as number;
        expect(median).toBeLessThan(first);
      } finally {
        await fresh.close();
      }
    });

    it('scales a JPEG screenshot to a model resolution', async () => {
      const shot = await desktop.screenshot({ maxWidth: 640, maxHeight: 640, format: 'jpeg' });
      expect(shot.mimeType).toBe('image/jpeg');
      expect(shot.width).toBe(640);
      expect(shot.height).toBe(Math.round((640 * server.height) / server.width));
      expect([shot.originalWidth, shot.originalHeight]).toEqual([server.width, server.height]);
      expect(shot.data.subarray(0, 2).toString('hex')).toBe('ffd8');
    });

    it('refuses a wrong password with code unauthorized', async ({ skip }) => {
      if (!server.password) skip();
      // One bad password per server: Xvnc blocks everyone for ~10 s after five. VNC uses only the
      // first 8 characters of a password, so the wrong one differs at the start.
      const attempt = VncDesktop.connect({ url: server.url, password: `x${server.password}` });
      await expect(attempt).rejects.toMatchObject({ code: 'unauthorized', name: 'DesktopAuthError' });
      await expect(attempt).rejects.toThrow(/authentication failed/);
    });
  });
}
