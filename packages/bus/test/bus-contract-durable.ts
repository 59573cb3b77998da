import { uniqueToken } from '@figaro/testkit';
import { describe, expect, it } from 'vitest';
import { BusError, type DurableMessage, NoRespondersError } from '../src/testing.js';
import { type MakeBus, text, useContractBuses } from './bus-contract.js';
import { collector, quietPeriod, rejectionOf } from './helpers.js';

/** The durable-stream half of the Bus contract (ARCHITECTURE.md, "Bus semantics" 5 and 8). */
export function durableContract(name: string, makeBus: MakeBus): void {
  describe(`${name} (Bus contract: streams and durable consumers)`, () => {
    const setup = useContractBuses(makeBus);

    describe('streams and durable consumers', () => {
      const durableName = () => uniqueToken('d');

      it('delivers an appended message to plain subscribers and a plain publish to a durable consumer', async () => {
        const { subject, connect } = setup();
        const bus = await connect();
        const plain = collector<string>();
        const durable = collector<string>();
        await bus.subscribe(subject('task', '*', 'message'), async (m) => plain.push(text(m)));
        await bus.consume('TASKS', durableName(), subject('task', '>'), async (m) => {
          durable.push(text(m));
          m.ack();
        });
        const ack = await bus.append(subject('task', 'a', 'message'), { text: 'appended' });
        expect(ack).toMatchObject({ seq: 1, duplicate: false });
        await bus.publish(subject('task', 'b', 'message'), { text: 'published' });
        expect(await plain.upTo(2)).toEqual(['appended', 'published']);
        expect(await durable.upTo(2)).toEqual(['appended', 'published']);
      });

      it('delivers everything stored before the durable was created, in order', async () => {
        const { subject, connect } = setup();
        const bus = await connect();
        for (let i = 1; i <= 5; i++) await bus.append(subject('task', 't', 'message'), { text: `m${i}` });
        const got = collector<[string, number]>();
        await bus.consume('TASKS', durableName(), subject('task', '>'), async (m) => {
          got.push([text(m), m.streamSeq]);
          m.ack();
        });
        expect(await got.upTo(5)).toEqual([1, 2, 3, 4, 5].map((i) => [`m${i}`, i]));
      });

      it('redelivers an un-acked message after ackWait, and not after an ack', async () => {
        const { subject, connect } = setup();
        const bus = await connect();
        const got = collector<DurableMessage>();
        await bus.consume(
          'TASKS',
          durableName(),
          subject('task', '>'),
          async (m) => {
            got.push(m);
            if (m.deliveryCount > 1) m.ack();
          },
          { ackWaitMs: 400 },
        );
        await bus.append(subject('task', 'r', 'message'), { text: 'again' });
        const [first, second] = await got.upTo(2);
        expect([first?.deliveryCount, second?.deliveryCount]).toEqual([1, 2]);
        expect(second?.streamSeq).toBe(first?.streamSeq);
        expect(second && text(second)).toBe('again');
        await quietPeriod(700);
        expect(got.items).toHaveLength(2);
      });

      it('redelivers a nak(delay) message after the delay', async () => {
        const { subject, connect } = setup();
        const bus = await connect();
        const got = collector<[number, number]>();
        await bus.consume(
          'TASKS',
          durableName(),
          subject('task', '>'),
          async (m) => {
            got.push([m.deliveryCount, Date.now()]);
            if (m.deliveryCount === 1) m.nak(300);
            else m.ack();
          },
          { ackWaitMs: 5_000 },
        );
        await bus.append(subject('task', 'n', 'message'), { text: 'later' });
        const [[count1, at1] = [0, 0], [count2, at2] = [0, 0]] = await got.upTo(2, 3_000);
        expect([count1, count2]).toEqual([1, 2]);
        expect(at2 - at1).toBeGreaterThanOrEqual(250);
      });

      it('never redelivers a terminated message', async () => {
        const { subject, connect } = setup();
        const bus = await connect();
        const got = collector<string>();
        await bus.consume(
          'TASKS',
          durableName(),
          subject('task', '>'),
          async (m) => {
            got.push(text(m));
            if (text(m) === 'poison') m.term();
            else m.ack();
          },
          { ackWaitMs: 300 },
        );
        await bus.append(subject('task', 'p', 'message'), { text: 'poison' });
        await bus.append(subject('task', 'p', 'message'), { text: 'next' });
        expect(await got.upTo(2)).toEqual(['poison', 'next']);
        await quietPeriod(700);
        expect(got.items).toEqual(['poison', 'next']);
      });

      it('stops delivering after maxDeliver deliveries', async () => {
        const { subject, connect } = setup();
        const bus = await connect();
        const got = collector<number>();
        await bus.consume(
          'TASKS',
          durableName(),
          subject('task', '>'),
          async (m) => got.push(m.deliveryCount),
          {
            ackWaitMs: 250,
            maxDeliver: 2,
          },
        );
        await bus.append(subject('task', 'm', 'message'), { text: 'never acked' });
        expect(await got.upTo(2)).toEqual([1, 2]);
        await quietPeriod(700);
        expect(got.items).toEqual([1, 2]);
      });

      it('resumes a durable where it stopped, from another instance too', async () => {
        const { subject, connect } = setup();
        const [first, second] = [await connect(), await connect()];
        const name = durableName();
        const before = collector<string>();
        const consumer = await first.consume('TASKS', name, subject('task', '>'), async (m) => {
          before.push(text(m));
          m.ack();
        });
        await first.append(subject('task', 'x', 'message'), { text: 'one' });
        await first.append(subject('task', 'x', 'message'), { text: 'two' });
        expect(await before.upTo(2)).toEqual(['one', 'two']);
        await consumer.stop();
        await first.append(subject('task', 'x', 'message'), { text: 'three' });
        const after = collector<[string, number]>();
        await second.consume(
          'TASKS',
          name,
          subject('task', '>'),
          async (m) => {
            after.push([text(m), m.deliveryCount]);
            m.ack();
          },
          { ackWaitMs: 2_000 },
        );
        await first.append(subject('task', 'x', 'message'), { text: 'four' });
        expect(await after.upTo(2)).toEqual([
          ['three', 1],
          ['four', 1],
        ]);
        expect(before.items).toEqual(['one', 'two']);
      });

      it('stores a msgId once within the duplicate window', async () => {
        const { subject, connect } = setup();
        const bus = await connect();
        const s = subject('task', 'd', 'message');
        const first = await bus.append(s, { text: 'once' }, { msgId: 'd:1:1' });
        const again = await bus.append(s, { text: 'once' }, { msgId: 'd:1:1' });
        expect(first.duplicate).toBe(false);
        expect(again).toEqual({ ...first, duplicate: true });
        await bus.publish(s, { text: 'plain dup' }, { msgId: 'd:1:2' });
        await bus.publish(s, { text: 'plain dup' }, { msgId: 'd:1:2' });
        await bus.append(s, { text: 'end' });
        const got = collector<string>();
        await bus.consume('TASKS', durableName(), subject('task', '>'), async (m) => {
          got.push(text(m));
          m.ack();
        });
        expect(await got.upTo(3)).toEqual(['once', 'plain dup', 'end']);
      });

      it('runs durable handlers in stream order, several at once with concurrency', async () => {
        const { subject, connect } = setup();
        const bus = await connect();
        for (let i = 0; i < 6; i++) await bus.append(subject('task', 'o', 'message'), { text: `${i}` });
        let running = 0;
        let peak = 0;
        const got = collector<string>();
        await bus.consume(
          'TASKS',
          durableName(),
          subject('task', '>'),
          async (m) => {
            running++;
            peak = Math.max(peak, running);
            await quietPeriod(30);
            running--;
            got.push(text(m));
            m.ack();
          },
          { concurrency: 3 },
        );
        expect((await got.upTo(6)).sort()).toEqual(['0', '1', '2', '3', '4', '5']);
        expect(peak).toBe(3);
      });

      it('consumes only the filtered subjects and refuses a filter outside the stream', async () => {
        const { subject, connect } = setup();
        const bus = await connect();
        const got = collector<string>();
        await bus.consume('TASKS', durableName(), subject('task', '*', 'complete'), async (m) => {
          got.push(text(m));
          m.ack();
        });
        await bus.append(subject('task', 'f', 'message'), { text: 'skip' });
        await bus.append(subject('task', 'f', 'complete'), { text: 'take' });
        expect(await got.upTo(1)).toEqual(['take']);
        await expect(
          bus.consume('TASKS', durableName(), subject('other', '>'), async () => {}),
        ).rejects.toBeInstanceOf(BusError);
      });

      it('refuses to resume a durable with another filter', async () => {
        const { subject, connect } = setup();
        const bus = await connect();
        const name = durableName();
        const consumer = await bus.consume('TASKS', name, subject('task', '*', 'message'), async (m) =>
          m.ack(),
        );
        await consumer.stop();
        const error = await rejectionOf(
          bus.consume('TASKS', name, subject('task', '>'), async (m) => m.ack()),
        );
        expect(error).toBeInstanceOf(BusError);
        expect(error.code).toBe('conflict');
      });

      it('uses the HELP stream for help responses', async () => {
        const { subject, connect } = setup();
        const bus = await connect();
        const got = collector<string>();
        await bus.consume('HELP', durableName(), subject('help', '*', 'response'), async (m) => {
          got.push(m.subject);
          m.ack();
        });
        await bus.publish(subject('help', 'r1', 'response'), { answers: null });
        expect(await got.upTo(1)).toEqual([subject('help', 'r1', 'response')]);
      });

      it('refuses an append on a subject no stream stores', async () => {
        const { subject, connect } = setup();
        const bus = await connect();
        await expect(bus.append(subject('nowhere'), {}, { timeoutMs: 1_000 })).rejects.toBeInstanceOf(
          NoRespondersError,
        );
      });
    });
  });
}
