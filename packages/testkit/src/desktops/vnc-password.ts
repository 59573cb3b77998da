import { execFile } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Writes a TigerVNC password file (the obfuscated 8 bytes made by `vncpasswd -f`). */
export async function writeTigerVncPasswordFile(password: string, file: string): Promise<void> {
  const obfuscated = await new Promise<Buffer>((resolve, reject) => {
    const child = execFile('vncpasswd', ['-f'], { encoding: 'buffer' }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
    child.stdin?.end(`${password}\n`);
  });
  await writeFile(file, obfuscated, { mode: 0o600 });
}

/** Writes an x11vnc password file with `x11vnc -storepasswd`. */
export async function writeX11vncPasswordFile(password: string, file: string): Promise<void> {
  await run('x11vnc', ['-storepasswd', password, file]);
  await chmod(file, 0o600);
}
