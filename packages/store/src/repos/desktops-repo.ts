import { AgentId, parseWith, SECRET_MASK } from '@figaro/protocol';
import type { z } from 'zod';
import { type Db, queryOne, queryRows } from '../db.js';
import { ConfigKeyError, ConflictError, NotFoundError } from '../errors.js';
import { jsonEqual } from '../json-equal.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { storableJson } from '../stored-text.js';
import {
  BINDING_2_PREFIX,
  type DesktopCredentials,
  DesktopRecord,
  DesktopRow,
  type DesktopSeed,
  DesktopUpsert,
  ENDPOINTS,
  type Endpoint,
  endpointIdentity,
  legacySealContext,
  MASKED_COLUMNS,
  type SecretField,
  sealContext,
  withUrlPasswords,
} from './desktop-record.js';

/** What `DesktopsRepo.upsert` did. */
export interface DesktopUpsertResult {
  /** The desktop as stored now, secrets masked. */
  desktop: DesktopRecord;
  /** True when this call inserted the desktop. */
  created: boolean;
  /** Stored credentials the binding rule dropped because their endpoint moved (for logs and replies). */
  cleared: Array<SecretField | 'vnc_username'>;
}

type ParsedUpsert = z.output<typeof DesktopUpsert>;

/** Column values of one desktop row as the repository writes them. */
interface DesktopColumns {
  os: string;
  metadata: Record<string, unknown>;
  vnc_url: string | null;
  ssh_url: string | null;
  telnet_url: string | null;
  rdp_url: string | null;
  vnc_username: string | null;
  vnc_password_sealed: string | null;
  ssh_secret_sealed: string | null;
  telnet_secret_sealed: string | null;
  rdp_secret_sealed: string | null;
  source: string;
}

const COLUMNS = [
  'os',
  'metadata',
  'vnc_url',
  'ssh_url',
  'telnet_url',
  'rdp_url',
  'vnc_username',
  'vnc_password_sealed',
  'ssh_secret_sealed',
  'telnet_secret_sealed',
  'rdp_secret_sealed',
  'source',
] as const satisfies ReadonlyArray<keyof DesktopColumns>;

/** `$2, $3::jsonb, $4 …` for COLUMNS, after `$1` = id. */
const PLACEHOLDERS = COLUMNS.map((column, i) => `$${i + 2}${column === 'metadata' ? '::jsonb' : ''}`);

function columnParams(values: DesktopColumns): unknown[] {
  return COLUMNS.map((column) => (column === 'metadata' ? storableJson(values.metadata) : values[column]));
}

/**
 * Desktops: the only home of desktop endpoints and their credentials. Secrets are sealed with the
 * `SecretBox` (bound to their endpoint as authenticated context) and leave the repository only through
 * `credentials()`; every other result masks them as `"***"`.
 *
 * Binding rule: a secret is sealed for its whole endpoint (scheme, user, host, port, path, query; the
 * VNC password also for `vnc_username`, see `sealContext`), and an update that changes any of these
 * drops that endpoint's stored credentials unless the same call brings new ones. Secrets sealed before
 * this binding (bound to scheme, host and port only) still open, and are sealed again under it when
 * read (`credentials`) or by `resealLegacyCredentials`.
 */
export class DesktopsRepo {
  readonly #db: Db;
  readonly #box: SecretBox | undefined;

  /** `box` seals and opens secrets; without it, storing or reading a secret throws `ConfigKeyError`. */
  constructor(db: Db, box?: SecretBox) {
    this.#db = db;
    this.#box = box;
  }

