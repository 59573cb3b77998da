import { writeFile } from 'node:fs/promises';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { runVncAction, type VncActionRequest, VncDesktop } from '@figaro/desktop';
import { FigaroError } from '@figaro/protocol';
import { ExitCode } from '../exit-code.js';
import { positionals } from './args.js';
import { endpointSecret, intArg } from './endpoint-secret.js';
import type { Command, CommandContext } from './io.js';
import { UsageError } from './io.js';

const PASSWORD_ENV = 'FIGARO_VNC_PASSWORD';
const common = `The password comes from --password-stdin or ${PASSWORD_ENV}, never from the URL.`;

/** Connects, runs one action, closes; errors of the desktop become one line and exit 1. */
async function withDesktop(
  url: string,
  passwordStdin: boolean | undefined,
  ctx: CommandContext,
  request: VncActionRequest,
): Promise<Awaited<ReturnType<typeof runVncAction>>> {
  const password = await endpointSecret(url, passwordStdin, PASSWORD_ENV, ctx);
  const desktop = await VncDesktop.connect({ url, ...(password !== undefined ? { password } : {}) });
  try {
    return await runVncAction(desktop, request);
  } finally {
    await desktop.close();
  }
}

function action(
  name: string,
  usage: string,
  names: string[],
  options: NonNullable<ParseArgsConfig['options']>,
  build: (args: string[], values: Record<string, string | boolean | undefined>) => VncActionRequest,
): Command {
  return {
    usage: `${usage}\n\n${common}`,
    async run(argv, ctx) {
      const parsed = parseArgs({
        args: argv,
        options: { 'password-stdin': { type: 'boolean' }, ...options },
        strict: true,
        allowPositionals: true,
      });
      const [url = '', ...rest] = positionals(parsed.positionals, ['URL', ...names]);
      const values = parsed.values as Record<string, string | boolean | undefined>;
      try {
        await withDesktop(url, values['password-stdin'] === true, ctx, build(rest, values));
      } catch (err) {
        return reportDesktopError(err, ctx, name);
      }
      return ExitCode.ok;
    },
  };
}

/** Desktop errors (unauthorized, unavailable, …) as one line; exit 1. */
export function reportDesktopError(err: unknown, { io }: CommandContext, what: string): number {
  if (err instanceof FigaroError && !(err instanceof UsageError)) {
    io.err(`figaro: ${what}: ${err.message} (${err.code})\n`);
    return ExitCode.failure;
  }
  throw err;
}

const screenshot: Command = {
  usage: `Usage: figaro vnc screenshot URL -o FILE [--width W] [--jpeg] [--password-stdin]

Saves a screenshot of a VNC desktop (PNG, or JPEG with --jpeg), scaled to at most W pixels wide.
${common}`,
  async run(argv, ctx) {
    const { values, positionals: args } = parseArgs({
      args: argv,
      options: {
        output: { type: 'string', short: 'o' },
        width: { type: 'string' },
        jpeg: { type: 'boolean' },
        'password-stdin': { type: 'boolean' },
      },
      strict: true,
      allowPositionals: true,
    });
    const [url = ''] = positionals(args, ['URL']);
    if (!values.output) throw new UsageError('-o FILE is required');
    const request: VncActionRequest = {
      action: 'screenshot',
      format: values.jpeg ? 'jpeg' : 'png',
      ...(values.width !== undefined ? { max_width: intArg(values.width, '--width') } : {}),
    };
    try {
      const shot = await withDesktop(url, values['password-stdin'], ctx, request);
      if (!('data' in shot)) throw new Error('no image');
      await writeFile(values.output, shot.data);
      ctx.io.out(
        `${values.output}: ${shot.width}×${shot.height}` +
          (shot.width !== shot.original_width
            ? ` (screen ${shot.original_width}×${shot.original_height})`
            : '') +
          '\n',
      );
      return ExitCode.ok;
    } catch (err) {
      return reportDesktopError(err, ctx, 'vnc screenshot');
    }
  },
};

/** `figaro vnc …`: drive a VNC desktop directly, without an orchestrator. */
export const vncCommands: Readonly<Record<string, Command>> = {
  screenshot,
  click: action(
    'vnc click',
    'Usage: figaro vnc click URL X Y [--button left|middle|right] [--double] [--password-stdin]',
    ['X', 'Y'],
    { button: { type: 'string' }, double: { type: 'boolean' } },
    ([x, y], values) => {
      const button = values.button ?? 'left';
      if (button !== 'left' && button !== 'middle' && button !== 'right') {
        throw new UsageError('--button must be left, middle or right');
      }
      return {
        action: values.double ? 'double_click' : 'click',
        x: intArg(x, 'X'),
        y: intArg(y, 'Y'),
        button,
      };
    },
  ),
  move: action('vnc move', 'Usage: figaro vnc move URL X Y [--password-stdin]', ['X', 'Y'], {}, ([x, y]) => ({
    action: 'move',
    x: intArg(x, 'X'),
    y: intArg(y, 'Y'),
  })),
  type: action('vnc type', 'Usage: figaro vnc type URL TEXT [--password-stdin]', ['TEXT'], {}, ([text]) => ({
    action: 'type',
    text: text ?? '',
  })),
  key: action(
    'vnc key',
    'Usage: figaro vnc key URL KEYS [--hold MS] [--password-stdin]\n\nKEYS like "ctrl+c", "Return", "super", "shift+Tab".',
    ['KEYS'],
    { hold: { type: 'string' } },
    ([keys], values) => ({
      action: 'key',
      keys: keys ?? '',
      ...(typeof values.hold === 'string' ? { hold_ms: intArg(values.hold, '--hold') } : {}),
    }),
  ),
  scroll: action(
    'vnc scroll',
    'Usage: figaro vnc scroll URL X Y DX DY [--password-stdin]\n\nDY > 0 scrolls down, DX > 0 right (in wheel steps).',
    ['X', 'Y', 'DX', 'DY'],
    {},
    ([x, y, dx, dy]) => ({
      action: 'scroll',
      x: intArg(x, 'X'),
      y: intArg(y, 'Y'),
      dx: intArg(dx, 'DX'),
      dy: intArg(dy, 'DY'),
    }),
  ),
  drag: action(
    'vnc drag',
    'Usage: figaro vnc drag URL X1 Y1 X2 Y2 [--password-stdin]',
    ['X1', 'Y1', 'X2', 'Y2'],
    {},
    ([x1, y1, x2, y2]) => ({
      action: 'drag',
      path: [
        [intArg(x1, 'X1'), intArg(y1, 'Y1')],
        [intArg(x2, 'X2'), intArg(y2, 'Y2')],
      ],
    }),
  ),
};
