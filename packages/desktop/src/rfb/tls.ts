import type { ConnectionOptions } from 'node:tls';
import { DesktopError } from '../errors.js';

/** How the VNC server's TLS certificate is checked (VeNCrypt X509 sub-types and wss://). */
export interface VncTlsOptions {
  /** CA certificate(s), PEM, that the server's certificate must chain to. Default: Node's root CAs. */
  ca?: string | Buffer | Array<string | Buffer>;
  /**
   * Refuse a certificate that does not verify (untrusted, expired, wrong name). Default true; false
   * keeps the encryption but no longer proves who the server is.
   */
  rejectUnauthorized?: boolean;
  /** The name the certificate must carry (and the SNI sent); default the URL's host. */
  servername?: string;
}

/**
 * TLS options for VeNCrypt's anonymous sub-types (TLSNone, TLSVnc, TLSPlain): anonymous
 * Diffie-Hellman, which has no certificate to check. Node 20's OpenSSL 3 allows those cipher suites only
 * at security level 0, and only up to TLS 1.2 (TLS 1.3 has no anonymous suites; offering 1.3 made
 * TigerVNC's GnuTLS drop the connection).
 */
export function anonymousTlsOptions(): ConnectionOptions {
  return {
    ciphers: 'aNULL:@SECLEVEL=0',
    maxVersion: 'TLSv1.2',
    rejectUnauthorized: false,
  };
}

/** TLS options for VeNCrypt's X509 sub-types: the server's certificate is verified. */
export function x509TlsOptions(tls: VncTlsOptions = {}): ConnectionOptions {
  return {
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
  };
}

/** OpenSSL and Node codes of a certificate that did not verify. */
const CERTIFICATE_CODE =
  /^(ERR_TLS_CERT_ALTNAME_INVALID|(?!ERR_)[A-Z_]*(CERT|ISSUER|LEAF_SIGNATURE)[A-Z_]*)$/;

/** True when a TLS error says the server's certificate did not verify. */
export function isCertificateError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CERTIFICATE_CODE.test(code);
}

/**
 * Maps a TLS handshake failure to a `DesktopError`: an unverified certificate is `unauthorized`
 * ("certificate not trusted", with what to do about it); anything else is `unavailable`.
 */
export function tlsFailure(err: unknown, what = 'the VNC server'): DesktopError {
  const message = err instanceof Error ? err.message : String(err);
  if (isCertificateError(err)) {
    const code = (err as { code: string }).code;
    const hint =
      code === 'ERR_TLS_CERT_ALTNAME_INVALID'
        ? 'connect by a name the certificate carries, or set tls.servername to one'
        : 'give its CA certificate as tls.ca, or set tls.rejectUnauthorized to false';
    return new DesktopError(
      'unauthorized',
      `${what}'s TLS certificate is not trusted (${code}: ${message}); ${hint}`,
      { cause: err },
    );
  }
  return new DesktopError('unavailable', `TLS handshake with ${what} failed: ${message}`, { cause: err });
}
