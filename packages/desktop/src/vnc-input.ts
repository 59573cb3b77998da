import type { Clock } from '@figaro/protocol';
import type { ClickOptions, KeyOptions, MouseButton } from './desktop.js';
import { DesktopError } from './errors.js';
import { keysymForChar, parseKeys } from './keysyms.js';
import { ClientMessage } from './rfb/messages.js';

/** RFB pointer button bits (RFC 6143 §7.5.5): buttons 1–3, then wheel up/down/left/right as 4–7. */
const BUTTON_BIT: Record<MouseButton, number> = { left: 1, middle: 2, right: 4 };
const WHEEL = { up: 8, down: 16, left: 32, right: 64 } as const;

/** Longest straight step of a drag; longer segments get intermediate motion events. */
const DRAG_STEP_PX = 32;

/**
 * Turns desktop actions into RFB key and pointer messages. Each action's messages go out as one write,
 * so the server sees them back to back and in order.
 */
export class VncInput {
  private x = 0;
  private y = 0;

  constructor(
    private readonly send: (data: Buffer) => Promise<void>,
    private readonly screen: () => { width: number; height: number },
    private readonly clock: Clock,
  ) {}

  /** Where this connection last put the pointer. */
  position(): { x: number; y: number } {
    return { x: this.x, y: this.y };
  }

  async move(x: number, y: number): Promise<void> {
    return this.send(this.pointer(0, x, y));
  }

  async click(x: number, y: number, opts: ClickOptions = {}): Promise<void> {
    const bit = BUTTON_BIT[opts.button ?? 'left'];
    if (bit === undefined) throw new DesktopError('invalid_request', `unknown mouse button "${opts.button}"`);
    const count = opts.count ?? 1;
    if (![1, 2, 3].includes(count))
      throw new DesktopError('invalid_request', `click count must be 1, 2 or 3`);
    const messages = [this.pointer(0, x, y)];
    for (let i = 0; i < count; i++) messages.push(this.pointer(bit, x, y), this.pointer(0, x, y));
    return this.send(Buffer.concat(messages));
  }

  async drag(path: Array<[number, number]>): Promise<void> {
    const first = path[0];
    if (!first || path.length < 2)
      throw new DesktopError('invalid_request', 'a drag needs at least two points');
    const messages = [this.pointer(0, first[0], first[1]), this.pointer(BUTTON_BIT.left, first[0], first[1])];
    let [px, py] = first;
    for (const [x, y] of path.slice(1)) {
      const steps = Math.max(1, Math.ceil(Math.hypot(x - px, y - py) / DRAG_STEP_PX));
      for (let s = 1; s <= steps; s++) {
        messages.push(
          this.pointer(BUTTON_BIT.left, px + ((x - px) * s) / steps, py + ((y - py) * s) / steps),
        );
      }
      [px, py] = [x, y];
    }
    messages.push(this.pointer(0, px, py));
    return this.send(Buffer.concat(messages));
  }

  async scroll(x: number, y: number, dx: number, dy: number): Promise<void> {
    const messages = [this.pointer(0, x, y)];
    const clicks = (n: number, bit: number) => {
      for (let i = 0; i < Math.abs(Math.round(n)); i++)
        messages.push(this.pointer(bit, x, y), this.pointer(0, x, y));
    };
    clicks(dy, dy < 0 ? WHEEL.up : WHEEL.down);
    clicks(dx, dx < 0 ? WHEEL.left : WHEEL.right);
    return this.send(Buffer.concat(messages));
  }

  async type(text: string): Promise<void> {
    const messages: Buffer[] = [];
    // A CR LF pair is one line break, not two Return presses.
    for (const char of text.replace(/\r\n/g, '\n')) {
      const keysym = keysymForChar(char);
      messages.push(ClientMessage.keyEvent(true, keysym), ClientMessage.keyEvent(false, keysym));
    }
    return messages.length > 0 ? this.send(Buffer.concat(messages)) : Promise.resolve();
  }

  async key(keys: string, opts: KeyOptions = {}): Promise<void> {
    const chords = parseKeys(keys);
    const holdMs = opts.holdMs ?? 0;
    for (const chord of chords) {
      const down = chord.map((keysym) => ClientMessage.keyEvent(true, keysym));
      const up = [...chord].reverse().map((keysym) => ClientMessage.keyEvent(false, keysym));
      if (holdMs > 0) {
        await this.send(Buffer.concat(down));
        await new Promise<void>((resolve) => this.clock.setTimeout(resolve, holdMs));
        await this.send(Buffer.concat(up));
      } else {
        await this.send(Buffer.concat([...down, ...up]));
      }
    }
  }

  private pointer(buttons: number, x: number, y: number): Buffer {
    if (!Number.isFinite(x) || !Number.isFinite(y))
      throw new DesktopError('invalid_request', `bad point (${x}, ${y})`);
    const { width, height } = this.screen();
    this.x = Math.max(0, Math.min(width - 1, Math.round(x)));
    this.y = Math.max(0, Math.min(height - 1, Math.round(y)));
    return ClientMessage.pointerEvent(buttons, this.x, this.y);
  }
}
