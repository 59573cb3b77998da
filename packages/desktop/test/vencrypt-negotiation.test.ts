import { describe, expect, it } from 'vitest';
import { ByteReader } from '../src/rfb/byte-reader.js';
import { negotiateSecurity, type SecurityOptions } from '../src/rfb/security.js';
import type { RfbVersion } from '../src/rfb/version.js';

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

/** Runs the client's security handshake against canned server bytes; returns what the client wrote. */
async function negotiate(
  server: Buffer[],
  options: SecurityOptions,
  { version = '3.8' as RfbVersion, secure = false } = {},
) {
  const reader = new ByteReader();
  for (const chunk of server) reader.push(chunk);
  const written: Buffer[] = [];
  const transport = {
    secure,
    write: (data: Buffer) => {
      written.push(data);
    },
    startTls: () => Promise.reject(new Error('no TLS in this test')),
  };
  const result = negotiateSecurity(reader, transport, version, options);
  return { result, written: () => Buffer.concat(written) };
}

/** VeNCrypt offer: type 19 only, version 0.2 acknowledged, then the sub-types. */
const veNCryptOffer = (subTypes: number[]) => [
  Buffer.from([1, 19]),
  Buffer.from([0, 2]),
  Buffer.from([0, subTypes.length]),
  ...subTypes.map(u32),
];

describe('VeNCrypt negotiation (canned server)', () => {
  it('sends user name and password for Plain over an encrypted transport (wss://)', async () => {
    const { result, written } = await negotiate(
      [...veNCryptOffer([256]), u32(0)],
      {
        username: 'ana',
        password: 'pw',
      },
      { secure: true },
    );
    await expect(result).resolves.toEqual({ type: 19, name: 'VeNCrypt Plain' });
    expect(written()).toEqual(
      Buffer.concat([Buffer.from([19, 0, 2]), u32(256), u32(3), u32(2), Buffer.from('anapw')]),
    );
  });

  it('never sends a Plain password over an unencrypted transport', async () => {
    const { result, written } = await negotiate(veNCryptOffer([256]), { username: 'ana', password: 'pw' });
    await expect(result).rejects.toThrow(/no supported VeNCrypt sub-type.*Plain only over wss/);
    expect(written().includes(Buffer.from('pw'))).toBe(false);
  });

  it('refuses a VeNCrypt version other than 0.2', async () => {
    const { result } = await negotiate([Buffer.from([1, 19]), Buffer.from([0, 1])], {});
    await expect(result).rejects.toThrow(/VeNCrypt 0\.1 is not supported/);
  });

  it('with TLS required, refuses an RFB 3.3 server that picks VncAuth before answering its challenge', async () => {
    const { result, written } = await negotiate(
      [u32(2), Buffer.alloc(16)],
      { password: 'pw', requireTls: true },
      {
        version: '3.3',
      },
    );
    await expect(result).rejects.toMatchObject({ code: 'unavailable' });
    expect(written().length).toBe(0);
  });

  it('with TLS required, refuses anonymous TLS sub-types before sending anything secret', async () => {
    for (const subTypes of [[257], [258], [259], [257, 258, 259]]) {
      const { result, written } = await negotiate(veNCryptOffer(subTypes), {
        username: 'ana',
        password: 'pw',
        requireTls: true,
      });
      await expect(result).rejects.toMatchObject({
        code: 'unavailable',
        message: expect.stringMatching(/verified certificate.*anonymous TLS.*tls=anon/),
      });
      // Only the version answer went out: no sub-type choice, no password.
      expect(written()).toEqual(Buffer.from([19, 0, 2]));
    }
  });

  it('with TLS required, picks a verified X509 sub-type over anonymous ones', async () => {
    const { result, written } = await negotiate([...veNCryptOffer([258, 261]), Buffer.from([1])], {
      password: 'pw',
      requireTls: true,
    });
    // The canned transport cannot start TLS: it got as far as choosing X509Vnc.
    await expect(result).rejects.toThrow(/no TLS in this test/);
    expect(written()).toEqual(Buffer.concat([Buffer.from([19, 0, 2]), u32(261)]));
  });

  it('accepts anonymous TLS when explicitly allowed', async () => {
    const { result, written } = await negotiate([...veNCryptOffer([258]), Buffer.from([1])], {
      password: 'pw',
      requireTls: true,
      allowAnonymousTls: true,
    });
    await expect(result).rejects.toThrow(/no TLS in this test/);
    expect(written()).toEqual(Buffer.concat([Buffer.from([19, 0, 2]), u32(258)]));
  });

  it('asks for a user name and password when only TLSPlain is offered without them', async () => {
    const { result } = await negotiate(veNCryptOffer([259]), { password: 'pw' });
    await expect(result).rejects.toMatchObject({
      code: 'unauthorized',
      message: expect.stringMatching(/user name/),
    });
  });
});
