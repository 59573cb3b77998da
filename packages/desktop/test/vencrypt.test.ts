import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VncDesktop, type VncDesktopOptions } from '../src/index.js';
import { decode } from './support/image.js';
import { runXCommand, startXvncTls, type XvncTlsHandle } from './support/servers.js';

const SIZE = { width: 640, height: 480 };

describe('VeNCrypt (TLS) against Xvnc', () => {
  let x509Vnc: XvncTlsHandle;
  let x509None: XvncTlsHandle;
  let tlsVnc: XvncTlsHandle;
  let tlsNone: XvncTlsHandle;
  const desktops: VncDesktop[] = [];
  const connect = async (options: VncDesktopOptions) => {
    const desktop = await VncDesktop.connect(options);
    desktops.push(desktop);
    return desktop;
  };
  /** Paints the root window and checks that a screenshot over this connection shows it. */
  const showsRoot = async (server: XvncTlsHandle, desktop: VncDesktop, colour: string, rgb: number[]) => {
    await runXCommand('xsetroot', ['-solid', colour], { env: server.env });
    const image = await decode(await desktop.screenshot());
    expect([image.width, image.height]).toEqual([SIZE.width, SIZE.height]);
    expect(image.pixel(SIZE.width - 5, SIZE.height - 5)).toEqual(rgb);
  };

  beforeAll(async () => {
    [x509Vnc, x509None, tlsVnc, tlsNone] = await Promise.all([
      startXvncTls({ securityTypes: ['X509Vnc'], password: 'x509-pw1', size: SIZE }),
      startXvncTls({ securityTypes: ['X509None'], size: SIZE }),
      // TigerVNC's default: TLS offered, plain VncAuth still allowed.
      startXvncTls({ securityTypes: ['TLSVnc', 'VncAuth'], password: 'tls-pw-1', size: SIZE }),
      startXvncTls({ securityTypes: ['TLSNone'], size: SIZE }),
    ]);
  });

  afterAll(async () => {
    for (const desktop of desktops) await desktop.close();
    await Promise.all([x509Vnc?.stop(), x509None?.stop(), tlsVnc?.stop(), tlsNone?.stop()]);
  });

  it('takes a screenshot over X509Vnc with the CA trusted', async () => {
    const desktop = await connect({ url: x509Vnc.url, password: 'x509-pw1', tls: { ca: x509Vnc.ca } });
    const { security } = desktop.client.serverInit;
    expect(security.name).toBe('VeNCrypt X509Vnc');
    expect(security.tls?.protocol).toMatch(/^TLSv1\.[23]$/);
    await showsRoot(x509Vnc, desktop, '#ff0000', [255, 0, 0]);
  });

  it('refuses an untrusted certificate with code unauthorized', async () => {
    const attempt = VncDesktop.connect({ url: x509Vnc.url, password: 'x509-pw1' });
    await expect(attempt).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(attempt).rejects.toThrow(/certificate is not trusted.*SELF_SIGNED/);
    await expect(attempt).rejects.not.toThrow(/x509-pw1/);
  });

  it('refuses a certificate for another name with code unauthorized', async () => {
    const attempt = VncDesktop.connect({
      url: x509Vnc.url,
      password: 'x509-pw1',
      tls: { ca: x509Vnc.ca, servername: 'vnc.example' },
    });
    await expect(attempt).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(attempt).rejects.toThrow(/ERR_TLS_CERT_ALTNAME_INVALID/);
  });

  it('refuses a wrong password inside TLS with code unauthorized', async () => {
    // VNC uses only the first 8 characters of a password: the wrong one differs at the start.
    const attempt = VncDesktop.connect({ url: x509Vnc.url, password: 'y509-pw1', tls: { ca: x509Vnc.ca } });
    await expect(attempt).rejects.toMatchObject({ code: 'unauthorized', name: 'DesktopAuthError' });
    await expect(attempt).rejects.toThrow(/authentication failed/);
    await expect(attempt).rejects.not.toThrow(/pw1/);
  });

  it('asks for a password before TLS when X509Vnc is all the server offers', async () => {
    const attempt = VncDesktop.connect({ url: x509Vnc.url, tls: { ca: x509Vnc.ca } });
    await expect(attempt).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(attempt).rejects.toThrow(/requires a password/);
  });

  it('takes a screenshot over X509None', async () => {
    const desktop = await connect({ url: x509None.url, tls: { ca: x509None.ca } });
    expect(desktop.client.serverInit.security.name).toBe('VeNCrypt X509None');
    await showsRoot(x509None, desktop, '#00ff00', [0, 255, 0]);
  });

  it('with ?tls=1 uses X509Vnc with the CA trusted', async () => {
    const desktop = await connect({
      url: `${x509Vnc.url}?tls=1`,
      password: 'x509-pw1',
      tls: { ca: x509Vnc.ca },
    });
    expect(desktop.client.serverInit.security.name).toBe('VeNCrypt X509Vnc');
  });

  it('with ?tls=1 refuses anonymous TLS (TLSVnc, TLSNone): a man in the middle could read the password', async () => {
    for (const server of [tlsVnc, tlsNone]) {
      const attempt = VncDesktop.connect({ url: `${server.url}?tls=1`, password: 'tls-pw-1' });
      await expect(attempt).rejects.toMatchObject({ code: 'unavailable' });
      await expect(attempt).rejects.toThrow(/verified certificate.*anonymous TLS.*tls=anon/);
      await expect(attempt).rejects.not.toThrow(/pw-1/);
    }
  });

  it('prefers VncAuth, and uses TLSVnc (anonymous TLS) when the URL opts in with ?tls=anon', async () => {
    const plain = await connect({ url: tlsVnc.url, password: 'tls-pw-1' });
    expect(plain.client.serverInit.security).toEqual({ type: 2, name: 'VncAuth' });
    const secured = await connect({ url: `${tlsVnc.url}?tls=anon`, password: 'tls-pw-1' });
    const { security } = secured.client.serverInit;
    expect(security.name).toBe('VeNCrypt TLSVnc');
    // Anonymous (EC)DH suites exist only up to TLS 1.2.
    expect(security.tls).toMatchObject({ protocol: 'TLSv1.2', cipher: expect.stringMatching(/^A(EC)?DH-/) });
    await showsRoot(tlsVnc, secured, '#0000ff', [0, 0, 255]);
  });

  it('refuses a wrong password over TLSVnc with code unauthorized', async () => {
    const attempt = VncDesktop.connect({ url: `${tlsVnc.url}?tls=anon`, password: 'xls-pw-1' });
    await expect(attempt).rejects.toMatchObject({ code: 'unauthorized', name: 'DesktopAuthError' });
    await expect(attempt).rejects.not.toThrow(/pw-1/);
  });

  it('takes a screenshot over TLSNone', async () => {
    const desktop = await connect({ url: tlsNone.url });
    expect(desktop.client.serverInit.security.name).toBe('VeNCrypt TLSNone');
    await showsRoot(tlsNone, desktop, '#ffff00', [255, 255, 0]);
  });
});
