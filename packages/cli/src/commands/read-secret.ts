import { UsageError } from './io.js';

/** Longest secret accepted on standard input, in bytes (the server's limit is lower). */
const MAX_SECRET_BYTES = 64 * 1024;

/** The user pressed Ctrl-C at a hidden prompt. */
export class SecretPromptInterrupted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'SecretPromptInterrupted';
  }
}

/**
 * Reads a secret from standard input, never from argv. Piped input is read to its end, minus one
 * trailing newline (`printf '%s\n' "$PW" | figaro … --password-stdin`); on a terminal the user types
 * it at a prompt on standard error with echo off. An empty secret is a `UsageError`.
 */
export async function readSecret(
  stdin: NodeJS.ReadStream,
  prompt: (text: string) => void,
  what: string,
): Promise<string> {
  const secret = stdin.isTTY ? await readHidden(stdin, prompt, what) : await readPiped(stdin, what);
  if (secret === '') throw new UsageError(`--password-stdin: no ${what} on standard input`);
  return secret;
}

async function readPiped(stdin: NodeJS.ReadStream, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_SECRET_BYTES) throw new UsageError(`--password-stdin: the ${what} is too long`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function readHidden(stdin: NodeJS.ReadStream, prompt: (text: string) => void, what: string): Promise<string> {
  prompt(`${what[0]?.toUpperCase() ?? ''}${what.slice(1)} (not shown): `);
  return new Promise<string>((resolve, reject) => {
    let typed = '';
    const finish = (error?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      prompt('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n' || char === '\u0004') return finish();
        if (char === '\u0003') return finish(new SecretPromptInterrupted());
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}
