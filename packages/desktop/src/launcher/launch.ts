import { chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, silentLogger } from '@figaro/protocol';
import { DesktopError } from '../errors.js';
import { desEncrypt, vncKey } from '../rfb/des.js';
import {
  DESKTOP_INSTALL_HINT,
  type DesktopProgram,
  type DesktopSupport,
  detectDesktopSupport,
} from './detect.js';
import { pickFreePort, startXServer, waitForRfb } from './servers.js';
import { type Spawned, spawnGroup } from './spawned.js';

/** Applications the launcher can open on a new desktop. */
export type DesktopApp = 'chromium' | 'xterm';

/** Options of `launchLocalDesktop`. */
export interface LaunchDesktopOptions {
  /** X display number (`7` or `':7'`); default: the first free one, chosen by the X server. */
  display?: number | string;
  /** `WIDTHxHEIGHT`; default `1280x800`. */
  size?: string;
  /** RFB port; default a free one. */
  vncPort?: number;
  /** VNC password (VNC Authentication; only its first 8 characters count). Default: none (security None). */
  password?: string;
  /** Address VNC listens on; default `127.0.0.1`. Anything else exposes the desktop to the network. */
  bind?: string;
  /** Applications to open; default Chromium and an xterm. Missing ones are skipped with a warning. */
  apps?: DesktopApp[];
  /** Force the server: `xvnc`, or `xvfb` (Xvfb + x11vnc). Default: Xvnc when installed. */
  server?: 'xvnc' | 'xvfb';
  /** Run every process as this user (e.g. `figaro-desktop`); Chromium then keeps its sandbox. */
  runAs?: { uid: number; gid: number };
  /** Where to look for programs; default this process's PATH. */
  path?: string;
  /** Environment base for the desktop's processes (DISPLAY and HOME are set by the launcher). */
  env?: NodeJS.ProcessEnv;
  /** Milliseconds to wait for the VNC server to answer; default 15 000. */
  readyTimeoutMs?: number;
  logger?: Logger;
}

/** A running local desktop. */
export interface LocalDesktop {
  /** `vnc://HOST:PORT` (never with the password). */
  url: string;
  /** `:N`. */
  display: string;
  port: number;
  /** Which server serves it. */
  server: 'xvnc' | 'xvfb';
  /** The desktop's private HOME (fluxbox settings, Chromium profile); removed by `stop()`. */
  home: string;
  /** Process ids of the programs started (each leads its own process group). */
  pids: number[];
  /** Ends every process the launcher started (whole process groups) and removes its files. Idempotent. */
  stop(): Promise<void>;
}

/** Chromium flags that work offline, as root and without a GPU (FIELD-NOTES, "Desktops and browsers"). */
export function chromiumArgs(userDataDir: string, asRoot: boolean): string[] {
  return [
    ...(asRoot ? ['--no-sandbox', '--test-type'] : []),
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--password-store=basic',
    `--user-data-dir=${userDataDir}`,
    'about:blank',
  ];
}

/**
 * Starts a local desktop: TigerVNC's Xvnc (or Xvfb + x11vnc with `-noipv6`), fluxbox without its
 * wallpaper popup (a private HOME whose `~/.fluxbox/overlay` says `background: none`), Chromium and an
 * xterm; resolves once the VNC server answers an RFB handshake. Throws `unavailable` with the
 * apt-get command when no X server is installed. On any failure, everything started is stopped.
 */
