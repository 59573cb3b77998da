import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ComputerTool, type ToolResultContent } from '../src/index.js';
import { FakeDesktop } from '../src/testing.js';

const ctx = { signal: new AbortController().signal, toolUseId: 'toolu_1', progress: () => {} };

async function imageSize(content: ToolResultContent[]) {
  const image = content[0];
  if (image?.type !== 'image' || image.source.type !== 'base64') throw new Error('no image');
  const meta = await sharp(Buffer.from(image.source.data, 'base64')).metadata();
  return { width: meta.width, height: meta.height };
}

describe('ComputerTool', () => {
  // A 1920×1200 screen in a 1280×800 box: factor 1.5 both ways.
  const setup = () => {
    const desktop = new FakeDesktop({ width: 1920, height: 1200 });
    return { desktop, tool: new ComputerTool({ desktop, settleMs: 300 }) };
  };

  it('declares the scaled display size and returns scaled screenshots', async () => {
    const { desktop, tool } = setup();
    expect(tool.spec()).toMatchObject({
      kind: 'computer',
      name: 'computer',
      displayWidth: 1280,
      displayHeight: 800,
    });
    expect(await imageSize(await tool.run({ action: 'screenshot' }, ctx))).toEqual({
      width: 1280,
      height: 800,
    });
    expect(desktop.screenshotRequests[0]).toMatchObject({ maxWidth: 1280, maxHeight: 800, settleMs: 0 });
  });

  it('maps model coordinates to screen pixels and the cursor back', async () => {
    const { desktop, tool } = setup();
    const after = await tool.run({ action: 'left_click', coordinate: [640, 400] }, ctx);
    await tool.run({ action: 'double_click', coordinate: [1279, 799] }, ctx);
    await tool.run({ action: 'left_click_drag', start_coordinate: [0, 0], coordinate: [100, 50] }, ctx);
    await tool.run({ action: 'scroll', coordinate: [10, 10], scroll_direction: 'up', scroll_amount: 2 }, ctx);
    expect(desktop.actions).toEqual([
      { type: 'click', x: 960, y: 600, button: 'left', count: 1 },
      { type: 'click', x: 1919, y: 1199, button: 'left', count: 2 },
      {
        type: 'drag',
        path: [
          [0, 0],
          [150, 75],
        ],
      },
      { type: 'scroll', x: 15, y: 15, dx: 0, dy: -2 },
    ]);
    expect(await imageSize(after)).toEqual({ width: 1280, height: 800 });
    // The screenshot after an action waits for the screen to settle (default 300 ms).
    expect(desktop.screenshotRequests[0]).toMatchObject({ settleMs: 300 });
    expect(await tool.run({ action: 'cursor_position' }, ctx)).toEqual([{ type: 'text', text: 'X=10,Y=10' }]);
  });

  it('rejects coordinates outside the model screen', async () => {
    const { tool } = setup();
    await expect(tool.run({ action: 'left_click', coordinate: [1280, 10] }, ctx)).rejects.toThrow(
      /outside the 1280x800/,
    );
  });

  it('emulates left_mouse_down / mouse_move / left_mouse_up with one drag', async () => {
    const { desktop, tool } = setup();
    await tool.run({ action: 'mouse_move', coordinate: [10, 20] }, ctx);
    await tool.run({ action: 'left_mouse_down' }, ctx);
    await tool.run({ action: 'mouse_move', coordinate: [20, 20] }, ctx);
    await tool.run({ action: 'left_mouse_up', coordinate: [40, 40] }, ctx);
    expect(desktop.actions).toEqual([
      { type: 'move', x: 15, y: 30 },
      {
        type: 'drag',
        path: [
          [15, 30],
          [30, 30],
          [60, 60],
        ],
      },
    ]);
  });

  it('types, presses keys with repeat and holds keys', async () => {
    const { desktop, tool } = setup();
    await tool.run({ action: 'type', text: 'echo hi' }, ctx);
    await tool.run({ action: 'key', text: 'Return', repeat: 2 }, ctx);
    await tool.run({ action: 'hold_key', text: 'shift', duration: 0.5 }, ctx);
    expect(desktop.actions).toEqual([
      { type: 'type', text: 'echo hi' },
      { type: 'key', keys: 'Return', holdMs: 0 },
      { type: 'key', keys: 'Return', holdMs: 0 },
      { type: 'key', keys: 'shift', holdMs: 500 },
    ]);
  });

  it('zooms: crops the full-size screen region and scales it into the box', async () => {
    const { desktop, tool } = setup();
    const zoomed = await tool.run({ action: 'zoom', region: [0, 0, 320, 200] }, ctx);
    expect(await imageSize(zoomed)).toEqual({ width: 1280, height: 800 });
    expect(desktop.screenshotRequests.at(-1)).not.toHaveProperty('maxWidth');
  });
});
