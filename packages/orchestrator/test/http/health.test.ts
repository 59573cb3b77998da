import { MemoryBus } from '@figaro/bus';
import type { Store } from '@figaro/store';
import { describe, expect, it, vi } from 'vitest';
import { probeHealth } from '../../src/http/health.js';
import { startTestServer } from './support.js';

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

describe('/api/health and /api/ready', () => {
  it('probe the backends at most once a second, however many requests come', async () => {
    let probes = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const server = await startTestServer({
      app: {
        health: async () => {
          probes += 1;
          await gate;
          return { status: 'ok', bus: 'memory', store: 'pglite' };
        },
      },
    });
    try {
      const paths = ['/api/health', '/api/ready', '/api/health', '/api/ready', '/api/health'];
      const concurrent = paths.map((path) => fetch(`${server.url}${path}`));
      // The first request's probe is in flight; let it finish once every request has arrived.
      await vi.waitFor(() => expect(probes).toBe(1));
      release();
      expect((await Promise.all(concurrent)).map((res) => res.status)).toEqual([200, 200, 200, 200, 200]);
      expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
      expect(probes).toBe(1);
      server.clock.advance(999);
      expect((await fetch(`${server.url}/api/ready`)).status).toBe(200);
      expect(probes).toBe(1);
      server.clock.advance(1);
      expect(await (await fetch(`${server.url}/api/health`)).json()).toEqual({
        status: 'ok',
        bus: 'memory',
        store: 'pglite',
      });
      expect(probes).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('probe again at the next request when a probe failed', async () => {
    let probes = 0;
    const server = await startTestServer({
      app: {
        health: async () => {
          probes += 1;
          if (probes === 1) throw new Error('store exploded');
          return { status: 'ok', bus: 'memory', store: 'pglite' };
        },
      },
    });
    try {
      expect((await fetch(`${server.url}/api/health`)).status).toBe(500);
      expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
      expect(probes).toBe(2);
    } finally {
      await server.close();
    }
  });
});
