import type { Bus } from '@figaro/bus';
import { Api } from '@figaro/protocol';
import { z } from 'zod';
import type { ImageSource, ToolResultContent } from '../model/model-client.js';
import { defineTool, type Tool, ToolError, textResult } from '../tools/tool.js';
import { bounded } from './task-tools.js';

/** Which desktop a supervisor tool acts on. */
const Target = {
  worker_id: z.string().optional().describe('The worker whose desktop to use (see list_workers)'),
  desktop_id: z.string().optional().describe('Or a desktop id'),
};

const ScreenshotInput = z.object(Target);
const ClickInput = z.object({
  ...Target,
  x: z.number().int().nonnegative(),
  y: z.number().int().nonnegative(),
  button: z.enum(['left', 'middle', 'right']).optional(),
  double: z.boolean().optional().describe('Double-click'),
});
const TypeInput = z.object({ ...Target, text: z.string().min(1) });
const KeyInput = z.object({
  ...Target,
  keys: z.string().min(1).describe('e.g. "Return", "ctrl+c", "alt+F4"'),
});
const UnlockInput = z.object(Target);
const CommandInput = z.object({
  ...Target,
  command: z.string().min(1),
  timeout_s: z.number().positive().max(600).optional().describe('Seconds before the command is killed'),
});

type TargetInput = { worker_id?: string | undefined; desktop_id?: string | undefined };

/** Options of the supervisor's desktop tools. */
export interface DesktopToolsOptions {
  bus: Bus;
  /** Bounding box of screenshots shown to the model. Default 1280×800. */
  maxWidth?: number;
  maxHeight?: number;
}

/**
 * The supervisor's tools on any desktop of the fleet, through the orchestrator (`figaro.api.vnc`,
 * `.ssh`, `.telnet`; the orchestrator holds the credentials). Screenshots are scaled into a bounding
 * box and shown to the model as images; pointer coordinates refer to the latest screenshot of that
 * desktop (`scaled_from`), or to real screen pixels before the first one. One set per task: it
 * remembers screenshot sizes.
 */
export function desktopTools(options: DesktopToolsOptions): Tool<unknown>[] {
  const { bus } = options;
  const shotSizes = new Map<string, { width: number; height: number }>();
  const vnc = (target: TargetInput) => {
    const { worker_id, desktop_id } = target;
    if (!worker_id && !desktop_id) throw new ToolError('give worker_id or desktop_id');
    return { ...(worker_id ? { worker_id } : {}), ...(desktop_id ? { desktop_id } : {}) };
  };
  const key = (target: TargetInput) =>
    target.desktop_id ? `d:${target.desktop_id}` : `w:${target.worker_id}`;
  const scaled = (target: TargetInput) => {
    const size = shotSizes.get(key(target));
    return size ? { scaled_from: size } : {};
  };

  const takeScreenshot = defineTool({
    name: 'take_screenshot',
    description: "Take a screenshot of a worker's desktop (or any desktop by id).",
    input: ScreenshotInput,
    async run(input): Promise<ToolResultContent[]> {
      const reply = await bus.request(Api.vnc, {
        ...vnc(input),
        action: 'screenshot',
        max_width: options.maxWidth ?? 1280,
        max_height: options.maxHeight ?? 800,
        inline: true,
      });
      if (!('image' in reply)) throw new ToolError('the desktop returned no screenshot');
      if (typeof reply.image !== 'string')
        throw new ToolError('the screenshot came back as a blob reference, which this tool cannot show');
      shotSizes.set(key(input), { width: reply.width, height: reply.height });
      const source: ImageSource = {
        type: 'base64',
        media_type: imageType(reply.mime_type),
        data: reply.image,
      };
      return [
        {
          type: 'text',
          text: `Screenshot ${reply.width}x${reply.height} (screen ${reply.original_width}x${reply.original_height})${reply.settled ? '' : ', screen still changing'}.`,
        },
        { type: 'image', source },
      ];
    },
  });

  const click = defineTool({
    name: 'click',
    description: 'Click at a point of a desktop, in the coordinates of your latest screenshot of it.',
    input: ClickInput,
    async run(input) {
      await bus.request(Api.vnc, {
        ...vnc(input),
        action: input.double ? 'double_click' : 'click',
        x: input.x,
        y: input.y,
        ...(input.button ? { button: input.button } : {}),
        ...scaled(input),
      });
      return textResult('clicked; take a screenshot to see the effect');
    },
  });

  const typeText = defineTool({
    name: 'type_text',
    description: 'Type text on a desktop (into whatever has the keyboard focus).',
    input: TypeInput,
    async run(input) {
      await bus.request(Api.vnc, { ...vnc(input), action: 'type', text: input.text });
      return textResult('typed');
    },
  });

  const pressKey = defineTool({
    name: 'press_key',
    description: 'Press a key or key combination on a desktop.',
    input: KeyInput,
    async run(input) {
      await bus.request(Api.vnc, { ...vnc(input), action: 'key', keys: input.keys });
      return textResult('pressed');
    },
  });

  const unlock = defineTool({
    name: 'unlock_screen',
    description: "Unlock a desktop's lock screen with its stored password.",
    input: UnlockInput,
    async run(input) {
      await bus.request(Api.vnc, { ...vnc(input), action: 'unlock' });
      return textResult('unlock attempted; take a screenshot to check');
    },
  });

  const ssh = defineTool({
    name: 'ssh_run_command',
    description: 'Run a shell command on a desktop over SSH (desktops with an ssh:// endpoint).',
    input: CommandInput,
    async run(input) {
      const timeout = input.timeout_s ?? 30;
      const reply = await bus.request(
        Api.ssh,
        { ...vnc(input), action: 'run_command', command: input.command, timeout },
        { timeoutMs: (timeout + 5) * 1000 },
      );
      const status = reply.exit_code === null ? 'killed (timeout)' : `exit status ${reply.exit_code}`;
      return textResult(bounded(`${status}\nstdout:\n${reply.stdout}\nstderr:\n${reply.stderr}`));
    },
  });

  const telnet = defineTool({
    name: 'telnet_run_command',
    description: 'Run a command on a desktop over telnet (desktops with a telnet:// endpoint).',
    input: CommandInput,
    async run(input) {
      const timeout = input.timeout_s ?? 10;
      const reply = await bus.request(
        Api.telnet,
        { ...vnc(input), action: 'run_command', command: input.command, timeout },
        { timeoutMs: (timeout + 5) * 1000 },
      );
      const status =
        reply.exit_code === undefined || reply.exit_code === null ? '' : `exit status ${reply.exit_code}\n`;
      return textResult(bounded(`${status}${reply.output}`));
    },
  });

  return [takeScreenshot, click, typeText, pressKey, unlock, ssh, telnet];
}

function imageType(mime: string): 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp' {
  if (mime === 'image/png' || mime === 'image/jpeg' || mime === 'image/gif' || mime === 'image/webp')
    return mime;
  throw new ToolError(`unsupported screenshot type ${mime}`);
}
