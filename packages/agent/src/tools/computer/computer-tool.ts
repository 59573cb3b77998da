import type { Desktop, ScaleMapping, Screenshot } from '@figaro/desktop';
import { fromScreen, scaleToFit, toScreen } from '@figaro/desktop';
import { type Clock, systemClock } from '@figaro/protocol';
import type { ComputerToolSpec, ImagePart, ToolResultContent } from '../../model/model-client.js';
import { sleep } from '../../util/sleep.js';
import { jsonSchemaOf, type Tool, type ToolContext, ToolError, textResult } from '../tool.js';
import { ComputerInput } from './computer-input.js';
import { zoomImage } from './zoom.js';

/** Options of the computer tool. */
export interface ComputerToolOptions {
  desktop: Desktop;
  /** Bounding box of the screenshots the model sees (aspect kept, never enlarged). Default 1280×800. */
  maxWidth?: number;
  maxHeight?: number;
  /** Quiet time before the screenshot taken after an action, in ms (the Desktop's `settleMs`). Default 300. */
  settleMs?: number;
  /** Upper bound on waiting for the screen to settle, in ms. Default 2000. */
  maxWaitMs?: number;
  /** Screenshot encoding; default PNG. */
  format?: 'png' | 'jpeg';
  /** Offer the `zoom` action. Default true. */
  enableZoom?: boolean;
  /** Upper bound of one `wait` action, in seconds. Default 30. */
  maxWaitSeconds?: number;
  clock?: Clock;
}

/** The computer tool's name (Anthropic's native tool is always called `computer`). */
export const COMPUTER_TOOL_NAME = 'computer';

const DESCRIPTION =
  'Use a mouse and keyboard to interact with the desktop, and take screenshots. Every action except ' +
  'cursor_position returns a screenshot of the screen after it.';

/**
 * Anthropic's computer tool over the `Desktop` interface. Screenshots are scaled into the model's
 * bounding box and the model's coordinates mapped back to screen pixels with the desktop package's
 * `scaleToFit`/`toScreen`. The Desktop has no button-down/up primitives: `left_mouse_down` remembers
 * the point, `mouse_move` while down extends the path, and `left_mouse_up` performs the drag.
 */
export class ComputerTool implements Tool<ComputerInput> {
  readonly name = COMPUTER_TOOL_NAME;
  readonly description = DESCRIPTION;
  readonly input = ComputerInput;
  readonly #desktop: Desktop;
  readonly #box: { maxWidth: number; maxHeight: number };
  readonly #settleMs: number;
  readonly #maxWaitMs: number;
  readonly #format: 'png' | 'jpeg';
  readonly #enableZoom: boolean;
  readonly #maxWaitSeconds: number;
  readonly #clock: Clock;
  readonly #schema = jsonSchemaOf(ComputerInput);
  /** Last pointer position, in screen pixels. */
  #cursor: { x: number; y: number } | undefined;
  /** Path of a drag in progress (after left_mouse_down), in screen pixels. */
  #pressed: Array<[number, number]> | undefined;

  constructor(options: ComputerToolOptions) {
    this.#desktop = options.desktop;
    this.#box = { maxWidth: options.maxWidth ?? 1280, maxHeight: options.maxHeight ?? 800 };
    this.#settleMs = options.settleMs ?? 300;
    this.#maxWaitMs = options.maxWaitMs ?? 2_000;
    this.#format = options.format ?? 'png';
    this.#enableZoom = options.enableZoom ?? true;
    this.#maxWaitSeconds = options.maxWaitSeconds ?? 30;
    this.#clock = options.clock ?? systemClock;
  }

