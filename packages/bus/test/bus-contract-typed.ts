import { uniqueToken } from '@figaro/testkit';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { consumeEvent, consumeEvents, type DurableMessage, type ParsedEvent } from '../src/testing.js';
import { type MakeBus, Note, useContractBuses } from './bus-contract.js';
import { collector, quietPeriod, recordingLogger } from './helpers.js';

const Done = z.object({ id: z.number().int(), result: z.string().default('ok') });

/** The typed durable consumer (`consumeEvents`/`consumeEvent`) over every Bus implementation. */
export function typedDurableContract(name: string, makeBus: MakeBus): void {
  describe(`${name} (Bus contract: typed durable consumers)`, () => {
    const setup = useContractBuses(makeBus);

    /** Two kinds of events under `<prefix>.task.*.{note|done}`, as the task-event ingestor reads them. */
    function kinds(subject: (...parts: string[]) => string) {
      return {
        note: { name: 'test.note', pattern: subject('task', '*', 'note'), schema: Note },
        done: { name: 'test.done', pattern: subject('task', '*', 'done'), schema: Done },
      } as const;
    }

    it('hands each stored event to the handler parsed with its kind, and acks what matches no kind', async () => {
      const { subject, connect } = setup();
      const bus = await connect();
      const events = kinds(subject);
      const got = collector<ParsedEvent<typeof events>>();
      const subjects = collector<string>();
      await bus.append(subject('task', 'a', 'note'), { id: 1, text: 'first' });
      await bus.append(subject('task', 'a', 'input'), { anything: true });
      await bus.append(subject('task', 'a', 'done'), { id: 2 });
      await consumeEvents(
        bus,
        'TASKS',
        uniqueToken('d'),
        subject('task', '>'),
        events,
        async (event, msg) => {
          got.push(event);
          subjects.push(msg.subject);
          msg.ack();
        },
        { ackWaitMs: 300 },
      );

      expect(await got.upTo(2)).toEqual([
        { kind: 'note', payload: { id: 1, text: 'first' } },
        { kind: 'done', payload: { id: 2, result: 'ok' } },
      ]);
      const [first] = got.items;
      // The payload's type follows its kind: no cast needed to read a note's text.
      if (first?.kind === 'note') expect(first.payload.text).toBe('first');
      await quietPeriod(700);
      expect(subjects.items).toEqual([subject('task', 'a', 'note'), subject('task', 'a', 'done')]);
    });

    it('terminates an invalid event, hands it to onInvalid once and goes on with the next', async () => {
      const { subject, connect } = setup();
      const bus = await connect();
      const logger = recordingLogger();
      const invalid = collector<[string, number]>();
      const got = collector<number>();
      await consumeEvents(
        bus,
        'TASKS',
        uniqueToken('d'),
        subject('task', '>'),
        kinds(subject),
        async (event, msg) => {
          got.push(event.payload.id);
          msg.ack();
        },
        {
          ackWaitMs: 300,
          logger: logger.logger,
          onInvalid: async (msg) => invalid.push([msg.subject, msg.deliveryCount]),
        },
      );
      await bus.append(subject('task', 'b', 'note'), { id: 'not a number', text: 'bad' });
      await bus.append(subject('task', 'b', 'note'), { id: 3, text: 'good' });

      expect(await got.upTo(1)).toEqual([3]);
      expect(await invalid.upTo(1)).toEqual([[subject('task', 'b', 'note'), 1]]);
      await quietPeriod(700);
      expect(invalid.items).toHaveLength(1);
      expect(logger.entries.some((e) => e.message === 'invalid stored event terminated')).toBe(true);
    });

    it('redelivers the same typed event after nak(delay)', async () => {
      const { subject, connect } = setup();
      const bus = await connect();
      const got = collector<[number, number]>();
      await consumeEvent(
        bus,
        'TASKS',
        uniqueToken('d'),
        kinds(subject).done,
        async (payload, msg: DurableMessage) => {
          got.push([payload.id, msg.deliveryCount]);
          if (msg.deliveryCount === 1) msg.nak(100);
          else msg.ack();
        },
        { ackWaitMs: 5_000 },
      );
      await bus.append(subject('task', 'c', 'done'), { id: 4, result: 'fine' });
      await bus.append(subject('task', 'c', 'note'), { id: 5, text: 'not this consumer' });

      expect(await got.upTo(2)).toEqual([
        [4, 1],
        [4, 2],
      ]);
      await quietPeriod(300);
      expect(got.items).toHaveLength(2);
    });
  });
}
