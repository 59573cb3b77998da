import { createServer, type Server, type Socket } from 'node:net';
import { ensureTestUser, freePort, startTelnetd, type TelnetdHandle, type TestUser } from '@figaro/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTelnetUrl, runTelnetCommand } from '../src/index.js';
import { TelnetNegotiator } from '../src/telnet/negotiation.js';

const IAC = 255;
const [WILL, WONT, DO, DONT, SB, SE] = [251, 252, 253, 254, 250, 240];

describe('TelnetNegotiator', () => {
  it('asks for BINARY, refuses other DOs, accepts WILL ECHO and SGA, refuses other WILLs, answers each once', () => {
    const n = new TelnetNegotiator();
    expect([...n.start()]).toEqual([IAC, WILL, 0, IAC, DO, 0]);
    const first = n.feed(
      Buffer.from([IAC, DO, 24, IAC, WILL, 1, IAC, WILL, 3, IAC, WILL, 5, IAC, DO, 0, IAC, WILL, 0, 65]),
    );
    expect([...first.reply]).toEqual([IAC, WONT, 24, IAC, DO, 1, IAC, DO, 3, IAC, DONT, 5]);
    expect(first.data.toString()).toBe('A');
    expect(n.serverEchoes).toBe(true);
    // Repeats change nothing, so they get no answer (no negotiation loops).
    expect([...n.feed(Buffer.from([IAC, DO, 24, IAC, WILL, 1, IAC, WILL, 5, IAC, DONT, 1])).reply]).toEqual(
      [],
    );
    expect([...n.feed(Buffer.from([IAC, WONT, 1])).reply]).toEqual([IAC, DONT, 1]);
    expect(n.serverEchoes).toBe(false);
    expect([...n.feed(Buffer.from([IAC, DONT, 0, IAC, DO, 0])).reply]).toEqual([IAC, WONT, 0, IAC, WILL, 0]);
  });

  it('skips subnegotiation, unescapes IAC IAC, and handles commands split across chunks', () => {
    const n = new TelnetNegotiator();
    const a = n.feed(Buffer.from([104, IAC]));
    const b = n.feed(Buffer.from([SB, 24, 1, IAC, IAC, IAC, SE, 105, IAC, IAC, IAC]));
    const c = n.feed(Buffer.from([DO, 31, 33]));
    expect(Buffer.concat([a.data, b.data, c.data])).toEqual(Buffer.from([104, 105, IAC, 33]));
    expect([...c.reply]).toEqual([IAC, WONT, 31]);
  });
});

describe('runTelnetCommand against inetutils telnetd', () => {
  let telnetd: TelnetdHandle;
  let user: TestUser;
  const login = () => ({
    host: telnetd.host,
    port: telnetd.port,
    username: user.name,
    password: user.password,
  });

  beforeAll(async () => {
    [user, telnetd] = await Promise.all([ensureTestUser(), startTelnetd()]);
  });

  afterAll(async () => {
    await telnetd?.stop();
  });

  it('logs in, runs a command and returns its output without echo or prompt, and its exit code', async () => {
    const result = await runTelnetCommand({
      ...login(),
      command: 'echo hello; id -un; printf "é\\tz\\n"; false',
    });
    expect(result).toEqual({ output: `hello\n${user.name}\né\tz\n`, exit_code: 1 });
  });

  it('works with the shell prompt given as a pattern, stripping the echoed command', async () => {
    const result = await runTelnetCommand({ ...login(), command: 'echo  two words', promptPattern: /\$ $/ });
    expect(result).toEqual({ output: 'two words\n', exit_code: null });
  });

  it('refuses a wrong password with unauthorized, without echoing it', async () => {
    const wrong = 'wrong-telnet-pw-7';
    const attempt = runTelnetCommand({ ...login(), password: wrong, command: 'true' });
    await expect(attempt).rejects.toMatchObject({ code: 'unauthorized' });
    expect(String(await attempt.catch((err: unknown) => err))).not.toContain(wrong);
  });

  it('stops a command that outlives its timeout', async () => {
    const started = Date.now();
    await expect(runTelnetCommand({ ...login(), command: 'sleep 30', timeoutMs: 300 })).rejects.toMatchObject(
      {
        code: 'timeout',
        message: expect.stringContaining('the command to finish'),
      },
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reports unavailable when nothing listens and timeout when the server never speaks', async () => {
    await expect(
      runTelnetCommand({ host: '127.0.0.1', port: await freePort(), command: 'true' }),
    ).rejects.toMatchObject({ code: 'unavailable' });
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      await expect(
        runTelnetCommand({ host: '127.0.0.1', port, command: 'true', connectTimeoutMs: 300 }),
      ).rejects.toMatchObject({ code: 'timeout', message: expect.stringContaining('login prompt') });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('parseTelnetUrl', () => {
  it('reads user, password, host and port', () => {
    expect(parseTelnetUrl('telnet://bob:s%3Acret@10.0.0.2:2323')).toEqual({
      host: '10.0.0.2',
      port: 2323,
      username: 'bob',
      password: 's:cret',
    });
    expect(parseTelnetUrl('telnet://router')).toEqual({ host: 'router', port: 23 });
  });
});
