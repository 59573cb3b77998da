import { endpoint, event, InvalidRequestError } from '@figaro/protocol';
import { uniqueToken } from '@figaro/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type Bus,
  BusClosedError,
  BusError,
  type BusMessage,
  InvalidReplyError,
  NoRespondersError,
  PayloadTooLargeError,
  publishEvent,
  RemoteError,
  type StreamDefinitions,
  serve,
  subscribeEvent,
  TimeoutError,
  uniqueStreams,
} from '../src/testing.js';
import { collector, deferred, quietPeriod, recordingLogger, rejectionOf } from './helpers.js';

/** Builds a bus on the given streams. Two calls with the same streams object reach each other. */
export type MakeBus = (streams: StreamDefinitions) => Promise<Bus>;

const EchoRequest = z.object({ text: z.string(), times: z.number().int().min(1).default(1) });
const EchoReply = z.object({ text: z.string() });
const echoEntry = (subject: string) =>
  endpoint('test.echo', subject, { request: EchoRequest, reply: EchoReply, timeoutMs: 2_000 });
/** Sends anything and accepts any reply: stands for a peer that skips validation. */
const rawEntry = (subject: string) =>
  endpoint('test.raw', subject, { request: z.unknown(), reply: z.unknown(), timeoutMs: 2_000 });
export const Note = z.object({ id: z.number().int(), text: z.string() });

const big = () => ({ blob: 'x'.repeat(300 * 1024) });
export const text = (msg: { json(): unknown }) => (msg.json() as { text: string }).text;

/**
 * Per-test isolation of a contract suite: `setup()` gives a test its own streams and subject prefix
 * and a `connect()` whose buses are closed after the test. Call it inside the suite's `describe`.
 */
export function useContractBuses(makeBus: MakeBus) {
  const opened: Bus[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((bus) => bus.close()));
  });
  return function setup() {
    const token = uniqueToken('b');
    const streams = uniqueStreams(token);
    return {
      streams,
      /** A subject private to this test. */
      subject: (...parts: string[]) => [token, ...parts].join('.'),
      connect: async () => {
        const bus = await makeBus(streams);
        opened.push(bus);
        return bus;
      },
    };
  };
}

/**
 * The Bus contract (ARCHITECTURE.md, "Bus semantics"): every implementation must pass all of it.
 * Every test uses its own subjects and streams, so runs against a shared server never collide.
 */
