import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** Programs the local desktop launcher uses, by role. */
export const DesktopProgram = {
  xvnc: 'Xvnc',
  xvfb: 'Xvfb',
  x11vnc: 'x11vnc',
  fluxbox: 'fluxbox',
  xterm: 'xterm',
  chromium: 'chromium',
} as const;
export type DesktopProgram = keyof typeof DesktopProgram;

/** What this machine can run: the absolute path of each program found, and the server to use. */
export interface DesktopSupport {
  programs: Partial<Record<DesktopProgram, string>>;
  /** `xvnc` (preferred), `xvfb` (Xvfb + x11vnc), or null when neither works here. */
  server: 'xvnc' | 'xvfb' | null;
}

/** The Debian command that installs everything the launcher can use. */
export const DESKTOP_INSTALL_HINT =
  'sudo apt-get install -y tigervnc-standalone-server fluxbox xterm chromium (or: xvfb x11vnc instead of tigervnc-standalone-server)';

/** Chromium's other names on some distributions, tried in order. */
const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome'];

/**
 * Looks the launcher's programs up on `path` (default: this process's PATH), so a caller can say
 * what is missing before trying. Xvnc alone is enough for a server; otherwise both Xvfb and x11vnc.
 */
export async function detectDesktopSupport(options: { path?: string } = {}): Promise<DesktopSupport> {
  const dirs = (options.path ?? process.env.PATH ?? '').split(delimiter).filter((dir) => dir.length > 0);
  const programs: Partial<Record<DesktopProgram, string>> = {};
  await Promise.all(
    (Object.keys(DesktopProgram) as DesktopProgram[]).map(async (role) => {
      const names = role === 'chromium' ? CHROMIUM_NAMES : [DesktopProgram[role]];
      for (const name of names) {
        const found = await findExecutable(name, dirs);
        if (found) {
          programs[role] = found;
          return;
        }
      }
    }),
  );
  const server = programs.xvnc ? 'xvnc' : programs.xvfb && programs.x11vnc ? 'xvfb' : null;
  return { programs, server };
}

async function findExecutable(name: string, dirs: string[]): Promise<string | undefined> {
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
