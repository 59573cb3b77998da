/** One event as printed by xev. */
export interface XevEvent {
  type: string;
  /** Pointer position on the root window (the screen). */
  x: number;
  y: number;
  button?: number;
  /** Modifier and button state before the event (0x100 = button 1 held). */
  state?: number;
  /** Server time in milliseconds. */
  time?: number;
}

/** Parses xev's output (blank-line separated blocks) into events that carry a pointer position. */
export function parseXev(output: string): XevEvent[] {
  const events: XevEvent[] = [];
  for (const block of output.split(/\n\s*\n/)) {
    const type = /^\s*(\w+) event/.exec(block)?.[1];
    const root = /root:\((-?\d+),(-?\d+)\)/.exec(block);
    if (!type || !root) continue;
    const button = /button (\d+)/.exec(block)?.[1];
    const state = /state (0x[0-9a-f]+|\d+)/.exec(block)?.[1];
    const time = /time (\d+)/.exec(block)?.[1];
    events.push({
      type,
      x: Number(root[1]),
      y: Number(root[2]),
      ...(button !== undefined ? { button: Number(button) } : {}),
      ...(state !== undefined ? { state: Number(state) } : {}),
      ...(time !== undefined ? { time: Number(time) } : {}),
    });
  }
  return events;
}

/** Counts button presses (optionally of one button) in parsed events. */
export function presses(events: XevEvent[], button?: number): XevEvent[] {
  return events.filter((e) => e.type === 'ButtonPress' && (button === undefined || e.button === button));
}
