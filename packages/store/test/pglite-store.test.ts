import { randomBytes } from 'node:crypto';
import { silentLogger } from '@figaro/protocol';
import { tempDir } from '@figaro/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgliteDb, openStore, SecretBox, type Store, StoreError } from '../src/index.js';
import { newId } from './contract/target.js';
import { describeStoreContract } from './store-contract.js';

// One PGlite instance for the whole file: a fresh data folder takes 3–5 s and ~370 MB.
let folder: Awaited<ReturnType<typeof tempDir>>;
let store: Store;
const secrets = new SecretBox(randomBytes(32));

beforeAll(async () => {
  folder = await tempDir('figaro-pglite-');
  store = await openStore({ kind: 'pglite', dataDir: folder.path, logger: silentLogger, secrets });
});

afterAll(async () => {
  await store?.close();
  await folder?.remove();
});

describeStoreContract({ kind: 'pglite', store: () => store, secrets });

describe('PgliteDb', () => {
  it('refuses to open a data folder that is already open in this process', async () => {
    await expect(openPgliteDb({ dataDir: folder.path })).rejects.toBeInstanceOf(StoreError);
  });

  // Last in the file: it closes the shared instance and reopens the folder.
  it('keeps its rows when reopened on the same data folder, resealing first-binding desktop secrets', async () => {
    const id = newId();
    await store.tasks.create({ id, prompt: 'survive a restart' });
    await store.desktops.upsert({ id: 'd-legacy-reopen', vnc_url: 'vnc://legacy.example', source: 'api' });
    const legacy = secrets.seal('legacy-Pw-5', 'desktop/vnc_password/vnc://legacy.example:5900');
    await store.db.query("UPDATE desktops SET vnc_password_sealed = $1 WHERE id = 'd-legacy-reopen'", [
      legacy,
    ]);
    await store.close();
    store = await openStore({ kind: 'pglite', dataDir: folder.path, logger: silentLogger, secrets });
    expect((await store.tasks.get(id))?.prompt).toBe('survive a restart');
    const [row] = await store.db.query(
      "SELECT vnc_password_sealed FROM desktops WHERE id = 'd-legacy-reopen'",
    );
    expect(String(row?.vnc_password_sealed)).toMatch(/^b2:/);
    expect(await store.desktops.credentials('d-legacy-reopen')).toMatchObject({
      vnc_password: 'legacy-Pw-5',
    });
    await expect(store.tasks.create({ id, prompt: 'survive a restart' })).resolves.toMatchObject({
      created: false,
    });
  });
});
