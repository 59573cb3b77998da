import { parseArgs } from 'node:util';
import { DESKTOP_INSTALL_HINT, detectDesktopSupport, launchLocalDesktop } from '@figaro/desktop';
import { ExitCode } from '../exit-code.js';
import { intArg } from './endpoint-secret.js';
import type { Command } from './io.js';
import { UsageError } from './io.js';
import { readSecret } from './read-secret.js';
import { reportDesktopError } from './vnc.js';

/** `figaro desktop start`: a local desktop (Xvnc, or Xvfb + x11vnc) until Ctrl-C. */
export const desktopStart: Command = {
  usage: `Usage: figaro desktop start [--display :N] [--size 1280x800] [--vnc-port P] [--bind 127.0.0.1] [--password-stdin]

Starts a local desktop — TigerVNC's Xvnc (or Xvfb + x11vnc), fluxbox, Chromium and an xterm — prints
its vnc:// URL, and stops everything it started on Ctrl-C or SIGTERM. VNC listens on 127.0.0.1 unless
--bind says otherwise; with --password-stdin it asks for a VNC password.`,
  async run(argv, ctx) {
    const { values } = parseArgs({
      args: argv,
      options: {
        display: { type: 'string' },
        size: { type: 'string' },
        'vnc-port': { type: 'string' },
        bind: { type: 'string' },
        'password-stdin': { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.size !== undefined && !/^\d+x\d+$/.test(values.size))
      throw new UsageError('--size must look like 1280x800');
    if (values.display !== undefined && !/^:\d+$/.test(values.display))
      throw new UsageError('--display must look like :7');
    if ((await detectDesktopSupport()).server === null) {
      ctx.io.err(`figaro: no X server for local desktops is installed.\n${DESKTOP_INSTALL_HINT}\n`);
      return ExitCode.failure;
    }
    const password = values['password-stdin']
      ? await readSecret(ctx.io.stdin, (t) => ctx.io.err(t), 'VNC password')
      : undefined;
    let desktop: Awaited<ReturnType<typeof launchLocalDesktop>>;
    try {
      desktop = await launchLocalDesktop({
        ...(values.display ? { display: values.display } : {}),
        ...(values.size ? { size: values.size } : {}),
        ...(values['vnc-port'] ? { vncPort: intArg(values['vnc-port'], '--vnc-port') } : {}),
        ...(values.bind ? { bind: values.bind } : {}),
        ...(password !== undefined ? { password } : {}),
      });
    } catch (err) {
      return reportDesktopError(err, ctx, 'desktop start');
    }
    ctx.io.out(`Desktop ${desktop.display} is running: ${desktop.url} (Ctrl-C stops it)\n`);
    await new Promise<void>((resolve) => {
      const keepAlive = setInterval(() => {}, 1 << 30);
      const finish = () => {
        clearInterval(keepAlive);
        stopListening();
        process.off('SIGTERM', finish);
        resolve();
      };
      const stopListening = ctx.io.onInterrupt(finish);
      process.once('SIGTERM', finish);
    });
    await desktop.stop();
    ctx.io.out('Desktop stopped.\n');
    return ExitCode.ok;
  },
};
