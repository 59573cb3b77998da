import { z } from 'zod';

/** Actions of Anthropic's computer tool (`computer_20251124`; `zoom` only when enabled). */
export const ComputerAction = z.enum([
  'screenshot',
  'left_click',
  'right_click',
  'middle_click',
  'double_click',
  'triple_click',
  'mouse_move',
  'left_click_drag',
  'left_mouse_down',
  'left_mouse_up',
  'scroll',
  'type',
  'key',
  'hold_key',
  'wait',
  'zoom',
  'cursor_position',
]);
export type ComputerAction = z.infer<typeof ComputerAction>;

/** Actions that only look at the screen; loop detection ignores them. */
export const OBSERVATION_ACTIONS: ReadonlySet<string> = new Set<ComputerAction>([
  'screenshot',
  'wait',
  'zoom',
  'cursor_position',
]);

const Point = z.array(z.number()).length(2).describe('[x, y] in screenshot pixels from the top left');

/**
 * Input of the computer tool: Anthropic's `{action, ...params}`. Parameters a model may send as null
 * (the GA toolset's types allow it) count as absent.
 */
export const ComputerInput = z.object({
  action: ComputerAction,
  coordinate: Point.nullish(),
  start_coordinate: Point.nullish().describe('Start of a left_click_drag'),
  text: z
    .string()
    .nullish()
    .describe('Text to type, key expression (e.g. "ctrl+s"), or keys held while clicking'),
  scroll_direction: z.enum(['up', 'down', 'left', 'right']).nullish(),
  scroll_amount: z.number().int().nonnegative().nullish().describe('Wheel clicks'),
  duration: z.number().nonnegative().nullish().describe('Seconds, for wait and hold_key'),
  region: z.array(z.number()).length(4).nullish().describe('[x0, y0, x1, y1] to zoom into'),
  repeat: z.number().int().positive().nullish().describe('Times to press the key'),
});
export type ComputerInput = z.infer<typeof ComputerInput>;
