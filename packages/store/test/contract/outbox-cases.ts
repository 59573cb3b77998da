import { describe, expect, it } from 'vitest';
import type { OutboxRecord, StoreRepos } from '../../src/index.js';
import type { ContractTarget } from './target.js';

export function describeOutboxCases(target: ContractTarget): void {
  const store = () => target.store();

  /** Empties the shared outbox so each case sees only its own rows. */
  async function drain(): Promise<void> {
    await store().tx(async (repos) => {
      await repos.outbox.delete((await repos.outbox.claimBatch(10_000)).map((r) => r.id));
    });
  }

  /** One relay pass: claims a batch, "publishes" it, deletes it in the same transaction. */
  async function relay(repos: StoreRepos, limit: number): Promise<number[]> {
    const batch = await repos.outbox.claimBatch(limit);
    await repos.outbox.delete(batch.map((r) => r.id));
    return batch.map((r) => r.id);
  }

  describe('OutboxRepo', () => {
    it('stores messages and claims them in id order', async () => {
      await drain();
      const first = await store().outbox.add({
        subject: 'figaro.broadcast.workers',
        payload: { workers: [] },
        headers: { 'Figaro-Protocol': '1' },
      });
      const second = await store().outbox.add({
        subject: 'figaro.gateway.telegram.send',
        payload: [1, 'two'],
      });
      expect(second).toBeGreaterThan(first);
      const claimed = await store().tx((repos) => repos.outbox.claimBatch(10));
      expect(claimed.map((r: OutboxRecord) => [r.id, r.subject, r.payload, r.headers, r.attempts])).toEqual([
        [first, 'figaro.broadcast.workers', { workers: [] }, { 'Figaro-Protocol': '1' }, 0],
        [second, 'figaro.gateway.telegram.send', [1, 'two'], {}, 0],
      ]);
      expect(await store().outbox.bumpAttempts([first])).toBe(1);
      expect(await store().outbox.delete([second, second])).toBe(1);
      const [left] = await store().tx((repos) => repos.outbox.claimBatch(10));
      expect(left).toMatchObject({ id: first, attempts: 1 });
      expect(await store().outbox.delete([])).toBe(0);
    });

    it('never gives the same row to two concurrent relays', async () => {
      await drain();
      const added: number[] = [];
      for (let i = 0; i < 30; i++) added.push(await store().outbox.add({ subject: 's', payload: { i } }));
      const passes = await Promise.all(
        Array.from({ length: 6 }, () => store().tx((repos) => relay(repos, 4))),
      );
      const claimed = passes.flat();
      expect(new Set(claimed).size).toBe(claimed.length);
      let rest: number[] = [];
      do {
        rest = await store().tx((repos) => relay(repos, 4));
        claimed.push(...rest);
      } while (rest.length > 0);
      expect(claimed.sort((a, b) => a - b)).toEqual(added);
    });

    it.runIf(target.kind === 'postgres')('skips rows another relay holds instead of waiting', async () => {
      await drain();
      for (let i = 0; i < 4; i++) await store().outbox.add({ subject: 's', payload: { i } });
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let claimedFirst: (ids: number[]) => void = () => {};
      const firstClaim = new Promise<number[]>((resolve) => {
        claimedFirst = resolve;
      });
      const holder = store().tx(async (repos) => {
        const ids = (await repos.outbox.claimBatch(2)).map((r) => r.id);
        claimedFirst(ids);
        await held;
        await repos.outbox.delete(ids);
        return ids;
      });
      const first = await firstClaim;
      // While the first relay holds its rows, a second one gets the others at once.
      const second = await store().tx((repos) => relay(repos, 10));
      release();
      expect(await holder).toEqual(first);
      expect(second).toHaveLength(2);
      expect(second.some((id) => first.includes(id))).toBe(false);
    });
  });
}
