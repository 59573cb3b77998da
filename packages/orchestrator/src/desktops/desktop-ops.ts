import {
  type DesktopPool,
  type HostKeyStore,
  parseSshUrl,
  parseTelnetUrl,
  runSshCommand,
  runTelnetCommand,
  runVncAction,
} from '@figaro/desktop';
import {
  type Api,
  FigaroError,
  MAX_PAYLOAD_BYTES,
  type ParsedRequestOf,
  type ReplyInputOf,
} from '@figaro/protocol';
import type { DesktopCredentials, Store } from '@figaro/store';

type VncRequest = ParsedRequestOf<typeof Api.vnc>;
type SshRequest = ParsedRequestOf<typeof Api.ssh>;
type TelnetRequest = ParsedRequestOf<typeof Api.telnet>;

/** Base64 images larger than this do not fit in a reply next to their metadata. */
const INLINE_LIMIT = MAX_PAYLOAD_BYTES - 8 * 1024;

/**
 * `figaro.api.vnc`, `figaro.api.ssh` and `figaro.api.telnet`: desktop operations run inside the
 * orchestrator, which alone resolves a desktop's stored credentials; callers name a desktop (or the
 * worker bound to one) and never see a password. VNC connections come from a pool (one per desktop,
 * operations serialised); SSH host keys are pinned on first use.
 */
export class DesktopOps {
  readonly #store: Store;
  readonly #pool: DesktopPool;
  readonly #hostKeys: HostKeyStore;

  constructor(options: { store: Store; pool: DesktopPool; hostKeys: HostKeyStore }) {
    this.#store = options.store;
    this.#pool = options.pool;
    this.#hostKeys = options.hostKeys;
  }

  async vnc(request: VncRequest): Promise<ReplyInputOf<typeof Api.vnc>> {
    const creds = await this.#credentials(request);
    if (!creds.vnc_url) throw new FigaroError('not_found', `desktop ${creds.id} has no VNC endpoint`);
    const target = { url: creds.vnc_url, ...(creds.vnc_password ? { password: creds.vnc_password } : {}) };
    const result = await this.#pool.use(target, (desktop) =>
      runVncAction(desktop, request, creds.vnc_password ? { unlockPassword: creds.vnc_password } : {}),
    );
    if (!('data' in result)) return result;
    let shot = result;
    if (Math.ceil(shot.data.length / 3) * 4 > INLINE_LIMIT && shot.mime_type === 'image/png') {
      // Blob storage is not built yet: a large PNG is sent as JPEG so that it still fits in a reply.
      const again = await this.#pool.use(target, (desktop) =>
        runVncAction(desktop, { ...request, format: 'jpeg' }),
      );
      if ('data' in again) shot = again;
    }
    if (Math.ceil(shot.data.length / 3) * 4 > INLINE_LIMIT) {
      throw new FigaroError('unavailable', 'screenshot too large for a reply; ask for a smaller max_width');
    }
    return {
      image: shot.data.toString('base64'),
      mime_type: shot.mime_type,
      original_width: shot.original_width,
      original_height: shot.original_height,
      width: shot.width,
      height: shot.height,
      settled: shot.settled,
    };
  }

  async ssh(request: SshRequest): Promise<ReplyInputOf<typeof Api.ssh>> {
    const creds = await this.#credentials(request);
    if (!creds.ssh_url) throw new FigaroError('not_found', `desktop ${creds.id} has no SSH endpoint`);
    const endpoint = parseSshUrl(creds.ssh_url);
    const secret = creds.ssh_secret ?? endpoint.password;
    const isKey = secret?.includes('PRIVATE KEY-----') ?? false;
    const result = await runSshCommand({
      host: endpoint.host,
      port: endpoint.port,
      username: endpoint.username ?? 'root',
      ...(secret !== undefined ? (isKey ? { privateKey: secret } : { password: secret }) : {}),
      command: request.command,
      timeoutMs: request.timeout * 1000,
      hostKeys: this.#hostKeys,
    });
    return { stdout: result.stdout, stderr: result.stderr, exit_code: result.exit_code };
  }

  async telnet(request: TelnetRequest): Promise<ReplyInputOf<typeof Api.telnet>> {
    const creds = await this.#credentials(request);
    if (!creds.telnet_url) throw new FigaroError('not_found', `desktop ${creds.id} has no telnet endpoint`);
    const endpoint = parseTelnetUrl(creds.telnet_url);
    const password = creds.telnet_secret ?? endpoint.password;
    const result = await runTelnetCommand({
      host: endpoint.host,
      port: endpoint.port,
      ...(endpoint.username !== undefined ? { username: endpoint.username } : {}),
      ...(password !== undefined ? { password } : {}),
      command: request.command,
      timeoutMs: request.timeout * 1000,
    });
    return { output: result.output, exit_code: result.exit_code };
  }

  /** The desktop a request names: `desktop_id`, or the desktop of the agent `worker_id` (or that id). */
  async #credentials(request: {
    worker_id?: string | undefined;
    desktop_id?: string | undefined;
  }): Promise<DesktopCredentials> {
    let id = request.desktop_id;
    if (!id && request.worker_id) {
      const agent = await this.#store.agents.get(request.worker_id);
      id = agent?.desktop_id ?? request.worker_id;
    }
    if (!id) throw new FigaroError('invalid_request', 'worker_id or desktop_id is required');
    const creds = await this.#store.desktops.credentials(id);
    if (!creds) throw new FigaroError('not_found', `desktop ${id} not found`);
    return creds;
  }
}

/** SSH host-key pins kept in the store's settings, so every replica trusts the same first key. */
export class StoreHostKeyStore implements HostKeyStore {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async get(hostPort: string): Promise<string | undefined> {
    const value = await this.#store.settings.get(`ssh_host_key:${hostPort}`);
    return typeof value === 'string' ? value : undefined;
  }

  async set(hostPort: string, fingerprint: string): Promise<void> {
    // First writer wins: a concurrent first connection cannot replace a pin another replica stored.
    await this.#store.settings.getOrCreate(`ssh_host_key:${hostPort}`, () => fingerprint);
  }
}
