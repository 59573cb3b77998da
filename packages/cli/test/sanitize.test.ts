import { describe, expect, it } from 'vitest';
import { clip, fields, sanitize, table } from '../src/commands/format.js';

describe('sanitize (issue 8, defect 9)', () => {
  it('removes escape sequences with their parameters and keeps the text around them', () => {
    const cases: Array<[string, string]> = [
      ['\u001b[31mred\u001b[0m', 'red'],
      ['a\u001b[2J\u001b[Hb', 'ab'],
      ['\u001b]0;window title\u0007text', 'text'],
      ['\u001b]52;c;ZXZpbA==\u001b\\clip', 'clip'],
      ['\u001bP1$qm\u001b\\dcs', 'dcs'],
      ['x\u009b2Jy', 'xy'],
      ['x\u009d0;title\u009cy', 'xy'],
      ['\u001b(Bcharset', 'charset'],
      ['\u001b7saved\u001b8', 'saved'],
      ['unterminated \u001b]0;title', 'unterminated '],
      ['lone \u001b', 'lone '],
    ];
    for (const [input, output] of cases) expect(sanitize(input), JSON.stringify(input)).toBe(output);
  });

  it('removes other control characters but keeps newlines, tabs and other Unicode', () => {
    expect(sanitize('a\u0000b\u0007c\u0008d\u007fe\u0085f')).toBe('abcdef');
    expect(sanitize('line 1\r\nline 2\rover')).toBe('line 1\nline 2over');
    expect(sanitize('tab\there\nnext — ünïcødé 日本 🎉')).toBe('tab\there\nnext — ünïcødé 日本 🎉');
  });

  it('is applied by clip, table and fields, so widths count visible characters', () => {
    expect(clip('\u001b[1mbold\u001b[0m text', 20)).toBe('bold text');
    expect(table(['A', 'B'], [['\u001b[31mx\u001b[0m', 'y']])).toBe('A  B\nx  y');
    expect(fields([['k', '\u001b]0;t\u0007v']])).toBe('k  v');
  });
});
