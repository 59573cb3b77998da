import { describe, expect, it } from 'vitest';
import { formatArrayLiteral, parseArrayLiteral } from '../src/array-literal.js';
import { CorruptValueError } from '../src/errors.js';
import { encodeParam, parserFor } from '../src/values.js';

const TIMESTAMPTZ = 1184;
const TIMESTAMP = 1114;

describe('value parsers', () => {
  it('reads timestamps with any offset, far years and BC as UTC ISO strings', () => {
    const parse = parserFor(TIMESTAMPTZ);
    expect(parse('2024-01-01 00:00:00+05:30')).toBe('2023-12-31T18:30:00.000Z');
    expect(parse('1900-01-01 00:00:00+00:19:32')).toBe('1899-12-31T23:40:28.000Z');
    expect(parse('2024-06-30 23:59:59.999999-07')).toBe('2024-07-01T06:59:59.999Z');
    expect(parse('0099-01-01 00:00:00+00')).toBe('0099-01-01T00:00:00.000Z');
    expect(parse('0001-01-01 00:00:00+00 BC')).toBe('0000-01-01T00:00:00.000Z');
    expect(parse('-infinity')).toBe('-infinity');
    expect(parserFor(TIMESTAMP)('2024-02-29 12:00:00.5')).toBe('2024-02-29T12:00:00.500Z');
    expect(() => parse('Thu Feb 29 12:00:00 2024')).toThrow(CorruptValueError);
  });

  it('keeps unknown types as text', () => {
    expect(parserFor(600)('(1,2)')).toBe('(1,2)');
  });
});

describe('array literals', () => {
  it('parses quoting, escapes, NULL and nesting', () => {
    expect(parseArrayLiteral('{"a\\\\b","c\\"d",NULL,"NULL",plain}', (s) => s)).toEqual([
      'a\\b',
      'c"d',
      null,
      'NULL',
      'plain',
    ]);
    expect(parseArrayLiteral('{{1,2},{3,4}}', Number)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(parseArrayLiteral('[2:3]={5,6}', Number)).toEqual([5, 6]);
    expect(() => parseArrayLiteral('{1,2', Number)).toThrow(CorruptValueError);
  });

  it('round-trips what it formats', () => {
    const values = ['a,b', 'c"d', 'e\\f', '{x}', null, ''];
    const literal = formatArrayLiteral(values, (v) => (v === null ? null : String(v)));
    expect(parseArrayLiteral(literal, (s) => s)).toEqual(values);
  });
});

describe('parameter encoding', () => {
  it('encodes every supported value as text', () => {
    expect(encodeParam(undefined)).toBeNull();
    expect(encodeParam(12n)).toBe('12');
    expect(encodeParam(false)).toBe('false');
    expect(encodeParam(new Uint8Array([1, 254]))).toBe('\\x01fe');
    expect(encodeParam({ a: [1] })).toBe('{"a":[1]}');
    expect(encodeParam([new Date('2024-01-01T00:00:00Z'), null])).toBe('{"2024-01-01T00:00:00.000Z",NULL}');
    expect(() => encodeParam(new Date('nope'))).toThrow();
    expect(() => encodeParam(Symbol('x'))).toThrow();
  });
});
