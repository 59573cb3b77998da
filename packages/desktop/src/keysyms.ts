import { DesktopError } from './errors.js';

/**
 * X11 keysyms by friendly name (lower case). Names follow xdotool and X11 (`Return`, `Page_Up`) plus
 * the aliases models and people use (`enter`, `esc`, `pgup`, `cmd`, `win`).
 */
const NAMED: Readonly<Record<string, number>> = {
  // Modifiers. `super`, `cmd`, `win` and `meta` all mean the Super key, as xdotool and the Anthropic
  // computer tool use them; Meta_L is rarely bound on X desktops.
  shift: 0xffe1,
  shift_l: 0xffe1,
  shift_r: 0xffe2,
  ctrl: 0xffe3,
  control: 0xffe3,
  control_l: 0xffe3,
  control_r: 0xffe4,
  caps_lock: 0xffe5,
  alt: 0xffe9,
  alt_l: 0xffe9,
  alt_r: 0xffea,
  option: 0xffe9,
  super: 0xffeb,
  super_l: 0xffeb,
  super_r: 0xffec,
  cmd: 0xffeb,
  command: 0xffeb,
  win: 0xffeb,
  meta: 0xffeb,
  meta_l: 0xffe7,
  meta_r: 0xffe8,
  hyper_l: 0xffed,
  altgr: 0xfe03,
  iso_level3_shift: 0xfe03,
  // Editing and navigation.
  backspace: 0xff08,
  tab: 0xff09,
  iso_left_tab: 0xfe20,
  linefeed: 0xff0a,
  clear: 0xff0b,
  return: 0xff0d,
  enter: 0xff0d,
  pause: 0xff13,
  scroll_lock: 0xff14,
  sys_req: 0xff15,
  escape: 0xff1b,
  esc: 0xff1b,
  delete: 0xffff,
  del: 0xffff,
  home: 0xff50,
  left: 0xff51,
  up: 0xff52,
  right: 0xff53,
  down: 0xff54,
  page_up: 0xff55,
  pageup: 0xff55,
  pgup: 0xff55,
  prior: 0xff55,
  page_down: 0xff56,
  pagedown: 0xff56,
  pgdn: 0xff56,
  next: 0xff56,
  end: 0xff57,
  begin: 0xff58,
  select: 0xff60,
  print: 0xff61,
  printscreen: 0xff61,
  execute: 0xff62,
  insert: 0xff63,
  ins: 0xff63,
  undo: 0xff65,
  redo: 0xff66,
  menu: 0xff67,
  find: 0xff68,
  cancel: 0xff69,
  help: 0xff6a,
  break: 0xff6b,
  num_lock: 0xff7f,
  space: 0x20,
  // Keypad.
  kp_enter: 0xff8d,
  kp_home: 0xff95,
  kp_left: 0xff96,
  kp_up: 0xff97,
  kp_right: 0xff98,
  kp_down: 0xff99,
  kp_page_up: 0xff9a,
  kp_page_down: 0xff9b,
  kp_end: 0xff9c,
  kp_insert: 0xff9e,
  kp_delete: 0xff9f,
  kp_multiply: 0xffaa,
  kp_add: 0xffab,
  kp_subtract: 0xffad,
  kp_decimal: 0xffae,
  kp_divide: 0xffaf,
  // Punctuation by X11 name, for chords like `ctrl+minus`.
  minus: 0x2d,
  plus: 0x2b,
  equal: 0x3d,
  comma: 0x2c,
  period: 0x2e,
  slash: 0x2f,
  backslash: 0x5c,
  semicolon: 0x3b,
  apostrophe: 0x27,
  grave: 0x60,
  bracketleft: 0x5b,
  bracketright: 0x5d,
  // Media keys (XF86).
  xf86audiomute: 0x1008ff12,
  xf86audiolowervolume: 0x1008ff11,
  xf86audioraisevolume: 0x1008ff13,
  xf86audioplay: 0x1008ff14,
};

for (let n = 1; n <= 24; n++) (NAMED as Record<string, number>)[`f${n}`] = 0xffbe + n - 1;
for (let n = 0; n <= 9; n++) (NAMED as Record<string, number>)[`kp_${n}`] = 0xffb0 + n;

