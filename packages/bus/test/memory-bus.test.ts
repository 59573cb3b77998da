import { endpoint } from '@figaro/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { BrokerMessage } from '../src/memory-broker.js';
import { MemoryBroker, MemoryBus, type StreamDefinitions, serve } from '../src/testing.js';
import { busContract } from './bus-contract.js';
import { durableContract } from './bus-contract-durable.js';
import { typedDurableContract } from './bus-contract-typed.js';
import { deferred } from './helpers.js';

/** One broker per test (per streams object), so that two buses of one test reach each other. */
const brokers = new Map<StreamDefinitions, MemoryBroker>();

// Registered before the contract's own afterEach, so it runs after the buses are closed.
afterEach(() => {
  for (const broker of brokers.values()) broker.close();
  brokers.clear();
});

busContract('MemoryBus', async (streams) => {
  let broker = brokers.get(streams);
  if (!broker) {
    broker = new MemoryBroker({ streams });
    brokers.set(streams, broker);
  }
  return new MemoryBus({ broker });
});

durableContract('MemoryBus', async (streams) => {
  let broker = brokers.get(streams);
  if (!broker) {
    broker = new MemoryBroker({ streams });
    brokers.set(streams, broker);
  }
  return new MemoryBus({ broker });
});

typedDurableContract('MemoryBus', async (streams) => {
  let broker = brokers.get(streams);
  if (!broker) {
    broker = new MemoryBroker({ streams });
    brokers.set(streams, broker);
  }
  return new MemoryBus({ broker });
});

describe('MemoryBus', () => {
  it('works alone with a private broker and the default streams', async () => {
    const bus = new MemoryBus();
    try {
      expect(bus.kind).toBe('memory');
      await expect(bus.append('figaro.task.t1.message', { ok: true })).resolves.toEqual({
        stream: 'TASKS',
        seq: 1,
        duplicate: false,
      });
      await expect(bus.append('figaro.help.r1.response', {})).resolves.toMatchObject({ stream: 'HELP' });
    } finally {
      await bus.close();
    }
  });

  it('answers raw bytes that are not JSON with invalid_request', async () => {
    const broker = new MemoryBroker();
    const bus = new MemoryBus({ broker });
    try {
      const entry = endpoint('test.ping', 'test.ping', {
        request: z.object({ n: z.number() }),
        reply: z.unknown(),
      });
      await serve(bus, entry, async (req) => req);
      const reply = deferred<BrokerMessage>();
      broker.subscribe({ pattern: '_INBOX.raw', deliver: (msg) => reply.resolve(msg) });
      broker.route({
        subject: 'test.ping',
        data: new TextEncoder().encode('not json {'),
        headers: {},
        reply: '_INBOX.raw',
      });
      const answer = JSON.parse(new TextDecoder().decode((await reply.promise).data));
      expect(answer).toMatchObject({ code: 'invalid_request' });
    } finally {
      await bus.close();
      broker.close();
    }
  });
});
