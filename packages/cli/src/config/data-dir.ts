import { chmod, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeSecretFile } from '@figaro/orchestrator';

/** Name of the file in the data folder where a running server records the URL it listens on. */
const URL_FILE = 'url';

/** Creates the data folder if needed and makes it readable by its owner only (0700), also when it existed. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/** Writes a file readable by its owner only (0600), never through a symbolic link planted in its place. */
export const writePrivateFile = (path: string, text: string): Promise<void> => writeSecretFile(path, text);

/**
 * Records the URL a server listens on in `<dataDir>/url` (first line the URL, then `pid=N`), so that
 * client commands pointed at the same data folder find it. The file is replaced atomically. Returns a
 * function that removes it again, only while it still names this process; a file left behind by a
 * process that died is ignored by `readRecordedUrl` because its pid is gone.
 */
export async function recordServerUrl(dataDir: string, url: string): Promise<() => Promise<void>> {
  await ensurePrivateDir(dataDir);
  const file = join(dataDir, URL_FILE);
  const text = `${url}\npid=${process.pid}\n`;
  const temporary = `${file}.${process.pid}.tmp`;
  await writePrivateFile(temporary, text);
  await rename(temporary, file);
  return async () => {
    const current = await readFile(file, 'utf8').catch(() => null);
    if (current === text) await rm(file, { force: true });
  };
}

/**
 * The URL recorded in `<dataDir>/url` by a server that is still running, or undefined when there is
 * none, it cannot be read, it is malformed, or the process that wrote it is gone.
 */
export async function readRecordedUrl(
  dataDir: string,
  isUrl: (text: string) => boolean,
): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(join(dataDir, URL_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const [url = '', ...rest] = text.split('\n').map((line) => line.trim());
  if (!isUrl(url)) return undefined;
  const pidLine = rest.find((line) => line.startsWith('pid='));
  const pid = pidLine === undefined ? Number.NaN : Number(pidLine.slice('pid='.length));
  if (!Number.isInteger(pid) || pid <= 0 || !isRunning(pid)) return undefined;
  return url;
}

/** Whether a process with this id exists (one of another user counts). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
