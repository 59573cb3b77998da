import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { DesktopError } from './errors.js';
import { TelnetNegotiator, telnetEncode } from './telnet/negotiation.js';

/** Options of `runTelnetCommand`. */
export interface TelnetCommandOptions {
  host: string;
  /** Default 23. */
  port?: number;
  /** Sent at the login prompt; needed when the server asks for one. */
  username?: string;
  /** Sent at the password prompt; never appears in errors or results. */
  password?: string;
  command: string;
  /** Milliseconds the command may run once sent; default 10 000. */
  timeoutMs?: number;
  /** Milliseconds for connecting, logging in and preparing the shell; default 10 000. */
  connectTimeoutMs?: number;
  /**
   * The shell prompt, for servers that are not POSIX shells (routers, Windows); it must match at the end
   * of the output, and the line it ends is dropped from the output. Without it the runner
   * sets its own prompt (`PS1`), turns echo and line editing off, and reads the exit status from it.
   */
  promptPattern?: RegExp;
  /** Bytes of output kept; default 1 MiB. */
  maxOutputBytes?: number;
}

/** What `figaro.api.telnet` replies (`exit_code` only when the runner set the prompt itself). */
export interface TelnetCommandResult {
  /** What the command printed, without the echoed command line and the prompt; newlines as `\n`. */
  output: string;
  /** The command's exit status, or null when unknown (custom `promptPattern`). */
  exit_code: number | null;
}

/** Where a `telnet://` desktop is and who logs in. */
export interface TelnetEndpoint {
  host: string;
  port: number;
  username?: string;
  password?: string;
}

/** Parses `telnet://[user[:password]@]host[:port]` (port default 23). */
export function parseTelnetUrl(url: string): TelnetEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new DesktopError('invalid_request', 'invalid telnet URL', { cause: err });
  }
  if (parsed.protocol !== 'telnet:')
    throw new DesktopError('invalid_request', `not a telnet:// URL (${parsed.protocol})`);
  if (!parsed.hostname) throw new DesktopError('invalid_request', 'telnet URL has no host');
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : 23,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
  };
}

