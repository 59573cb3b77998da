import { describe, expect, it } from 'vitest';
import { MemoryStream } from '../src/memory-stream.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('MemoryStream', () => {
  const definition = { name: 'S', subjects: ['s.>'], maxAgeMs: 1_000, duplicateWindowMs: 100 };

  it('removes messages older than maxAge', () => {
    let now = 0;
    const stream = new MemoryStream(definition, () => now);
    stream.append('s.a', bytes('1'), {});
    now = 600;
    stream.append('s.a', bytes('2'), {});
    now = 1_200;
    expect(stream.get(1)).toBeUndefined();
    expect(stream.next(1, 's.>')?.seq).toBe(2);
  });

  it('forgets a msgId once the duplicate window has passed', () => {
    let now = 0;
    const stream = new MemoryStream(definition, () => now);
    const headers = { 'Nats-Msg-Id': 'k' };
    expect(stream.append('s.a', bytes('1'), headers)).toEqual({ stream: 'S', seq: 1, duplicate: false });
    now = 50;
    expect(stream.append('s.a', bytes('1'), headers)).toEqual({ stream: 'S', seq: 1, duplicate: true });
    now = 200;
    expect(stream.append('s.a', bytes('1'), headers)).toEqual({ stream: 'S', seq: 2, duplicate: false });
  });

  it('finds the next message matching a filter', () => {
    const stream = new MemoryStream(definition);
    stream.append('s.a.message', bytes('1'), {});
    stream.append('s.b.complete', bytes('2'), {});
    expect(stream.next(1, 's.*.complete')?.seq).toBe(2);
    expect(stream.next(3, 's.>')).toBeUndefined();
  });
});