  /**
   * Creates or updates a desktop (see `DesktopUpsert` for absent / `null` / `"***"`). A password in a
   * URL's userinfo is moved into the endpoint's secret. An upsert with `source: "agent"` never changes a
   * stored desktop: an agent's registration must not move an endpoint. An update that changes nothing
   * keeps the version. Invalid input is an `InvalidRequestError`; a new secret without a `SecretBox` is
   * a `ConfigKeyError`.
   */
  async upsert(raw: DesktopUpsert): Promise<DesktopUpsertResult> {
    const input = withUrlPasswords(parseWith(DesktopUpsert, raw, 'desktop'));
    return this.#db.tx(async (tx) => {
      // Twice at most: a concurrent insert of the same id makes our insert a no-op; then we update it.
      for (let round = 0; round < 2; round++) {
        const current = await queryOne(
          tx,
          DesktopRow,
          'SELECT * FROM desktops WHERE id = $1 FOR UPDATE',
          [input.id],
          'desktop',
        );
        if (current === null) {
          const inserted = await this.#insert(tx, input);
          if (inserted) return { desktop: inserted, created: true, cleared: [] };
          continue;
        }
        if (input.source === 'agent') {
          return { desktop: await this.#getOn(tx, input.id), created: false, cleared: [] };
        }
        return this.#update(tx, current, input);
      }
      throw new ConflictError(`desktop ${input.id} changed concurrently; retry`);
    });
  }

  /**
   * Inserts each entry whose id is not stored yet (source `env`); stored desktops are left exactly as
   * they are. Every entry is validated before anything is written. Returns the ids inserted.
   */
  async seedIfMissing(entries: readonly DesktopSeed[]): Promise<string[]> {
    const parsed = entries.map((entry, i) =>
      withUrlPasswords(parseWith(DesktopUpsert, { ...entry, source: 'env' }, `desktop entry ${i}`)),
    );
    return this.#db.tx(async (tx) => {
      const seeded: string[] = [];
      for (const entry of parsed) {
        if (await this.#insert(tx, entry)) seeded.push(entry.id);
      }
      return seeded;
    });
  }

  /** The desktop with this id, secrets masked, or null. */
  async get(id: string): Promise<DesktopRecord | null> {
    return queryOne(
      this.#db,
      DesktopRecord,
      `SELECT ${MASKED_COLUMNS} FROM desktops WHERE id = $1`,
      [id],
      'desktop',
    );
  }

  /** Every desktop by id, secrets masked. */
  async list(): Promise<DesktopRecord[]> {
    return queryRows(
      this.#db,
      DesktopRecord,
      `SELECT ${MASKED_COLUMNS} FROM desktops ORDER BY id`,
      [],
      'desktop',
    );
  }

  /**
   * Renames a desktop, keeping its endpoints and credentials. An unknown `oldId` is a `NotFoundError`;
   * a `newId` that is taken is a `ConflictError` (the surrounding transaction stays usable).
   */
  async rename(oldId: string, newId: string): Promise<DesktopRecord> {
    const target = parseWith(AgentId, newId, 'new desktop id');
    if (target === oldId) {
      const same = await this.get(oldId);
      if (!same) throw new NotFoundError(`desktop ${oldId} not found`);
      return same;
    }
    let renamed: DesktopRecord | null;
    try {
      renamed = await this.#db.tx((tx) =>
        queryOne(
          tx,
          DesktopRecord,
          `UPDATE desktops SET id = $2, version = version + 1, updated_at = now() WHERE id = $1
           RETURNING ${MASKED_COLUMNS}`,
          [oldId, target],
          'desktop',
        ),
      );
    } catch (error) {
      if (error instanceof ConflictError) throw new ConflictError(`desktop ${target} already exists`);
      throw error;
    }
    if (!renamed) throw new NotFoundError(`desktop ${oldId} not found`);
    return renamed;
  }

  /** Deletes a desktop; true when it existed. */
  async remove(id: string): Promise<boolean> {
    return (await this.#db.query('DELETE FROM desktops WHERE id = $1 RETURNING id', [id])).length > 0;
  }

  /**
   * The desktop's endpoints with their secrets decrypted, or null for an unknown id. For the
   * orchestrator's own connections (proxies, unlock) only. A stored secret without a `SecretBox` is a
   * `ConfigKeyError`; one that does not open (altered, unknown key, moved to another endpoint) is a
   * `SecretDecryptError`.
   */
  async credentials(id: string): Promise<DesktopCredentials | null> {
    const row = await queryOne(this.#db, DesktopRow, 'SELECT * FROM desktops WHERE id = $1', [id], 'desktop');
    if (!row) return null;
    const [vnc, ssh, telnet, rdp] = ENDPOINTS;
    const opened = {
      vnc_password: await this.#openOn(this.#db, row, vnc),
      ssh_secret: await this.#openOn(this.#db, row, ssh),
      telnet_secret: await this.#openOn(this.#db, row, telnet),
      rdp_secret: await this.#openOn(this.#db, row, rdp),
    };
    return {
      id: row.id,
      vnc_url: row.vnc_url,
      vnc_username: row.vnc_username,
      vnc_password: opened.vnc_password,
      ssh_url: row.ssh_url,
      ssh_secret: opened.ssh_secret,
      telnet_url: row.telnet_url,
      telnet_secret: opened.telnet_secret,
      rdp_url: row.rdp_url,
      rdp_secret: opened.rdp_secret,
    };
  }

  /**
   * Seals every secret still under binding 1 (scheme, host and port only) again under binding 2 (the
   * whole endpoint). Returns how many were resealed. A secret that does not open is left as it is
   * (`credentials` reports it).
   */
  async resealLegacyCredentials(): Promise<number> {
    const legacy = ENDPOINTS.map((e) => `${e.sealed} NOT LIKE '${BINDING_2_PREFIX}%'`).join(' OR ');
    const rows = await queryRows(
      this.#db,
      DesktopRow,
      `SELECT * FROM desktops WHERE ${legacy} ORDER BY id`,
      [],
      'desktop',
    );
    let resealed = 0;
    for (const row of rows) {
      for (const endpoint of ENDPOINTS) {
        const sealed = row[endpoint.sealed];
        if (sealed === null || sealed.startsWith(BINDING_2_PREFIX)) continue;
        try {
          await this.#openOn(this.#db, row, endpoint);
          resealed++;
        } catch {
          // Not openable: credentials() reports it when the secret is needed.
        }
      }
    }
    return resealed;
  }

  /**
   * Opens one stored secret of `row`. A binding-1 secret is sealed again under binding 2 on the way
   * (only if the row still holds that value), so that from now on it is bound to the whole endpoint.
   */
  async #openOn(db: Db, row: DesktopRow, endpoint: Endpoint): Promise<string | null> {
    const sealed = row[endpoint.sealed];
    if (sealed === null) return null;
    const box = this.#requireBox('read');
    const url = row[endpoint.url];
    if (sealed.startsWith(BINDING_2_PREFIX)) {
      return box.open(
        sealed.slice(BINDING_2_PREFIX.length),
        sealContext(endpoint.secret, url, row.vnc_username),
      );
    }
    const plain = box.open(sealed, legacySealContext(endpoint.secret, url));
    await db.query(`UPDATE desktops SET ${endpoint.sealed} = $3 WHERE id = $1 AND ${endpoint.sealed} = $2`, [
      row.id,
      sealed,
      this.#seal(endpoint.secret, plain, url, row.vnc_username),
    ]);
    return plain;
  }

  #requireBox(action: 'store' | 'read'): SecretBox {
    if (this.#box) return this.#box;
    throw new ConfigKeyError(`cannot ${action} desktop credentials: no encryption key is configured`);
  }

  /** Seals a newly given secret for the endpoint (and VNC user name) it will be stored with. */
  #seal(field: SecretField, value: string, url: string | null, vncUsername: string | null): string {
    return BINDING_2_PREFIX + this.#requireBox('store').seal(value, sealContext(field, url, vncUsername));
  }

  async #getOn(db: Db, id: string): Promise<DesktopRecord> {
    const record = await queryOne(
      db,
      DesktopRecord,
      `SELECT ${MASKED_COLUMNS} FROM desktops WHERE id = $1`,
      [id],
      'desktop',
    );
    if (!record) throw new NotFoundError(`desktop ${id} not found`);
    return record;
  }

  /** Inserts unless the id exists; null when it did. `"***"` has nothing to keep on insert. */
  async #insert(db: Db, input: ParsedUpsert): Promise<DesktopRecord | null> {
    const values: DesktopColumns = {
      os: input.os ?? 'linux',
      metadata: input.metadata ?? {},
      vnc_url: input.vnc_url ?? null,
      ssh_url: input.ssh_url ?? null,
      telnet_url: input.telnet_url ?? null,
      rdp_url: input.rdp_url ?? null,
      vnc_username: input.vnc_username ?? null,
      vnc_password_sealed: null,
      ssh_secret_sealed: null,
      telnet_secret_sealed: null,
      rdp_secret_sealed: null,
      source: input.source,
    };
    for (const endpoint of ENDPOINTS) {
      const given = input[endpoint.secret];
      if (typeof given === 'string' && given !== SECRET_MASK) {
        values[endpoint.sealed] = this.#seal(
          endpoint.secret,
          given,
          values[endpoint.url],
          values.vnc_username,
        );
      }
    }
    return queryOne(
      db,
      DesktopRecord,
      `INSERT INTO desktops (id, ${COLUMNS.join(', ')}) VALUES ($1, ${PLACEHOLDERS.join(', ')})
       ON CONFLICT (id) DO NOTHING RETURNING ${MASKED_COLUMNS}`,
      [input.id, ...columnParams(values)],
      'desktop',
    );
  }

  /** Applies an upsert to a stored desktop, enforcing the binding rule. */
  async #update(db: Db, current: DesktopRow, input: ParsedUpsert): Promise<DesktopUpsertResult> {
    const next: DesktopColumns = { ...current, source: input.source };
    if (input.os !== undefined) next.os = input.os;
    if (input.metadata !== undefined) next.metadata = input.metadata;
    const cleared: DesktopUpsertResult['cleared'] = [];
    for (const endpoint of ENDPOINTS) {
      const url = input[endpoint.url] === undefined ? current[endpoint.url] : (input[endpoint.url] ?? null);
      next[endpoint.url] = url;
      const moved = endpointIdentity(url) !== endpointIdentity(current[endpoint.url]);
      const isVnc = endpoint.url === 'vnc_url';
      if (isVnc) {
        if (input.vnc_username !== undefined) {
          next.vnc_username = input.vnc_username;
        } else if (moved && current.vnc_username !== null) {
          next.vnc_username = null;
        }
      }
      // The VNC password is bound to the VNC user name too.
      const rebound = moved || (isVnc && next.vnc_username !== current.vnc_username);
      const given = input[endpoint.secret];
      if (given === null) {
        next[endpoint.sealed] = null;
      } else if (given === undefined || given === SECRET_MASK) {
        if (rebound && current[endpoint.sealed] !== null) {
          next[endpoint.sealed] = null;
          cleared.push(endpoint.secret);
        }
      } else {
        next[endpoint.sealed] = this.#seal(endpoint.secret, given, url, isVnc ? next.vnc_username : null);
      }
      if (isVnc && input.vnc_username === undefined && moved && current.vnc_username !== null) {
        cleared.push('vnc_username');
      }
    }
    const unchanged = COLUMNS.every((column) =>
      column === 'metadata' ? jsonEqual(next.metadata, current.metadata) : next[column] === current[column],
    );
    if (unchanged) return { desktop: await this.#getOn(db, current.id), created: false, cleared };
    const assignments = COLUMNS.map((column, i) => `${column} = ${PLACEHOLDERS[i]}`).join(', ');
    const desktop = await queryOne(
      db,
      DesktopRecord,
      `UPDATE desktops SET ${assignments}, version = version + 1, updated_at = now() WHERE id = $1
       RETURNING ${MASKED_COLUMNS}`,
      [current.id, ...columnParams(next)],
      'desktop',
    );
    if (!desktop) throw new NotFoundError(`desktop ${current.id} not found`);
    return { desktop, created: false, cleared };
  }
}