export function busContract(name: string, makeBus: MakeBus): void {
  describe(`${name} (Bus contract)`, () => {
    const setup = useContractBuses(makeBus);

    describe('publish and subscribe', () => {
      it('matches `*` to exactly one token and `>` to one or more trailing tokens', async () => {
        const { subject, connect } = setup();
        const bus = await connect();
        const star = collector<string>();
        const tail = collector<string>();
        const exact = collector<string>();
        await bus.subscribe(subject('a', '*'), async (m) => star.push(m.subject));
        await bus.subscribe(subject('a', '>'), async (m) => tail.push(m.subject));
        await bus.subscribe(subject('a', 'b'), async (m) => exact.push(m.subject));
        for (const s of [
          subject('a'),
          subject('x', 'b'),
          subject('a', 'b', 'c'),
          subject('a', 'b'),
          subject('a', 'end'),
        ]) {
          await bus.publish(s, {});
        }
        // Per-subscription order: once the last expected message is in, nothing earlier can follow.
        expect(await star.upTo(2)).toEqual([subject('a', 'b'), subject('a', 'end')]);
        expect(await tail.upTo(3)).toEqual([subject('a', 'b', 'c'), subject('a', 'b'), subject('a', 'end')]);
        expect(await exact.upTo(1)).toEqual([subject('a', 'b')]);
      });

      it('gives each queue group one copy and every plain subscriber its own', async () => {
        const { subject, connect } = setup();
        const [one, two] = [await connect(), await connect()];
        const plainA = collector<number>();
        const plainB = collector<number>();
        const group = collector<[string, number]>();
        const n = (m: BusMessage) => (m.json() as { n: number }).n;
        await one.subscribe(subject('work'), async (m) => group.push(['one', n(m)]), { queue: 'workers' });
        await two.subscribe(subject('work'), async (m) => group.push(['two', n(m)]), { queue: 'workers' });
        await one.subscribe(subject('work'), async (m) => plainA.push(n(m)));
        await two.subscribe(subject('work'), async (m) => plainB.push(n(m)));
        const sent = Array.from({ length: 40 }, (_, i) => i);
        for (const i of sent) await one.publish(subject('work'), { n: i });
        expect(await plainA.upTo(40)).toEqual(sent);
        expect(await plainB.upTo(40)).toEqual(sent);
        const shared = await group.upTo(40);
        await quietPeriod(100);
        expect(group.items).toHaveLength(40);
        expect(shared.map(([, i]) => i).sort((a, b) => a - b)).toEqual(sent);
        expect(shared.some(([who]) => who === 'one')).toBe(true);
        expect(shared.some(([who]) => who === 'two')).toBe(true);
      });

      it('delivers 300 messages published at once from another instance, in order', async () => {
        const { subject, connect } = setup();
        const [receiver, sender] = [await connect(), await connect()];
        const got = collector<number>();
        // Bulk queued on the receiver's connection first: its subscription reaches the server late
        // unless subscribe() waits for the server to have registered it.
        const bulk = { blob: 'x'.repeat(200 * 1024) };
        await Promise.all(Array.from({ length: 40 }, () => receiver.publish(subject('bulk'), bulk)));
        await receiver.subscribe(subject('burst'), async (m) => got.push((m.json() as { i: number }).i));
        const sent = Array.from({ length: 300 }, (_, i) => i);
        await Promise.all(sent.map((i) => sender.publish(subject('burst'), { i })));
        expect(await got.upTo(300)).toEqual(sent);
      });

      it('has registered interest when subscribe() resolves', async () => {
        const { subject, connect } = setup();
        const [server, client] = [await connect(), await connect()];
        const bulk = { blob: 'x'.repeat(200 * 1024) };
        for (let round = 0; round < 5; round++) {
          // Bulk queued on the server's connection first delays its SUB unless subscribe() waits for it.
          await Promise.all(Array.from({ length: 10 }, () => server.publish(subject('bulk'), bulk)));
          const entry = echoEntry(subject('ready', `${round}`));
          await serve(server, entry, async (req) => ({ text: req.text }));
          await expect(client.request(entry, { text: 'at once' })).resolves.toEqual({ text: 'at once' });
        }
      });

      it('never runs a handler inside publish()', async () => {
        const { subject, connect } = setup();
        const bus = await connect();
        const got = deferred<boolean>();
        let returned = false;
        await bus.subscribe(subject('async'), async () => got.resolve(returned));
        const publishing = bus.publish(subject('async'), {});
        returned = true;
        await publishing;
        expect(await got.promise).toBe(true);
      });

      it('carries payloads as JSON bytes with the protocol header, no shared objects', async () => {
        const { subject, connect } = setup();
        const bus = await connect();
        const got = deferred<BusMessage>();
        await bus.subscribe(subject('bytes'), async (m) => got.resolve(m));
        const payload = { when: new Date(0), list: [1, 2] };
        await bus.publish(subject('bytes'), payload);
        payload.list.push(3);
        const msg = await got.promise;
        expect(msg.data).toBeInstanceOf(Uint8Array);
        expect(msg.json()).toEqual({ when: '1970-01-01T00:00:00.000Z', list: [1, 2] });
        expect(msg.headers['Figaro-Protocol']).toBe('1');
        expect(msg.decode(z.object({ list: z.array(z.number()) }))).toEqual({ list: [1, 2] });
        expect(() => msg.decode(z.object({ list: z.string() }))).toThrow(InvalidRequestError);
      });

      it('runs handlers one at a time unless concurrency is set', async () => {
        const { subject, connect } = setup();
        const bus = await connect();
        const measure = async (concurrency: number | undefined, suffix: string) => {
          let running = 0;
          let peak = 0;
          const done = collector<void>();
          await bus.subscribe(
            subject('conc', suffix),
            async () => {
              running++;
              peak = Math.max(peak, running);
              await quietPeriod(20);
              running--;
              done.push();
            },
            concurrency === undefined ? {} : { concurrency },
          );
          for (let i = 0; i < 6; i++) await bus.publish(subject('conc', suffix), {});
          await done.upTo(6);
          return peak;
        };
        expect(await measure(undefined, 'one')).toBe(1);
        expect(await measure(3, 'three')).toBe(3);
      });

      it('keeps serving after a handler throws', async () => {
        const { subject, connect } = setup();
        const bus = await connect();
        const got = collector<string>();
        await bus.subscribe(subject('throws'), async (m) => {
          if (text(m) === 'bad') throw new Error('handler bug');
          got.push(text(m));
        });
        await bus.publish(subject('throws'), { text: 'bad' });
        await bus.publish(subject('throws'), { text: 'good' });
        expect(await got.upTo(1)).toEqual(['good']);
      });

      it('drops a message of another protocol major version', async () => {
        const { subject, connect } = setup();
        const bus = await connect();
        const got = collector<string>();
        await bus.subscribe(subject('versions'), async (m) => got.push(text(m)));
        await bus.publish(subject('versions'), { text: 'future' }, { headers: { 'Figaro-Protocol': '2' } });
        await bus.publish(subject('versions'), { text: 'minor' }, { headers: { 'Figaro-Protocol': '1.3' } });
        await bus.publish(subject('versions'), { text: 'now' });
        expect(await got.upTo(2)).toEqual(['minor', 'now']);
      });

      it('stops delivering after unsubscribe', async () => {
        const { subject, connect } = setup();
        const bus = await connect();
        const gone = collector<string>();
        const stays = collector<string>();
        const sub = await bus.subscribe(subject('unsub'), async (m) => gone.push(text(m)));
        await bus.subscribe(subject('unsub'), async (m) => stays.push(text(m)));
        await bus.publish(subject('unsub'), { text: 'first' });
        await gone.upTo(1);
        await sub.unsubscribe();
        await bus.publish(subject('unsub'), { text: 'second' });
        await stays.upTo(2);
        await quietPeriod(50);
        expect(gone.items).toEqual(['first']);
      });

      it('refuses payloads over 256 KiB on publish, append and request', async () => {
        const { subject, connect } = setup();
        const bus = await connect();
        await expect(bus.publish(subject('big'), big())).rejects.toBeInstanceOf(PayloadTooLargeError);
        await expect(bus.append(subject('task', 'x', 'message'), big())).rejects.toBeInstanceOf(
          PayloadTooLargeError,
        );
        await expect(bus.request(rawEntry(subject('big')), big())).rejects.toBeInstanceOf(
          PayloadTooLargeError,
        );
        await expect(bus.publish(subject('ok'), { blob: 'x'.repeat(200 * 1024) })).resolves.toBeUndefined();
      });

      it('refuses every operation after close, and waits for running handlers', async () => {
        const { subject, connect } = setup();
        const bus = await connect();
        const started = deferred();
        let finished = false;
        await bus.subscribe(subject('closing'), async () => {
          started.resolve();
          await quietPeriod(50);
          finished = true;
        });
        await bus.publish(subject('closing'), {});
        await started.promise;
        await bus.close();
        expect(finished).toBe(true);
        await expect(bus.publish(subject('closing'), {})).rejects.toBeInstanceOf(BusClosedError);
        await expect(bus.subscribe(subject('closing'), async () => {})).rejects.toBeInstanceOf(
          BusClosedError,
        );
        await expect(bus.close()).resolves.toBeUndefined();
      });
    });

    describe('request and reply', () => {
      it('returns the parsed reply of a served endpoint', async () => {
        const { subject, connect } = setup();
        const [server, client] = [await connect(), await connect()];
        const entry = echoEntry(subject('echo'));
        await serve(server, entry, async (req) => ({ text: req.text.repeat(req.times) }));
        await expect(client.request(entry, { text: 'ab', times: 2 })).resolves.toEqual({ text: 'abab' });
        await expect(client.request(entry, { text: 'c' })).resolves.toEqual({ text: 'c' });
      });

      it('throws NoRespondersError at once when nobody listens', async () => {
        const { subject, connect } = setup();
        const bus = await connect();
        const started = Date.now();
        await expect(
          bus.request(echoEntry(subject('nobody')), { text: 'x' }, { timeoutMs: 5_000 }),
        ).rejects.toBeInstanceOf(NoRespondersError);
        expect(Date.now() - started).toBeLessThan(1_000);
      });

      it('throws TimeoutError when the listener stays silent', async () => {
        const { subject, connect } = setup();
        const bus = await connect();
        await bus.subscribe(subject('silent'), async () => {});
        const error = await rejectionOf(
          bus.request(echoEntry(subject('silent')), { text: 'x' }, { timeoutMs: 200 }),
        );
        expect(error).toBeInstanceOf(TimeoutError);
        expect(error.code).toBe('timeout');
      });

      it('throws RemoteError with the code of an {error, code} reply', async () => {
        const { subject, connect } = setup();
        const bus = await connect();
        await bus.subscribe(subject('fails'), (m) => m.respond({ error: 'no such task', code: 'not_found' }));
        const error = await rejectionOf(bus.request(echoEntry(subject('fails')), { text: 'x' }));
        expect(error).toBeInstanceOf(RemoteError);
        expect(error.code).toBe('not_found');
        expect(error.message).toBe('no such task');
      });

      it('throws InvalidReplyError when the reply fails the reply schema', async () => {
        const { subject, connect } = setup();
        const bus = await connect();
        await bus.subscribe(subject('odd'), (m) => m.respond({ txt: 'typo' }));
        await expect(bus.request(echoEntry(subject('odd')), { text: 'x' })).rejects.toBeInstanceOf(
          InvalidReplyError,
        );
      });

      it('refuses an invalid request before sending it', async () => {
        const { subject, connect } = setup();
        const bus = await connect();
        const got = collector<unknown>();
        await bus.subscribe(subject('strict'), async (m) => got.push(m.json()));
        const bad = { text: 7 } as unknown as { text: string };
        await expect(bus.request(echoEntry(subject('strict')), bad)).rejects.toBeInstanceOf(
          InvalidRequestError,
        );
        await bus.publish(subject('strict'), { marker: true });
        expect(await got.upTo(1)).toEqual([{ marker: true }]);
      });

      it('answers a malformed request to a served endpoint with invalid_request and keeps serving', async () => {
        const { subject, connect } = setup();
        const { logger } = recordingLogger();
        const [server, client] = [await connect(), await connect()];
        const entry = echoEntry(subject('served'));
        await serve(server, entry, async (req) => ({ text: req.text }), { logger, queue: 'q' });
        const error = await rejectionOf(client.request(rawEntry(subject('served')), { text: 42 }));
        expect(error).toBeInstanceOf(RemoteError);
        expect(error.code).toBe('invalid_request');
        expect(error.message).toContain('text');
        await expect(client.request(entry, { text: 'still here' })).resolves.toEqual({ text: 'still here' });
      });

      it('answers a request of another protocol major version with invalid_request', async () => {
        const { subject, connect } = setup();
        const bus = await connect();
        const entry = echoEntry(subject('versioned'));
        await serve(bus, entry, async (req) => ({ text: req.text }));
        const error = await rejectionOf(
          bus.request(entry, { text: 'x' }, { headers: { 'Figaro-Protocol': '2' } }),
        );
        expect(error).toBeInstanceOf(RemoteError);
        expect(error.code).toBe('invalid_request');
      });

      it('answers handler errors with their code, and bugs with internal', async () => {
        const { subject, connect } = setup();
        const { logger, entries } = recordingLogger();
        const bus = await connect();
        const entry = echoEntry(subject('errors'));
        await serve(
          bus,
          entry,
          async (req) => {
            if (req.text === 'busy') throw new BusError('busy', 'try later');
            if (req.text === 'bad reply') return { text: 3 } as unknown as { text: string };
            throw new Error('secret internals');
          },
          { logger },
        );
        await expect(bus.request(entry, { text: 'busy' })).rejects.toMatchObject({
          code: 'busy',
          message: 'try later',
        });
        await expect(bus.request(entry, { text: 'crash' })).rejects.toMatchObject({
          code: 'internal',
          message: 'internal error',
        });
        await expect(bus.request(entry, { text: 'bad reply' })).rejects.toMatchObject({ code: 'internal' });
        expect(entries.filter((e) => e.level === 'error')).toHaveLength(2);
      });
    });

    describe('typed events', () => {
      it('logs and drops a malformed event, then handles the next good one', async () => {
        const { subject, connect } = setup();
        const { logger, entries } = recordingLogger();
        const bus = await connect();
        const note = event('test.note', subject('note'), Note);
        const got = collector<{ id: number; text: string }>();
        await subscribeEvent(bus, note, async (payload) => got.push(payload), { logger });
        await bus.publish(note.subject, { id: 'one', text: 'bad' });
        await publishEvent(bus, note, { id: 2, text: 'good' });
        expect(await got.upTo(1)).toEqual([{ id: 2, text: 'good' }]);
        expect(entries.some((e) => e.level === 'warn' && e.message === 'dropped an invalid event')).toBe(
          true,
        );
      });

      it('refuses to publish an event that fails its schema', async () => {
        const { subject, connect } = setup();
        const bus = await connect();
        const note = event('test.note', subject('note'), Note);
        const bad = { id: 1.5, text: 'x' };
        await expect(publishEvent(bus, note, bad)).rejects.toBeInstanceOf(InvalidRequestError);
      });
    });
  });
}
