import type { VncRequest } from '@figaro/protocol';
import type { Desktop, MouseButton } from './desktop.js';
import { DesktopError } from './errors.js';
import { type ScaleMapping, toScreen } from './scaling.js';

/** The size of the image a caller's coordinates refer to (a screenshot it received, scaled). */
export interface CoordinateSpace {
  width: number;
  height: number;
}

/**
 * A `figaro.api.vnc` request without its routing fields. `scaled_from` is not in the protocol schema
 * yet; when present, coordinates are in that image's pixels and are mapped back to the real screen.
 */
export type VncActionRequest = Omit<VncRequest, 'worker_id' | 'desktop_id' | 'inline'> & {
  scaled_from?: CoordinateSpace;
};

/** The screenshot reply of `figaro.api.vnc`, with the image as bytes (the caller stores or inlines it). */
export interface VncScreenshotResult {
  data: Buffer;
  mime_type: 'image/png' | 'image/jpeg';
  original_width: number;
  original_height: number;
  width: number;
  height: number;
  settled: boolean;
}

/** What `runVncAction` returns: a screenshot, or `{ok: true}` for every other action. */
export type VncActionResult = VncScreenshotResult | { ok: true };

/** Options of `runVncAction`. */
export interface VncActionOptions {
  /** Coordinate space of the request; overrides `request.scaled_from`. */
  scaledFrom?: CoordinateSpace;
  /**
   * Password `unlock` types when the request carries none: the desktop's stored credential, resolved
   * by the orchestrator. Never echoed in errors or results.
   */
  unlockPassword?: string;
}

/**
 * Runs one `figaro.api.vnc` action on a desktop and returns the reply body. Screenshot: `max_width`,
 * `max_height` and `format` (default PNG). Pointer actions take `x`/`y` (and `path` for drag) in real
 * screen pixels, or in `scaled_from` image pixels, mapped with `toScreen`. `unlock` clicks the centre
 * of the screen, types the password and presses Return. Missing parameters raise `invalid_request`.
 */
export async function runVncAction(
  desktop: Desktop,
  request: VncActionRequest,
  options: VncActionOptions = {},
): Promise<VncActionResult> {
  const space = options.scaledFrom ?? request.scaled_from;
  const point = (x: number, y: number) => toScreenPoint(desktop, space, x, y);
  const at = () => point(required(request.x, 'x', request.action), required(request.y, 'y', request.action));

  switch (request.action) {
    case 'screenshot': {
      const shot = await desktop.screenshot({
        ...(request.max_width !== undefined ? { maxWidth: request.max_width } : {}),
        ...(request.max_height !== undefined ? { maxHeight: request.max_height } : {}),
        ...(request.format !== undefined ? { format: request.format } : {}),
      });
      return {
        data: shot.data,
        mime_type: shot.mimeType,
        original_width: shot.originalWidth,
        original_height: shot.originalHeight,
        width: shot.width,
        height: shot.height,
        settled: shot.settled,
      };
    }
    case 'type':
      await desktop.type(required(request.text, 'text', 'type'));
      return ok;
    case 'key':
      await desktop.key(required(request.keys, 'keys', 'key'), {
        ...(request.hold_ms !== undefined ? { holdMs: request.hold_ms } : {}),
      });
      return ok;
    case 'click':
    case 'double_click': {
      const { x, y } = at();
      const button: MouseButton = request.button ?? 'left';
      await desktop.click(x, y, { button, count: request.action === 'double_click' ? 2 : 1 });
      return ok;
    }
    case 'move': {
      const { x, y } = at();
      await desktop.move(x, y);
      return ok;
    }
    case 'scroll': {
      const { x, y } = at();
      const dx = request.dx ?? 0;
      const dy = request.dy ?? 0;
      if (dx === 0 && dy === 0) throw new DesktopError('invalid_request', 'scroll needs dx or dy');
      await desktop.scroll(x, y, dx, dy);
      return ok;
    }
    case 'drag': {
      const path = required(request.path, 'path', 'drag');
      if (path.length < 2)
        throw new DesktopError('invalid_request', 'drag needs a path of at least two points');
      await desktop.drag(
        path.map(([x, y]) => {
          const mapped = point(x, y);
          return [mapped.x, mapped.y];
        }),
      );
      return ok;
    }
    case 'unlock': {
      const password = request.password ?? options.unlockPassword;
      if (password === undefined)
        throw new DesktopError(
          'invalid_request',
          'unlock needs a password and none is stored for this desktop',
        );
      const { width, height } = desktop.size();
      await desktop.click(Math.floor(width / 2), Math.floor(height / 2));
      await desktop.type(password);
      await desktop.key('Return');
      return ok;
    }
    default:
      return unknownAction(request.action);
  }
}

const ok = { ok: true } as const;

function unknownAction(action: never): never {
  throw new DesktopError('invalid_request', `unknown VNC action "${String(action)}"`);
}

function required<T>(value: T | undefined, field: string, action: string): T {
  if (value === undefined) throw new DesktopError('invalid_request', `${action} needs "${field}"`);
  return value;
}

function toScreenPoint(
  desktop: Desktop,
  space: CoordinateSpace | undefined,
  x: number,
  y: number,
): { x: number; y: number } {
  const screen = desktop.size();
  if (!space || (space.width === screen.width && space.height === screen.height)) return { x, y };
  if (!(space.width > 0 && space.height > 0))
    throw new DesktopError('invalid_request', 'scaled_from needs a positive width and height');
  const mapping: ScaleMapping = {
    width: space.width,
    height: space.height,
    originalWidth: screen.width,
    originalHeight: screen.height,
  };
  return toScreen(mapping, x, y);
}