/**
 * The keysym that types one character: Latin-1 characters are their own keysym, control characters
 * map to their keys (newline → Return, tab → Tab), everything else is Unicode keysym 0x01000000 + code
 * point, which X servers (Xvnc, x11vnc) map to a spare keycode on demand.
 */
export function keysymForChar(char: string): number {
  const cp = char.codePointAt(0);
  if (cp === undefined) throw new DesktopError('invalid_request', 'empty character');
  if (cp === 0x0a || cp === 0x0d) return NAMED.return as number;
  if (cp === 0x09) return NAMED.tab as number;
  if (cp === 0x08) return NAMED.backspace as number;
  if (cp === 0x1b) return NAMED.escape as number;
  if ((cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff)) return cp;
  if (cp < 0x20 || cp === 0x7f)
    throw new DesktopError('invalid_request', `cannot type control character U+${hex(cp)}`);
  return 0x01000000 + cp;
}

/**
 * Keysym of one key name: a friendly or X11 name (case-insensitive), a single character, or a raw
 * keysym `0xff0d`. Throws `invalid_request` for unknown names.
 */
export function keysymForName(name: string): number {
  if ([...name].length === 1) return keysymForChar(name);
  const named = NAMED[name.toLowerCase()];
  if (named !== undefined) return named;
  if (/^0x[0-9a-f]+$/i.test(name)) return Number.parseInt(name.slice(2), 16);
  throw new DesktopError('invalid_request', `unknown key name "${name}"`);
}

// US layout: the character a key gives with Shift held.
const US_SHIFTED: Readonly<Record<string, string>> = {
  '1': '!',
  '2': '@',
  '3': '#',
  '4': '$',
  '5': '%',
  '6': '^',
  '7': '&',
  '8': '*',
  '9': '(',
  '0': ')',
  '-': '_',
  '=': '+',
  '[': '{',
  ']': '}',
  '\\': '|',
  ';': ':',
  "'": '"',
  '`': '~',
  ',': '<',
  '.': '>',
  '/': '?',
};
const SHIFT_KEYSYMS = new Set([0xffe1, 0xffe2]);

/**
 * The keysym a key gives with Shift held. VNC sends keysyms, not key positions, and servers such as
 * Xvnc produce exactly the keysym sent, releasing Shift behind the scenes if needed: `shift+h` must
 * therefore send `H`, as a real keyboard's client would. Assumes a US layout for non-letters.
 */
function shifted(keysym: number): number {
  if (keysym > 0xff) return keysym;
  const char = String.fromCharCode(keysym);
  const upper = US_SHIFTED[char] ?? char.toUpperCase();
  return upper.length === 1 ? (upper.codePointAt(0) as number) : keysym;
}

/**
 * Parses a key expression into chords, each pressed in order and released in reverse: `ctrl+c` is one
 * chord [Control_L, c]; `ctrl+a Delete` two chords. With Shift in a chord, characters become their
 * shifted form (`shift+h` → `H`, `shift+1` → `!`). A `+` key is written `plus` (or `ctrl++`).
 */
export function parseKeys(keys: string): number[][] {
  const chords = keys
    .trim()
    .split(/\s+/)
    .filter((part) => part.length > 0);
  if (chords.length === 0) throw new DesktopError('invalid_request', 'no keys given');
  return chords.map((chord) => {
    // "ctrl++" means ctrl and plus: a trailing "+" after a separator is the key itself.
    const names = chord.endsWith('++') ? [...chord.slice(0, -2).split('+'), '+'] : chord.split('+');
    if (names.some((name) => name.length === 0)) {
      throw new DesktopError('invalid_request', `malformed key chord "${chord}"`);
    }
    const keysyms = names.map(keysymForName);
    if (!keysyms.some((keysym) => SHIFT_KEYSYMS.has(keysym))) return keysyms;
    return keysyms.map((keysym) => (SHIFT_KEYSYMS.has(keysym) ? keysym : shifted(keysym)));
  });
}

function hex(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}
