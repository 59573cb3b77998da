import type { Desktop } from '../../src/index.js';
import { decode, near } from './image.js';
import { startXClient, type VncServerHandle, type XClientHandle } from './servers.js';

/** Colours the colour terminal switches to, by the key that selects them. */
export const TERM_COLOURS = {
  r: [255, 0, 0],
  g: [0, 255, 0],
  b: [0, 0, 255],
} as const satisfies Record<string, readonly [number, number, number]>;

// Reads one key at a time and repaints the whole xterm in that key's colour (OSC 11 sets the
// background): typing one character visibly changes a known region of the screen.
const SCRIPT = [
  'stty -echo -icanon',
  "printf '\\033[?25l\\033]11;#000080\\007'",
  'while IFS= read -rsn1 c; do case "$c" in',
  "r) printf '\\033]11;#ff0000\\007';; g) printf '\\033]11;#00ff00\\007';; b) printf '\\033]11;#0000ff\\007';;",
  'esac; done',
].join('\n');

/** An xterm at (x, y) whose background follows the keys r, g and b typed into it. */
export function startColourTerm(server: VncServerHandle, x: number, y: number): XClientHandle {
  return startXClient(
    'xterm',
    ['-geometry', `20x6+${x}+${y}`, '-bg', 'white', '-fg', 'white', '-e', 'bash', '-c', SCRIPT],
    { env: server.env },
  );
}

/** Polls screenshots until (x, y) shows `colour` or the deadline passes; returns the last pixel seen. */
export async function waitForColour(
  desktop: Desktop,
  x: number,
  y: number,
  colour: readonly number[],
  timeoutMs = 5_000,
): Promise<[number, number, number]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pixel = (await decode(await desktop.screenshot())).pixel(x, y);
    if (near(pixel, colour) || Date.now() > deadline) return pixel;
  }
}
