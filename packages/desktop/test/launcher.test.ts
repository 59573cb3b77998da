import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { detectDesktopSupport, type LocalDesktop, launchLocalDesktop, VncDesktop } from '../src/index.js';
import { eventually } from './support/wait.js';

/** Process ids still alive in the given process groups (zombies excluded). */
async function aliveInGroups(groups: number[]): Promise<number[]> {
  const alive: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [state, , pgrp] = fields;
    if (state !== 'Z' && groups.includes(Number(pgrp))) alive.push(Number(entry));
  }
  return alive;
}

/** Distinct colours in a screenshot (a uniform screen has one). */
async function colourCount(desktop: VncDesktop): Promise<number> {
  const shot = await desktop.screenshot({ maxWidth: 320 });
  const { data } = await sharp(shot.data).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const colours = new Set<number>();
  for (let i = 0; i + 2 < data.length; i += 3)
    colours.add(((data[i] ?? 0) << 16) | ((data[i + 1] ?? 0) << 8) | (data[i + 2] ?? 0));
  return colours.size;
}

describe('launchLocalDesktop', () => {
  let launched: LocalDesktop | undefined;
  let desktop: VncDesktop | undefined;

  afterEach(async () => {
    await desktop?.close();
    await launched?.stop();
    desktop = undefined;
    launched = undefined;
  });

  it('finds the installed servers, and says how to install one when none is on the path', async () => {
    expect((await detectDesktopSupport()).server).toBe('xvnc');
    expect(await detectDesktopSupport({ path: '/nonexistent' })).toEqual({ programs: {}, server: null });
    await expect(launchLocalDesktop({ path: '/nonexistent' })).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/neither Xvnc nor Xvfb.*apt-get install -y tigervnc-standalone-server/),
    });
  });

  it('starts Xvnc with fluxbox, Chromium and an xterm, serves them over VNC, and stops every process', async () => {
    launched = await launchLocalDesktop();
    expect(launched.url).toMatch(/^vnc:\/\/127\.0\.0\.1:\d+$/);
    expect(launched.server).toBe('xvnc');
    desktop = await VncDesktop.connect({ url: launched.url });
    expect(desktop.size()).toEqual({ width: 1280, height: 800 });
    // Windows drawn: the toolbar, the xterm and Chromium's frame give many colours.
    await eventually(
      'windows on the screen',
      async () => ((await colourCount(desktop as VncDesktop)) > 30 ? true : undefined),
      20_000,
    );
    const groups = launched.pids;
    expect(groups.length).toBe(4);
    const home = launched.home;
    await desktop.close();
    await launched.stop();
    expect(await aliveInGroups(groups)).toEqual([]);
    expect(existsSync(home)).toBe(false);
  });

  it('falls back to Xvfb + x11vnc, with a password', async () => {
    launched = await launchLocalDesktop({
      server: 'xvfb',
      size: '1024x768',
      password: 'launch-pw',
      apps: ['xterm'],
    });
    expect(launched.server).toBe('xvfb');
    await expect(VncDesktop.connect({ url: launched.url })).rejects.toMatchObject({ code: 'unauthorized' });
    desktop = await VncDesktop.connect({ url: launched.url, password: 'launch-pw' });
    expect(desktop.size()).toEqual({ width: 1024, height: 768 });
    await eventually(
      'the xterm and toolbar',
      async () => ((await colourCount(desktop as VncDesktop)) > 3 ? true : undefined),
      10_000,
    );
    const groups = launched.pids;
    await desktop.close();
    await launched.stop();
    expect(await aliveInGroups(groups)).toEqual([]);
  });
});
