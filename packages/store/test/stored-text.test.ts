import { describe, expect, it } from 'vitest';
import { storableJson, storableText } from '../src/stored-text.js';

describe('storable text', () => {
  it('replaces NUL and lone surrogates with U+FFFD and leaves other text alone', () => {
    expect(storableText('a\u0000b\u0000')).toBe('a\uFFFDb\uFFFD');
    expect(storableText('x\uD800y\uDC00z')).toBe('x\uFFFDy\uFFFDz');
    expect(storableText('ok 😀 é')).toBe('ok 😀 é');
  });

  it('never parses text as JSON: escapes typed in it stay as typed', () => {
    const typed = '{"cmd":"printf","arg":"\\u0000","hi":"\\ud800"}';
    expect(storableText(typed)).toBe(typed);
    expect(storableText('raw \\u0000 text')).toBe('raw \\u0000 text');
  });

  it('stringifies values with storable strings and keys', () => {
    expect(storableJson({ a: 'x\u0000', 'b\u0000': ['\uD800'] })).toBe(
      '{"a":"x\uFFFD","b\uFFFD":["\uFFFD"]}',
    );
    expect(storableJson(['\uD800', '\uDC00a', '😀', 'typed \\u0000'])).toBe(
      '["\uFFFD","\uFFFDa","😀","typed \\\\u0000"]',
    );
  });
});
