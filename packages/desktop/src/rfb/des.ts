import { createCipheriv } from 'node:crypto';

/** Reverses the bit order of one byte: VNC's DES takes key bits least-significant first. */
function reverseBits(byte: number): number {
  let out = 0;
  for (let i = 0; i < 8; i++) out |= ((byte >> i) & 1) << (7 - i);
  return out;
}

/**
 * The 8-byte DES key VNC Authentication derives from a password: its first 8 bytes (UTF-8, padded
 * with zeros; longer passwords are truncated as every VNC server does) with each byte bit-reversed.
 */
export function vncKey(password: string | Buffer): Buffer {
  const raw = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
  const key = Buffer.alloc(8);
  for (let i = 0; i < 8 && i < raw.length; i++) key[i] = reverseBits(raw[i] as number);
  return key;
}

/**
 * DES-ECB encryption of whole 8-byte blocks under a plain 8-byte key. Node 20's OpenSSL 3 refuses
 * single `des-ecb`; triple DES with the same key three times (K1 = K2 = K3) is the same function.
 */
export function desEncrypt(key: Buffer, data: Buffer): Buffer {
  if (key.length !== 8) throw new Error('DES key must be 8 bytes');
  if (data.length % 8 !== 0) throw new Error('DES data must be whole 8-byte blocks');
  const cipher = createCipheriv('des-ede3-ecb', Buffer.concat([key, key, key]), null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

/** The 16-byte answer to a VNC Authentication challenge (RFC 6143 §7.2.2). */
export function vncAuthResponse(challenge: Buffer, password: string): Buffer {
  if (challenge.length !== 16) throw new Error('VNC challenge must be 16 bytes');
  return desEncrypt(vncKey(password), challenge);
}