  /** How model coordinates relate to the screen right now. */
  mapping(): ScaleMapping {
    return scaleToFit(this.#desktop.size(), this.#box);
  }

  spec(): ComputerToolSpec {
    const { width, height } = this.mapping();
    return {
      kind: 'computer',
      name: this.name,
      description: this.description,
      inputSchema: this.#schema,
      displayWidth: width,
      displayHeight: height,
      enableZoom: this.#enableZoom,
    };
  }

  async run(input: ComputerInput, ctx: ToolContext): Promise<ToolResultContent[]> {
    const d = this.#desktop;
    switch (input.action) {
      case 'screenshot':
        return [await this.#screenshot(0)];
      case 'cursor_position': {
        const at = fromScreen(this.mapping(), ...this.#cursorOrThrow());
        return textResult(`X=${at.x},Y=${at.y}`);
      }
      case 'wait': {
        const seconds = Math.min(input.duration ?? 1, this.#maxWaitSeconds);
        await sleep(seconds * 1000, this.#clock, ctx.signal);
        return [await this.#screenshot(0)];
      }
      case 'zoom':
        return [await this.#zoom(input.region)];
      case 'mouse_move': {
        const p = this.#point(input.coordinate, 'mouse_move');
        if (this.#pressed) this.#pressed.push([p.x, p.y]);
        else await d.move(p.x, p.y);
        this.#cursor = p;
        break;
      }
      case 'left_click':
      case 'right_click':
      case 'middle_click':
      case 'double_click':
      case 'triple_click': {
        this.#noModifiers(input.text, input.action);
        const p = this.#pointOrCursor(input.coordinate, input.action);
        const button =
          input.action === 'right_click' ? 'right' : input.action === 'middle_click' ? 'middle' : 'left';
        const count = input.action === 'double_click' ? 2 : input.action === 'triple_click' ? 3 : 1;
        await d.click(p.x, p.y, { button, count });
        this.#cursor = p;
        break;
      }
      case 'left_click_drag': {
        this.#noModifiers(input.text, input.action);
        const from = this.#point(input.start_coordinate, 'left_click_drag', 'start_coordinate');
        const to = this.#point(input.coordinate, 'left_click_drag');
        await d.drag([
          [from.x, from.y],
          [to.x, to.y],
        ]);
        this.#cursor = to;
        break;
      }
      case 'left_mouse_down': {
        const p = this.#pointOrCursor(input.coordinate, input.action);
        this.#pressed = [[p.x, p.y]];
        this.#cursor = p;
        break;
      }
      case 'left_mouse_up': {
        const path = this.#pressed;
        if (!path) throw new ToolError('left_mouse_up without a preceding left_mouse_down');
        this.#pressed = undefined;
        const p = this.#pointOrCursor(input.coordinate, input.action);
        path.push([p.x, p.y]);
        if (path.every(([x, y]) => x === p.x && y === p.y)) await d.click(p.x, p.y);
        else await d.drag(path);
        this.#cursor = p;
        break;
      }
      case 'scroll': {
        this.#noModifiers(input.text, input.action);
        const p = this.#pointOrCursor(input.coordinate, input.action);
        const amount = input.scroll_amount ?? 3;
        const direction = input.scroll_direction ?? 'down';
        const dx = direction === 'right' ? amount : direction === 'left' ? -amount : 0;
        const dy = direction === 'down' ? amount : direction === 'up' ? -amount : 0;
        await d.scroll(p.x, p.y, dx, dy);
        this.#cursor = p;
        break;
      }
      case 'type':
        await d.type(required(input.text, 'type', 'text'));
        break;
      case 'key': {
        const keys = required(input.text, 'key', 'text');
        for (let i = 0; i < (input.repeat ?? 1); i++) await d.key(keys);
        break;
      }
      case 'hold_key': {
        const keys = required(input.text, 'hold_key', 'text');
        await d.key(keys, { holdMs: Math.round(required(input.duration, 'hold_key', 'duration') * 1000) });
        break;
      }
    }
    return [await this.#screenshot(this.#settleMs)];
  }

  async #screenshot(settleMs: number): Promise<ImagePart> {
    const shot = await this.#desktop.screenshot({
      ...this.#box,
      format: this.#format,
      settleMs,
      maxWaitMs: this.#maxWaitMs,
    });
    return imagePart(shot);
  }

  async #zoom(region: readonly number[] | null | undefined): Promise<ImagePart> {
    if (!this.#enableZoom) throw new ToolError('zoom is not enabled');
    const [x0, y0, x1, y1] = required(region, 'zoom', 'region');
    if (x0 === undefined || y0 === undefined || x1 === undefined || y1 === undefined)
      throw new ToolError('zoom needs region [x0, y0, x1, y1]');
    const mapping = this.mapping();
    const a = toScreen(mapping, Math.min(x0, x1), Math.min(y0, y1));
    const b = toScreen(mapping, Math.max(x0, x1), Math.max(y0, y1));
    const full = await this.#desktop.screenshot({ format: 'png', settleMs: 0, maxWaitMs: this.#maxWaitMs });
    const zoomed = await zoomImage(full.data, {
      left: a.x,
      top: a.y,
      width: Math.max(1, b.x - a.x),
      height: Math.max(1, b.y - a.y),
      ...this.#box,
      format: this.#format,
    });
    return {
      type: 'image',
      source: { type: 'base64', media_type: zoomed.mimeType, data: zoomed.data.toString('base64') },
    };
  }

  #point(coordinate: readonly number[] | null | undefined, action: string, field = 'coordinate') {
    const [x, y] = required(coordinate, action, field);
    if (x === undefined || y === undefined) throw new ToolError(`${action} needs ${field} [x, y]`);
    const mapping = this.mapping();
    if (x < 0 || y < 0 || x >= mapping.width || y >= mapping.height)
      throw new ToolError(`${field} [${x}, ${y}] is outside the ${mapping.width}x${mapping.height} screen`);
    return toScreen(mapping, Math.round(x), Math.round(y));
  }

  #pointOrCursor(coordinate: readonly number[] | null | undefined, action: string) {
    if (coordinate !== null && coordinate !== undefined) return this.#point(coordinate, action);
    const [x, y] = this.#cursorOrThrow();
    return { x, y };
  }

  #cursorOrThrow(): [number, number] {
    if (!this.#cursor) throw new ToolError('the cursor position is not known yet: move the mouse first');
    return [this.#cursor.x, this.#cursor.y];
  }

  #noModifiers(text: string | null | undefined, action: string): void {
    if (text) throw new ToolError(`${action} while holding keys is not supported on this desktop`);
  }
}

function required<T>(value: T | null | undefined, action: string, field: string): T {
  if (value === null || value === undefined) throw new ToolError(`${action} needs "${field}"`);
  return value;
}

function imagePart(shot: Screenshot): ImagePart {
  return {
    type: 'image',
    source: { type: 'base64', media_type: shot.mimeType, data: shot.data.toString('base64') },
  };
}
