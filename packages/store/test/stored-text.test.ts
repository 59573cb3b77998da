import { describe, expect, it } from 'vitest';
import { storableJson, storableString, storableText } from '../src/stored-text.js';

describe('storable text', () => {
  it('replaces NUL and lone surrogates with U+FFFD and leaves other text alone', () => {
    expect(storableText('a\u0000b\u0000')).toBe('a\uFFFDb\uFFFD');
    expect(storableText('x\uD800y\uDC00z')).toBe('x\uFFFDy\uFFFDz');
    expect(storableText('ok 😀 é')).toBe('ok 😀 é');
  });

  it('replaces NUL and lone-surrogate escapes in a JSON document only', () => {
    expect(storableString(JSON.stringify({ a: 'x\u0000y', 'k\u0000': 1 }))).toBe(
      '{"a":"x\\ufffdy","k\\ufffd":1}',
    );
    expect(storableString(JSON.stringify(['\uD800', '\uDC00a', '😀']))).toBe('["\\ufffd","\\ufffda","😀"]');
    expect(storableString('["\\ud83d\\ude00"]')).toBe('["\\ud83d\\ude00"]');
    // An escaped backslash before u0000 is text, not an escape.
    expect(storableString(JSON.stringify('\\u0000'))).toBe('"\\\\u0000"');
    // Not JSON: the characters stay as typed.
    expect(storableString('raw \\u0000 text')).toBe('raw \\u0000 text');
  });

  it('stringifies values with storable strings and keys', () => {
    expect(storableJson({ a: 'x\u0000', 'b\u0000': ['\uD800'] })).toBe(
      '{"a":"x\uFFFD","b\uFFFD":["\uFFFD"]}',
    );
  });
});