const LOGIN_PROMPT = /(?:login|user ?name):\s*$/i;
const PASSWORD_PROMPT = /password:\s*$/i;
const LOGIN_FAILED = /login incorrect|authentication fail|access denied|invalid (?:password|login)/i;
const ANY_PROMPT = /[$#>%]\s*$/;

/**
 * Opens a telnet session, logs in at the `login:`/`Password:` prompts, runs one command and closes.
 * Errors are `DesktopError`s: `unauthorized` (login refused, or credentials missing when asked),
 * `unavailable` (unreachable, closed by the server), `timeout` (naming the step that took too long).
 */
export async function runTelnetCommand(options: TelnetCommandOptions): Promise<TelnetCommandResult> {
  const port = options.port ?? 23;
  const where = `${options.host}:${port}`;
  const loginDeadline = Date.now() + (options.connectTimeoutMs ?? 10_000);
  const session = await TelnetSession.open(
    options.host,
    port,
    loginDeadline,
    options.maxOutputBytes ?? 1 << 20,
  );
  try {
    await logIn(session, options, where, loginDeadline);
    let prompt = options.promptPattern;
    const marker = `FIGARO_PS_${randomBytes(4).toString('hex')}`;
    if (!prompt) {
      // The quotes keep the echo of this line from matching the prompt it sets.
      const split = `${marker.slice(0, 6)}''${marker.slice(6)}`;
      session.mark();
      session.send(`PS1='${split}:$?> '; PS2=''; stty -echo 2>/dev/null; set +o emacs +o vi 2>/dev/null\n`);
      prompt = new RegExp(`${marker}:(\\d+)> $`);
      await session.waitFor([prompt], loginDeadline, 'the shell prompt');
    }
    session.mark();
    session.send(`${options.command}\n`);
    const commandDeadline = Date.now() + (options.timeoutMs ?? 10_000);
    // A command that ends the shell (`exit`) closes the session: its output is all there is.
    const finished = await session.waitFor([prompt], commandDeadline, 'the command to finish', true);
    const text = session.sinceMark();
    if (finished === -1)
      return { output: options.promptPattern ? stripEcho(text, options.command) : text, exit_code: null };
    const match = prompt.exec(text);
    let output = match ? text.slice(0, match.index) : text;
    if (options.promptPattern) {
      // A foreign prompt may match only its end (`$ `): the whole last line is the prompt. And with
      // echo on, the command line comes back first (our own prompt mode turns echo off).
      output = stripEcho(output.slice(0, output.lastIndexOf('\n') + 1), options.command);
    }
    const status = options.promptPattern ? undefined : match?.[1];
    return { output, exit_code: status === undefined ? null : Number(status) };
  } finally {
    session.close();
  }
}

async function logIn(session: TelnetSession, options: TelnetCommandOptions, where: string, deadline: number) {
  const ready = options.promptPattern ?? ANY_PROMPT;
  let sentUser = false;
  let sentPassword = false;
  for (;;) {
    const which = await session.waitFor(
      [LOGIN_FAILED, PASSWORD_PROMPT, LOGIN_PROMPT, ready],
      deadline,
      sentPassword ? 'the shell after login' : 'the login prompt',
    );
    if (which === 0) throw new DesktopError('unauthorized', `telnet login to ${where} was refused`);
    if (which === 1) {
      if (sentPassword) throw new DesktopError('unauthorized', `telnet login to ${where} was refused`);
      if (options.password === undefined)
        throw new DesktopError(
          'unauthorized',
          `telnet server ${where} asks for a password and none was given`,
        );
      session.mark();
      session.send(`${options.password}\n`);
      sentPassword = true;
    } else if (which === 2) {
      if (sentUser) throw new DesktopError('unauthorized', `telnet login to ${where} was refused`);
      if (options.username === undefined)
        throw new DesktopError(
          'unauthorized',
          `telnet server ${where} asks for a login name and none was given`,
        );
      session.mark();
      session.send(`${options.username}\n`);
      sentUser = true;
    } else {
      return;
    }
  }
}

/** Removes an echoed command line from the start of the output, if it is there. */
function stripEcho(text: string, command: string): string {
  const want = command.replace(/\s+/g, '');
  let matched = 0;
  let i = 0;
  for (; i < text.length && matched < want.length; i++) {
    const char = text[i] as string;
    if (/\s/.test(char)) continue;
    if (char !== want[matched]) return text;
    matched++;
  }
  if (matched < want.length) return text;
  const newline = text.indexOf('\n', i);
  return newline === -1 ? '' : text.slice(newline + 1);
}

// Terminal control sequences are exactly what these patterns strip.
// biome-ignore lint/suspicious/noControlCharactersInRegex: see above
const CSI = /\x1b\[[0-?]*[ -/]*[@-~]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: see above
const OSC = /\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: see above
const ESC = /\x1b[@-Z\\-_]/g;
const NEWLINE = /\r\n|\r\0/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: see above
const STRAY = /[\r\0\x07]/g;

/** Colours, bracketed-paste toggles and titles removed; CR LF and CR NUL as `\n`; stray CRs dropped. */
function cleanTerminalText(chunk: string): string {
  return chunk.replace(CSI, '').replace(OSC, '').replace(ESC, '').replace(NEWLINE, '\n').replace(STRAY, '');
}

/** A telnet connection as text: negotiation answered, ANSI sequences stripped, newlines normalised. */
class TelnetSession {
  readonly negotiator = new TelnetNegotiator();
  /** Keeps a UTF-8 character split across two packets whole. */
  private readonly decoder = new StringDecoder('utf8');
  private text = '';
  private markAt = 0;
  private ended: Error | undefined;
  private wake: (() => void) | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly where: string,
    private readonly maxBytes: number,
  ) {
    socket.on('data', (chunk: Buffer) => {
      const { data, reply } = this.negotiator.feed(chunk);
      if (reply.length > 0) socket.write(reply);
      this.append(this.decoder.write(data));
    });
    socket.on('error', (err) => {
      this.ended ??= err;
    });
    socket.on('close', () => {
      this.ended ??= new Error('closed by the server');
      this.wake?.();
    });
  }

  static open(host: string, port: number, deadline: number, maxBytes: number): Promise<TelnetSession> {
    const where = `${host}:${port}`;
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true });
      const timer = setTimeout(
        () => {
          socket.destroy();
          reject(new DesktopError('timeout', `connecting to telnet server ${where} timed out`));
        },
        Math.max(0, deadline - Date.now()),
      );
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        const session = new TelnetSession(socket, where, maxBytes);
        socket.write(session.negotiator.start());
        resolve(session);
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(
          new DesktopError('unavailable', `cannot reach telnet server ${where}: ${err.message}`, {
            cause: err,
          }),
        );
      });
    });
  }

  send(text: string): void {
    this.socket.write(telnetEncode(text, this.negotiator.clientBinary));
  }

  /** Starts a new region of output: `waitFor` and `sinceMark` look only at text after this point. */
  mark(): void {
    this.markAt = this.text.length;
  }

  sinceMark(): string {
    return this.text.slice(this.markAt);
  }

  /**
   * Resolves with the index of the first pattern that matches the text since the mark, or -1 when the
   * server closed the session and `endIsAnswer` is set (else that is an `unavailable` error).
   */
  async waitFor(patterns: RegExp[], deadline: number, what: string, endIsAnswer = false): Promise<number> {
    for (;;) {
      const text = this.sinceMark();
      const index = patterns.findIndex((pattern) => pattern.test(text));
      if (index !== -1) return index;
      if (this.ended && endIsAnswer) return -1;
      if (this.ended)
        throw new DesktopError(
          'unavailable',
          `telnet server ${this.where} closed the session while waiting for ${what}`,
        );
      const left = deadline - Date.now();
      if (left <= 0) throw new DesktopError('timeout', `timed out on ${this.where} waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.wake = done;
      });
      this.wake = undefined;
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private append(chunk: string): void {
    const clean = cleanTerminalText(chunk);
    // Keep at most maxBytes past the mark; older text cannot matter any more.
    this.text += clean;
    if (this.text.length - this.markAt > this.maxBytes) {
      const cut = this.text.length - this.maxBytes;
      this.text = this.text.slice(cut);
      this.markAt = Math.max(0, this.markAt - cut);
    }
    this.wake?.();
  }
}
