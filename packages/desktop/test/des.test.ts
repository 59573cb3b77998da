import { describe, expect, it } from 'vitest';
import { desEncrypt, vncAuthResponse, vncKey } from '../src/rfb/des.js';

// VNC password files hold the password DES-encrypted, VNC style, under a fixed well-known key; both
// `vncpasswd -f` (TigerVNC) and `x11vnc -storepasswd` turn "password" into dbd83cfd727a1458. That is
// an independent vector for the same key schedule VNC Authentication uses.
const OBFUSCATION_KEY = Buffer.from([23, 82, 107, 6, 35, 78, 88, 7]);

describe('VNC Authentication DES', () => {
  it('matches the password files of vncpasswd and x11vnc', () => {
    expect(desEncrypt(vncKey(OBFUSCATION_KEY), Buffer.from('password')).toString('hex')).toBe(
      'dbd83cfd727a1458',
    );
  });

  it('reverses the bits of each key byte and pads or truncates passwords to 8 bytes', () => {
    expect(vncKey(Buffer.from([0x01, 0x80])).toString('hex')).toBe('8001000000000000');
    expect(vncKey('abcdefghij')).toEqual(vncKey('abcdefgh'));
  });

  it('answers a 16-byte challenge block by block', () => {
    const challenge = Buffer.concat([Buffer.from('password'), Buffer.from('password')]);
    const response = vncAuthResponse(challenge, String.fromCharCode(...OBFUSCATION_KEY));
    expect(response.toString('hex')).toBe('dbd83cfd727a1458dbd83cfd727a1458');
  });
});

describe('VNC password files', () => {
  it('match what vncpasswd -f writes, so the launcher needs no vncpasswd', async () => {
    const { execFile } = await import('node:child_process');
    const { vncPasswordFile } = await import('../src/index.js');
    const expected = await new Promise<Buffer>((resolve, reject) => {
      const child = execFile('vncpasswd', ['-f'], { encoding: 'buffer' }, (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      );
      child.stdin?.end('s3cret-long-password\n');
    });
    expect(vncPasswordFile('s3cret-long-password').toString('hex')).toBe(expected.toString('hex'));
  });
});
