import { AgentId, SECRET_MASK } from '@figaro/protocol';
import { z } from 'zod';

/** Who wrote a desktop: `FIGARO_DESKTOP_WORKERS`, the API, or an agent's registration. */
export const DesktopSource = { env: 'env', api: 'api', agent: 'agent' } as const;
export type DesktopSource = (typeof DesktopSource)[keyof typeof DesktopSource];
export const DesktopSourceSchema = z.enum(DesktopSource);

/**
 * A desktop's endpoints and the secret bound to each: the VNC password (with `vnc_username`), and one
 * secret each for SSH, telnet and RDP. A secret belongs to its endpoint's scheme, host and port.
 */
export const ENDPOINTS = [
  { url: 'vnc_url', secret: 'vnc_password', sealed: 'vnc_password_sealed' },
  { url: 'ssh_url', secret: 'ssh_secret', sealed: 'ssh_secret_sealed' },
  { url: 'telnet_url', secret: 'telnet_secret', sealed: 'telnet_secret_sealed' },
  { url: 'rdp_url', secret: 'rdp_secret', sealed: 'rdp_secret_sealed' },
] as const;
export type Endpoint = (typeof ENDPOINTS)[number];
export type SecretField = Endpoint['secret'];

const DesktopUrl = z
  .string()
  .min(1)
  .max(2048)
  .refine((text) => /^[a-z][a-z0-9+.-]*:\/\//i.test(text) && URL.canParse(text), 'must be an absolute URL');

/** A secret in an upsert: a new value, `"***"` or absent to keep the stored one, `null` to clear it. */
const SecretInput = z.string().max(4096).nullable().optional();

/**
 * What `DesktopsRepo.upsert` takes. For every optional field, absent (`undefined`) keeps what is
 * stored; `null` clears it. A secret equal to `"***"` also keeps the stored one. On insert, absent
 * fields are null (`os` "linux", `metadata` {}).
 */
export const DesktopUpsert = z.object({
  id: AgentId,
  os: z.string().min(1).max(64).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  vnc_url: DesktopUrl.nullable().optional(),
  ssh_url: DesktopUrl.nullable().optional(),
  telnet_url: DesktopUrl.nullable().optional(),
  rdp_url: DesktopUrl.nullable().optional(),
  vnc_username: z.string().max(256).nullable().optional(),
  vnc_password: SecretInput,
  ssh_secret: SecretInput,
  telnet_secret: SecretInput,
  rdp_secret: SecretInput,
  source: DesktopSourceSchema,
});
export type DesktopUpsert = z.input<typeof DesktopUpsert>;

/** An entry of `seedIfMissing`: an upsert without `source` (always `env`). */
export const DesktopSeed = DesktopUpsert.omit({ source: true });
export type DesktopSeed = z.input<typeof DesktopSeed>;

const Mask = z.boolean().transform((present) => (present ? SECRET_MASK : null));

/**
 * A stored desktop as every reply may show it: secrets are `"***"` when stored, else null. Neither
 * plaintext nor sealed values ever appear in it.
 */
export const DesktopRecord = z.object({
  id: z.string(),
  os: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  vnc_url: z.string().nullable(),
  ssh_url: z.string().nullable(),
  telnet_url: z.string().nullable(),
  rdp_url: z.string().nullable(),
  vnc_username: z.string().nullable(),
  vnc_password: Mask,
  ssh_secret: Mask,
  telnet_secret: Mask,
  rdp_secret: Mask,
  source: DesktopSourceSchema,
  version: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type DesktopRecord = z.output<typeof DesktopRecord>;

/** The columns that make a masked `DesktopRecord` (secrets reduced to "is one stored"). */
export const MASKED_COLUMNS = `id, os, metadata, vnc_url, ssh_url, telnet_url, rdp_url, vnc_username,
  vnc_password_sealed IS NOT NULL AS vnc_password, ssh_secret_sealed IS NOT NULL AS ssh_secret,
  telnet_secret_sealed IS NOT NULL AS telnet_secret, rdp_secret_sealed IS NOT NULL AS rdp_secret,
  source, version, created_at, updated_at`;

/** A full desktop row, sealed secrets included; never leaves the repository. */
export const DesktopRow = z.object({
  id: z.string(),
  os: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  vnc_url: z.string().nullable(),
  ssh_url: z.string().nullable(),
  telnet_url: z.string().nullable(),
  rdp_url: z.string().nullable(),
  vnc_username: z.string().nullable(),
  vnc_password_sealed: z.string().nullable(),
  ssh_secret_sealed: z.string().nullable(),
  telnet_secret_sealed: z.string().nullable(),
  rdp_secret_sealed: z.string().nullable(),
  source: DesktopSourceSchema,
});
export type DesktopRow = z.output<typeof DesktopRow>;

/**
 * A desktop's endpoints with their decrypted secrets, read in one statement so each secret comes with
 * the endpoint it is bound to. For the orchestrator's own connections only: never log, reply or
 * broadcast it.
 */
export interface DesktopCredentials {
  id: string;
  vnc_url: string | null;
  vnc_username: string | null;
  vnc_password: string | null;
  ssh_url: string | null;
  ssh_secret: string | null;
  telnet_url: string | null;
  telnet_secret: string | null;
  rdp_url: string | null;
  rdp_secret: string | null;
}

/** Ports implied by a URL without one, so that `vnc://h` and `vnc://h:5900` are the same endpoint. */
const DEFAULT_PORTS: Readonly<Record<string, string>> = {
  vnc: '5900',
  ws: '80',
  wss: '443',
  ssh: '22',
  telnet: '23',
  rdp: '3389',
};

/**
 * The first binding of a secret (binding 1, sealed values without the `b2:` prefix):
 * `scheme://host:port` (lowercased, default port filled in), or null without a URL. It is the
 * authenticated context of secrets sealed before binding 2, so it is part of the at-rest format:
 * never change it. New secrets are bound to `endpointIdentity`.
 */
export function endpointKey(url: string | null): string | null {
  if (url === null) return null;
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  const scheme = parsed.protocol.slice(0, -1).toLowerCase();
  return `${scheme}://${parsed.hostname.toLowerCase()}:${parsed.port || (DEFAULT_PORTS[scheme] ?? '')}`;
}

/**
 * The whole endpoint a secret is bound to (binding 2): `scheme://[user@]host:port/path[?query]` with
 * scheme and host lowercased, the default port filled in, an empty path as `/`, the user name
 * percent-encoded one way and the query parameters sorted (so the same endpoint written differently
 * is the same); the password and fragment are not part of it. Null without a URL. Part of the at-rest
 * format: never change it (add a binding 3 instead).
 */
export function endpointIdentity(url: string | null): string | null {
  if (url === null) return null;
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  const scheme = parsed.protocol.slice(0, -1).toLowerCase();
  const port = parsed.port || (DEFAULT_PORTS[scheme] ?? '');
  const user = parsed.username === '' ? '' : `${encodeURIComponent(safeDecode(parsed.username))}@`;
  const path = parsed.pathname === '' ? '/' : parsed.pathname;
  const query = new URLSearchParams(parsed.search);
  query.sort();
  const sorted = query.toString();
  const search = sorted === '' ? '' : `?${sorted}`;
  return `${scheme}://${user}${parsed.hostname.toLowerCase()}:${port}${path}${search}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Marks a sealed value bound with binding 2 (`sealContext`); values without it use binding 1. */
export const BINDING_2_PREFIX = 'b2:';

/**
 * The context a secret is sealed with (binding 2): which field, for which whole endpoint, and for the
 * VNC password also which `vnc_username` (VeNCrypt Plain), so it cannot be replayed to another path,
 * query or user.
 */
export function sealContext(field: SecretField, url: string | null, vncUsername: string | null): string {
  const user = field === 'vnc_password' ? `\nvnc_username=${vncUsername ?? ''}` : '';
  return `desktop/b2/${field}/${endpointIdentity(url) ?? ''}${user}`;
}

/** The context of binding 1 (scheme, host and port only), to open secrets sealed before binding 2. */
export function legacySealContext(field: SecretField, url: string | null): string {
  return `desktop/${field}/${endpointKey(url) ?? ''}`;
}

/**
 * Splits a password written into a URL's userinfo (`vnc://:pw@host`) out of it, so that it is stored
 * sealed and the URL, which replies show, carries none. The user name stays in the URL.
 */
function splitUrlPassword(url: string): { url: string; password: string | null } {
  if (!URL.canParse(url)) return { url, password: null };
  const parsed = new URL(url);
  if (parsed.password === '') return { url, password: null };
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return { url: parsed.toString(), password };
}

/** Moves passwords written into URLs into the matching secret, unless the call gives one explicitly. */
export function withUrlPasswords(input: z.output<typeof DesktopUpsert>): z.output<typeof DesktopUpsert> {
  const out = { ...input };
  for (const endpoint of ENDPOINTS) {
    const url = out[endpoint.url];
    if (typeof url !== 'string') continue;
    const split = splitUrlPassword(url);
    out[endpoint.url] = split.url;
    const given = out[endpoint.secret];
    if (split.password !== null && (given === undefined || given === SECRET_MASK)) {
      out[endpoint.secret] = split.password;
    }
  }
  return out;
}
