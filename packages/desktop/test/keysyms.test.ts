import { describe, expect, it } from 'vitest';
import { keysymForChar, keysymForName, parseKeys } from '../src/keysyms.js';

describe('key names', () => {
  it('maps friendly names and X11 names to keysyms, case-insensitively', () => {
    expect(keysymForName('Return')).toBe(0xff0d);
    expect(keysymForName('enter')).toBe(0xff0d);
    expect(keysymForName('Page_Up')).toBe(0xff55);
    expect(keysymForName('pgdn')).toBe(0xff56);
    expect(keysymForName('F5')).toBe(0xffc2);
    expect(keysymForName('F12')).toBe(0xffc9);
    expect(keysymForName('super')).toBe(0xffeb);
    expect(keysymForName('cmd')).toBe(0xffeb);
    expect(keysymForName('ESC')).toBe(0xff1b);
    expect(keysymForName('KP_5')).toBe(0xffb5);
    expect(keysymForName('0xff0d')).toBe(0xff0d);
  });

  it('parses chords and sequences of chords', () => {
    expect(parseKeys('ctrl+c')).toEqual([[0xffe3, 0x63]]);
    expect(parseKeys('shift+Tab')).toEqual([[0xffe1, 0xff09]]);
    expect(parseKeys('ctrl+a Delete')).toEqual([[0xffe3, 0x61], [0xffff]]);
    expect(parseKeys('ctrl++')).toEqual([[0xffe3, 0x2b]]);
    expect(parseKeys('ctrl+plus')).toEqual([[0xffe3, 0x2b]]);
  });

  it('sends the shifted character when Shift is part of the chord, as a keyboard would', () => {
    expect(parseKeys('shift+h')).toEqual([[0xffe1, 0x48]]);
    expect(parseKeys('ctrl+shift+t')).toEqual([[0xffe3, 0xffe1, 0x54]]);
    expect(parseKeys('shift+1')).toEqual([[0xffe1, 0x21]]);
    expect(parseKeys('shift+\\')).toEqual([[0xffe1, 0x7c]]);
    expect(parseKeys('shift+Tab')).toEqual([[0xffe1, 0xff09]]);
  });

  it('rejects unknown names with invalid_request', () => {
    expect(() => parseKeys('ctrl+nosuchkey')).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    expect(() => parseKeys('ctrl+')).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    expect(() => parseKeys('  ')).toThrow(expect.objectContaining({ code: 'invalid_request' }));
  });

  it('types Latin-1 as code points and other Unicode as 0x01000000 + code point', () => {
    expect(keysymForChar('a')).toBe(0x61);
    expect(keysymForChar('A')).toBe(0x41);
    expect(keysymForChar('é')).toBe(0xe9);
    expect(keysymForChar('€')).toBe(0x010020ac);
    expect(keysymForChar('😀')).toBe(0x0101f600);
    expect(keysymForChar('\n')).toBe(0xff0d);
    expect(keysymForChar('\t')).toBe(0xff09);
  });
});
