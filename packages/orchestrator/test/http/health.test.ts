import { MemoryBus } from '@figaro/bus';
import type { Store } from '@figaro/store';
import { describe, expect, it } from 'vitest';
import { probeHealth } from '../../src/http/health.js';

/** A store whose queries answer or fail as told. */
const storeThat = (answers: boolean): Store =>
  ({
    kind: 'pglite',
    db: {
      query: async () => {
        if (!answers) throw new Error('connection refused');
        return [{ ok: 1 }];
      },
    },
  }) as unknown as Store;

describe('probeHealth (/api/health, /api/ready)', () => {
  it('is ok when the store answers a query and the bus carries a message back', async () => {
    const bus = new MemoryBus();
    expect(await probeHealth(bus, storeThat(true))).toEqual({ status: 'ok', bus: 'memory', store: 'pglite' });
    await bus.close();
  });

  it('is degraded when the store fails or the bus is gone', async () => {
    const bus = new MemoryBus();
    expect((await probeHealth(bus, storeThat(false))).status).toBe('degraded');
    await bus.close();
    expect((await probeHealth(bus, storeThat(true))).status).toBe('degraded');
  });
});
