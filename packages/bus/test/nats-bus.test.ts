import { endpoint } from '@figaro/protocol';
import { startNatsServer, testNatsUrl, uniqueToken } from '@figaro/testkit';
import { connect } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { deleteNatsStreams, NatsBus, type StreamDefinitions, serve, uniqueStreams } from '../src/testing.js';
import { busContract } from './bus-contract.js';
import { durableContract } from './bus-contract-durable.js';
import { typedDurableContract } from './bus-contract-typed.js';
import { collector, eventually } from './helpers.js';

const created: StreamDefinitions[] = [];

// Registered before the contract's own afterEach, so it runs after the buses are closed.
afterEach(async () => {
  await Promise.all(created.splice(0).map((streams) => deleteNatsStreams(testNatsUrl(), streams)));
});

busContract('NatsBus', async (streams) => {
  if (!created.includes(streams)) created.push(streams);
  return NatsBus.connect({ servers: testNatsUrl(), streams, name: 'bus-contract' });
});

durableContract('NatsBus', async (streams) => {
  if (!created.includes(streams)) created.push(streams);
  return NatsBus.connect({ servers: testNatsUrl(), streams, name: 'bus-contract' });
});

typedDurableContract('NatsBus', async (streams) => {
  if (!created.includes(streams)) created.push(streams);
  return NatsBus.connect({ servers: testNatsUrl(), streams, name: 'bus-contract' });
});

const pingEntry = (subject: string) =>
  endpoint('test.ping', subject, {
    request: z.object({ n: z.number() }),
    reply: z.object({ n: z.number() }),
    timeoutMs: 500,
  });

describe('NatsBus', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('answers raw bytes that are not JSON with invalid_request', async () => {
    const token = uniqueToken('n');
    const streams = uniqueStreams(token);
    created.push(streams);
    const bus = await NatsBus.connect({ servers: testNatsUrl(), streams });
    cleanups.push(() => bus.close());
    const entry = pingEntry(`${token}.ping`);
    await serve(bus, entry, async (req) => req);
    const nc = await connect({ servers: testNatsUrl() });
    cleanups.push(() => nc.close());
    const reply = await nc.request(entry.subject, 'not json {', { timeout: 2_000 });
    expect(reply.json()).toMatchObject({ code: 'invalid_request' });
    await expect(bus.request(entry, { n: 1 })).resolves.toEqual({ n: 1 });
  });

  it('reconnects after a server restart, and its durable consumer carries on', async () => {
    const server = await startNatsServer();
    cleanups.push(() => server.stop());
    const token = uniqueToken('r');
    const bus = await NatsBus.connect({
      servers: server.url,
      streams: uniqueStreams(token),
      reconnectTimeWaitMs: 100,
    });
    cleanups.push(() => bus.close());
    expect(bus.kind).toBe('nats');
    const entry = pingEntry(`${token}.ping`);
    await serve(bus, entry, async (req) => req);
    const got = collector<[string, number]>();
    await bus.consume(
      'TASKS',
      'orchestrator',
      `${token}.task.>`,
      async (m) => {
        got.push([(m.json() as { text: string }).text, m.deliveryCount]);
        m.ack();
      },
      { ackWaitMs: 1_000 },
    );
    await bus.append(`${token}.task.a.message`, { text: 'before' }, { msgId: 'a:1:1' });
    expect(await got.upTo(1)).toEqual([['before', 1]]);

    await server.restart();

    // Core request/reply works again once the client has reconnected and re-subscribed.
    await eventually(() => bus.request(entry, { n: 7 }, { timeoutMs: 300 }));
    // A retried append with the same msgId is stored once, so retrying until acknowledged is safe.
    await eventually(() =>
      bus.append(`${token}.task.a.message`, { text: 'after' }, { msgId: 'a:1:2', timeoutMs: 500 }),
    );
    expect(await got.upTo(2, 15_000)).toEqual([
      ['before', 1],
      ['after', 1],
    ]);
  });
});