export async function launchLocalDesktop(options: LaunchDesktopOptions = {}): Promise<LocalDesktop> {
  const logger = options.logger ?? silentLogger;
  const support = await detectDesktopSupport(options.path !== undefined ? { path: options.path } : {});
  const server = chooseServer(support, options.server);
  const { width, height } = parseSize(options.size ?? '1280x800');
  const bind = options.bind ?? '127.0.0.1';
  const requestedDisplay = parseDisplay(options.display);
  const home = await mkdtemp(join(tmpdir(), 'figaro-desktop-'));
  const started: Spawned[] = [];
  const stopAll = async () => {
    // fluxbox acts on SIGTERM only at its next X event (stopping it first took 3 s): it goes last,
    // after its X server, whose end makes it exit at once.
    const order = started.splice(0).reverse();
    order.sort((a, b) => Number(a.name === 'fluxbox') - Number(b.name === 'fluxbox'));
    for (const proc of order) await proc.stop();
    await rm(home, { recursive: true, force: true });
  };
  try {
    await prepareHome(home, options.password);
    if (options.runAs) await chownTree(home, options.runAs);
    const ids = options.runAs ? { uid: options.runAs.uid, gid: options.runAs.gid } : {};
    const baseEnv = { ...(options.env ?? process.env), HOME: home };
    const port = options.vncPort ?? (await pickFreePort(bind));
    const passwordFile = options.password !== undefined ? join(home, '.vnc', 'passwd') : undefined;
    const programs = support.programs;

    let display: number;
    if (server === 'xvnc') {
      const x = await startXServer('Xvnc', programs.xvnc as string, requestedDisplay, xvncArgs(), {
        env: baseEnv,
        ...ids,
      });
      started.push(x.process);
      display = x.display;
    } else {
      const x = await startXServer('Xvfb', programs.xvfb as string, requestedDisplay, xvfbArgs(), {
        env: baseEnv,
        ...ids,
      });
      started.push(x.process);
      display = x.display;
      const auth = passwordFile ? ['-rfbauth', passwordFile] : ['-nopw'];
      const vnc = spawnGroup(
        'x11vnc',
        programs.x11vnc as string,
        [
          '-display',
          `:${display}`,
          '-rfbport',
          String(port),
          '-listen',
          bind,
          '-noipv6',
          '-forever',
          '-shared',
        ]
          .concat(auth)
          .concat(['-quiet', '-nocmds', '-norc']),
        { env: { ...baseEnv, DISPLAY: `:${display}` }, ...ids },
      );
      started.push(vnc);
    }
    const vncProcess = started[started.length - 1] as Spawned;
    const host = bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind;
    await waitForRfb(
      host,
      port,
      options.readyTimeoutMs ?? 15_000,
      () => vncProcess.child.exitCode === null && vncProcess.child.signalCode === null,
    ).catch((err: unknown) => {
      throw new DesktopError('unavailable', `${errorText(err)}: ${vncProcess.output().trim().slice(-400)}`, {
        cause: err,
      });
    });

    const env = { ...baseEnv, DISPLAY: `:${display}` };
    started.push(
      ...startApps(options.apps ?? ['chromium', 'xterm'], programs, env, home, ids, options, logger),
    );
    logger.info({ display: `:${display}`, port, server }, 'local desktop started');
    let stopped: Promise<void> | undefined;
    return {
      url: `vnc://${host.includes(':') ? `[${host}]` : host}:${port}`,
      display: `:${display}`,
      port,
      server,
      home,
      pids: started.map((proc) => proc.child.pid).filter((pid): pid is number => pid !== undefined),
      stop: () => {
        stopped ??= stopAll();
        return stopped;
      },
    };

    function xvncArgs(): string[] {
      return [
        '-geometry',
        `${width}x${height}`,
        '-depth',
        '24',
        '-rfbport',
        String(port),
        ...(bind === '127.0.0.1' || bind === 'localhost' ? ['-localhost'] : []),
        '-interface',
        bind,
        '-nolisten',
        'tcp',
        '-AlwaysShared',
        ...(passwordFile
          ? ['-SecurityTypes', 'VncAuth', '-PasswordFile', passwordFile]
          : ['-SecurityTypes', 'None']),
      ];
    }
    function xvfbArgs(): string[] {
      return ['-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp'];
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function startApps(
  apps: DesktopApp[],
  programs: DesktopSupport['programs'],
  env: NodeJS.ProcessEnv,
  home: string,
  ids: { uid?: number; gid?: number },
  options: LaunchDesktopOptions,
  logger: Logger,
): Spawned[] {
  const started: Spawned[] = [];
  const start = (role: DesktopProgram, args: string[]) => {
    const command = programs[role];
    if (!command) {
      logger.warn({ program: role }, `${role} is not installed; the desktop starts without it`);
      return;
    }
    started.push(spawnGroup(role, command, args, { env, cwd: home, ...ids }));
  };
  start('fluxbox', []);
  if (apps.includes('xterm')) start('xterm', ['-geometry', '100x30+40+40']);
  if (apps.includes('chromium')) {
    const asRoot = (options.runAs?.uid ?? process.getuid?.()) === 0;
    start('chromium', chromiumArgs(join(home, 'chromium'), asRoot));
  }
  return started;
}

async function prepareHome(home: string, password: string | undefined): Promise<void> {
  await mkdir(join(home, '.fluxbox'), { recursive: true });
  // Without this overlay fluxbox pops up an xmessage about the missing wallpaper setter.
  await writeFile(join(home, '.fluxbox', 'overlay'), 'background: none\n');
  await writeFile(join(home, '.fluxbox', 'init'), 'session.styleOverlay: ~/.fluxbox/overlay\n');
  await mkdir(join(home, 'chromium'), { recursive: true });
  if (password !== undefined) {
    await mkdir(join(home, '.vnc'), { recursive: true, mode: 0o700 });
    await writeFile(join(home, '.vnc', 'passwd'), vncPasswordFile(password), { mode: 0o600 });
  }
}

/** The fixed key VNC servers obfuscate stored passwords with (`vncpasswd -f`, `x11vnc -storepasswd`). */
const VNC_FILE_KEY = Buffer.from([23, 82, 107, 6, 35, 78, 88, 7]);

/** The 8 bytes of a TigerVNC / x11vnc password file for `password` (first 8 bytes, zero-padded). */
export function vncPasswordFile(password: string): Buffer {
  const plain = Buffer.alloc(8);
  Buffer.from(password, 'utf8').copy(plain, 0, 0, 8);
  return desEncrypt(vncKey(VNC_FILE_KEY), plain);
}

async function chownTree(home: string, ids: { uid: number; gid: number }): Promise<void> {
  for (const path of [
    home,
    join(home, '.fluxbox'),
    join(home, '.fluxbox', 'overlay'),
    join(home, '.fluxbox', 'init'),
    join(home, 'chromium'),
  ])
    await chown(path, ids.uid, ids.gid);
  await chown(join(home, '.vnc'), ids.uid, ids.gid).catch(() => {});
  await chown(join(home, '.vnc', 'passwd'), ids.uid, ids.gid).catch(() => {});
}

function chooseServer(support: DesktopSupport, wanted: 'xvnc' | 'xvfb' | undefined): 'xvnc' | 'xvfb' {
  if (wanted === 'xvnc' && !support.programs.xvnc)
    throw new DesktopError('unavailable', `Xvnc is not installed. Install it with: ${DESKTOP_INSTALL_HINT}`);
  if (wanted === 'xvfb' && !(support.programs.xvfb && support.programs.x11vnc))
    throw new DesktopError(
      'unavailable',
      `Xvfb and x11vnc are needed. Install them with: sudo apt-get install -y xvfb x11vnc`,
    );
  const server = wanted ?? support.server;
  if (!server)
    throw new DesktopError(
      'unavailable',
      `No X server for a local desktop: neither Xvnc nor Xvfb + x11vnc is installed. Install one with: ${DESKTOP_INSTALL_HINT}`,
    );
  return server;
}

function parseSize(size: string): { width: number; height: number } {
  const match = /^(\d{2,5})x(\d{2,5})$/.exec(size);
  if (!match) throw new DesktopError('invalid_request', `size must look like 1280x800, not "${size}"`);
  return { width: Number(match[1]), height: Number(match[2]) };
}

function parseDisplay(display: number | string | undefined): number | undefined {
  if (display === undefined) return undefined;
  const n = typeof display === 'number' ? display : Number(display.replace(/^:/, ''));
  if (!Number.isInteger(n) || n < 0) throw new DesktopError('invalid_request', `bad display "${display}"`);
  return n;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
