import { describe, expect, it } from 'vitest';
import { ClientMessage } from '../src/rfb/messages.js';

describe('RFB client messages', () => {
  it('encodes ClientCutText as Latin-1 with a length prefix', () => {
    const message = ClientMessage.clientCutText('café €');
    expect([...message.subarray(0, 8)]).toEqual([6, 0, 0, 0, 0, 0, 0, 6]);
    expect(message.subarray(8).toString('latin1')).toBe('café ?');
  });

  it('encodes pointer and key events', () => {
    expect([...ClientMessage.pointerEvent(0b1000, 300, 2)]).toEqual([5, 8, 1, 44, 0, 2]);
    expect([...ClientMessage.keyEvent(true, 0x0100_20ac)]).toEqual([4, 1, 0, 0, 1, 0, 0x20, 0xac]);
  });
});
