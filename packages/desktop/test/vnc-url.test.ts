import { describe, expect, it } from 'vitest';
import { parseVncUrl } from '../src/index.js';

describe('parseVncUrl', () => {
  it('parses vnc:// with the default port and a percent-encoded password', () => {
    expect(parseVncUrl('vnc://:p%40ss@host')).toEqual({
      transport: 'tcp',
      host: 'host',
      port: 5900,
      requireTls: false,
      allowAnonymousTls: false,
      password: 'p@ss',
    });
    expect(parseVncUrl('vnc://[::1]:5901')).toMatchObject({ host: '::1', port: 5901 });
  });

  it('reads ?tls=1 as a demand for TLS', () => {
    expect(parseVncUrl('vnc://h:5901?tls=1').requireTls).toBe(true);
    expect(parseVncUrl('vnc://h?tls=true').requireTls).toBe(true);
    expect(parseVncUrl('vnc://h?tls=0').requireTls).toBe(false);
    expect(() => parseVncUrl('vnc://h?tls=maybe')).toThrow(/tls=maybe/);
    // A demand for TLS means a verified certificate; anonymous TLS only by explicit opt-in.
    expect(parseVncUrl('vnc://h?tls=1')).toMatchObject({ requireTls: true, allowAnonymousTls: false });
    expect(parseVncUrl('vnc://h?tls=anon')).toMatchObject({ requireTls: true, allowAnonymousTls: true });
  });

  it('parses ws:// and wss:// and keeps credentials and the tls option out of the WebSocket URL', () => {
    expect(parseVncUrl('ws://gw/websockify')).toEqual({
      transport: 'ws',
      host: 'gw',
      port: 80,
      wsUrl: 'ws://gw/websockify',
      requireTls: false,
      allowAnonymousTls: false,
    });
    expect(parseVncUrl('wss://user:pw@gw.example:8443/vnc?token=abc&tls=1#x')).toEqual({
      transport: 'wss',
      host: 'gw.example',
      port: 8443,
      wsUrl: 'wss://gw.example:8443/vnc?token=abc',
      requireTls: true,
      allowAnonymousTls: false,
      username: 'user',
      password: 'pw',
    });
    expect(parseVncUrl('wss://gw').port).toBe(443);
  });

  it('refuses other schemes with code invalid_request', () => {
    expect(() => parseVncUrl('http://h')).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    expect(() => parseVncUrl('not a url')).toThrow(/invalid VNC URL/);
  });
});
