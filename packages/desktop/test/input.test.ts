import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '@figaro/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VncDesktop } from '../src/index.js';
import { startXClient, startXvnc, type VncServerHandle, type XClientHandle } from './support/servers.js';
import { eventually } from './support/wait.js';
import { parseXev, presses } from './support/xev.js';

// Layout on the 1024×768 screen (no window manager, so windows sit where asked and focus follows
// the pointer): a shell xterm top left, xev top right, a text xterm below the shell.
const SHELL = { x: 40, y: 40 };
const XEV = { left: 520, top: 0, width: 400, height: 300 };
const INSIDE_XEV = { x: 700, y: 150 };
// xterm's default font is 6×13 with a 1 px border and 2 px internal border.
const cell = (col: number, row: number, top: number) => ({ x: 3 + col * 6 + 3, y: top + 3 + row * 13 + 6 });

async function readWhenWritten(file: string): Promise<string> {
  return eventually(`${file} to be written`, async () => {
    const text = await readFile(file, 'utf8').catch(() => '');
    return text.endsWith('\n') ? text : undefined;
  });
}

describe('VncDesktop input on a real X display (Xvnc)', () => {
  let server: VncServerHandle;
  let desktop: VncDesktop;
  let dir: { path: string; remove(): Promise<void> };
  const clients: XClientHandle[] = [];
  let xev: XClientHandle;

  beforeAll(async () => {
    [server, dir] = await Promise.all([
      startXvnc({ size: { width: 1024, height: 768 } }),
      tempDir('figaro-input-'),
    ]);
    desktop = await VncDesktop.connect({ url: server.url });
    clients.push(
      startXClient('xterm', ['-geometry', '70x10+0+0', '-e', 'bash', '--norc', '--noprofile'], {
        env: { ...server.env, PS1: '$ ' },
        cwd: dir.path,
      }),
    );
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
    // xev is ready once the pointer entering its window is reported.
    await eventually('xev to see the pointer', async () => {
      await desktop.move(10, 500);
      await desktop.move(INSIDE_XEV.x, INSIDE_XEV.y);
      return xev.output().includes('EnterNotify') ? true : undefined;
    });
  });

  afterAll(async () => {
    await desktop?.close();
    for (const client of clients) await client.stop();
    await server?.stop();
    await dir?.remove();
  });

  /** Runs `act` and returns the xev events it produced. */
  async function xevEvents(
    act: () => Promise<void>,
    until: (events: ReturnType<typeof parseXev>) => boolean,
  ) {
    const before = xev.output().length;
    await act();
    const output = await xev.waitForOutput((out) => until(parseXev(out.slice(before))));
    return parseXev(output.slice(before));
  }

  it('clicks an xterm, types a command and presses Return: the file appears', async () => {
    const file = join(dir.path, 'ok.txt');
    await eventually('the shell prompt', async () => {
      await desktop.click(SHELL.x, SHELL.y);
      await desktop.type('echo ready > ready.txt\n');
      return (await readFile(join(dir.path, 'ready.txt'), 'utf8').catch(() => undefined)) ? true : undefined;
    });
    await desktop.click(SHELL.x, SHELL.y);
    await desktop.type(`echo ok > ${file}`);
    await desktop.key('Return');
    expect(await readWhenWritten(file)).toBe('ok\n');
  });

  it('holds modifiers: ctrl+u erases the line, shift+h types a capital', async () => {
    const file = join(dir.path, 'mod.txt');
    await desktop.move(SHELL.x, SHELL.y);
    await desktop.type('echo wrong');
    await desktop.key('ctrl+u');
    await desktop.type('echo ');
    await desktop.key('shift+h');
    await desktop.type(`i > ${file}`);
    await desktop.key('KP_Enter');
    expect(await readWhenWritten(file)).toBe('Hi\n');
  });

  it('double-clicks: two presses of button 1 at the point, quickly', async () => {
    const events = await xevEvents(
      () => desktop.click(INSIDE_XEV.x, INSIDE_XEV.y, { count: 2 }),
      (e) => e.filter((x) => x.type === 'ButtonRelease').length >= 2,
    );
    const down = presses(events, 1);
    expect(down.map(({ x, y }) => [x, y])).toEqual([
      [INSIDE_XEV.x, INSIDE_XEV.y],
      [INSIDE_XEV.x, INSIDE_XEV.y],
    ]);
    expect((down[1]?.time ?? 0) - (down[0]?.time ?? 0)).toBeLessThan(250);
  });

  it('right-clicks with button 3', async () => {
    const events = await xevEvents(
      () => desktop.click(INSIDE_XEV.x, INSIDE_XEV.y, { button: 'right' }),
      (e) => e.some((x) => x.type === 'ButtonRelease'),
    );
    expect(presses(events).map((e) => e.button)).toEqual([3]);
  });

  it('scrolls with wheel buttons 4/5 (vertical) and 6/7 (horizontal)', async () => {
    const events = await xevEvents(
      async () => {
        await desktop.scroll(INSIDE_XEV.x, INSIDE_XEV.y, 0, 3);
        await desktop.scroll(INSIDE_XEV.x, INSIDE_XEV.y, 0, -2);
        await desktop.scroll(INSIDE_XEV.x, INSIDE_XEV.y, 1, 0);
        await desktop.scroll(INSIDE_XEV.x, INSIDE_XEV.y, -1, 0);
      },
      (e) => presses(e).length >= 7 && e.filter((x) => x.type === 'ButtonRelease').length >= 7,
    );
    expect(presses(events).map((e) => e.button)).toEqual([5, 5, 5, 4, 4, 7, 6]);
  });

  it('drags: press at the start, motion with button 1 held, release at the end', async () => {
    const from: [number, number] = [XEV.left + 20, 40];
    const to: [number, number] = [XEV.left + 300, 250];
    const events = await xevEvents(
      () => desktop.drag([from, [XEV.left + 150, 60], to]),
      (e) => e.some((x) => x.type === 'ButtonRelease'),
    );
    const press = events.findIndex((e) => e.type === 'ButtonPress');
    const release = events.findIndex((e) => e.type === 'ButtonRelease');
    expect(events[press]).toMatchObject({ button: 1, x: from[0], y: from[1] });
    expect(events[release]).toMatchObject({ button: 1, x: to[0], y: to[1] });
    const motion = events.slice(press, release).filter((e) => e.type === 'MotionNotify');
    expect(motion.length).toBeGreaterThan(2);
    expect(motion.every((e) => ((e.state ?? 0) & 0x100) !== 0)).toBe(true);
    expect(motion.some((e) => e.x === XEV.left + 150 && e.y === 60)).toBe(true);
  });

  it('presses chords in order and holds them for holdMs', async () => {
    await desktop.move(INSIDE_XEV.x, INSIDE_XEV.y);
    const before = xev.output().length;
    await desktop.key('ctrl+shift+t', { holdMs: 300 });
    const output = (
      await xev.waitForOutput((out) => (out.slice(before).match(/KeyRelease/g) ?? []).length >= 3)
    ).slice(before);
    const keysyms = [
      ...output.matchAll(/(KeyPress|KeyRelease) event[\s\S]*?time (\d+)[\s\S]*?keysym 0x([0-9a-f]+)/g),
    ].map((m) => ({ type: m[1], time: Number(m[2]), keysym: Number.parseInt(m[3] ?? '', 16) }));
    const chord = keysyms.slice(0, 6);
    expect(chord.map((k) => `${k.type}:${k.keysym.toString(16)}`)).toEqual([
      'KeyPress:ffe3',
      'KeyPress:ffe1',
      'KeyPress:54',
      'KeyRelease:54',
      'KeyRelease:ffe1',
      'KeyRelease:ffe3',
    ]);
    expect((chord[3]?.time ?? 0) - (chord[2]?.time ?? 0)).toBeGreaterThanOrEqual(290);
  });

  it('double-clicks a word in an xterm and receives the selection as the clipboard', async () => {
    const top = 300;
    clients.push(
      startXClient('xterm', ['-geometry', '40x3+0+300', '-e', 'sh', '-c', 'echo figaroword; sleep 600'], {
        env: server.env,
      }),
    );
    // Double-clicking a word selects it; Xvnc sends the selection as ServerCutText.
    const word = cell(3, 0, top);
    const selected = await eventually('the selection to reach the clipboard', async () => {
      await desktop.click(word.x, word.y, { count: 2 });
      return desktop.clipboard() === 'figaroword' ? desktop.clipboard() : undefined;
    });
    expect(selected).toBe('figaroword');
  });

  // Last: Xvnc rebinds spare keycodes for these keysyms, and a middle-click paste into xterm right
  // after such a keymap change was seen to be lost (not investigated yet).
  it('types Unicode text through keysyms the server binds on demand', async () => {
    await desktop.move(INSIDE_XEV.x, INSIDE_XEV.y);
    const before = xev.output().length;
    await desktop.type('é€');
    const output = (
      await xev.waitForOutput((out) => (out.slice(before).match(/KeyRelease/g) ?? []).length >= 2)
    ).slice(before);
    const typed = [...output.matchAll(/KeyPress event[\s\S]*?keysym 0x([0-9a-f]+)/g)].map((m) =>
      Number.parseInt(m[1] ?? '', 16),
    );
    // Latin-1 travels as itself; other characters as 0x01000000 + code point, which Xvnc binds as is.
    expect(typed).toEqual([0xe9, 0x010020ac]);
  });
});
