import { formatArrayLiteral, parseArrayLiteral } from './array-literal.js';
import { CorruptValueError, StoreError } from './errors.js';
import { storableJson, storableText } from './stored-text.js';

/** Turns one column value, in PostgreSQL's text output format, into its JS value. */
export type TextParser = (text: string) => unknown;

const MAX_INT8 = BigInt(Number.MAX_SAFE_INTEGER);

const identity: TextParser = (text) => text;
const toNumber: TextParser = (text) => Number(text);

/** int8 → number; a value beyond ±(2^53−1) cannot be represented exactly and is an error. */
const parseInt8: TextParser = (text) => {
  const value = BigInt(text);
  if (value > MAX_INT8 || value < -MAX_INT8) {
    throw new CorruptValueError(`int8 value ${text} is beyond ±(2^53−1) and cannot be a JS number`);
  }
  return Number(value);
};

const parseBytea: TextParser = (text) => {
  // bytea_output = hex is the default on both PostgreSQL 15 and PGlite.
  if (!text.startsWith('\\x')) throw new CorruptValueError('bytea value is not in hex format');
  return Buffer.from(text.slice(2), 'hex');
};

const TIMESTAMP =
  /^(\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?)?( BC)?$/;

/**
 * Parses `timestamp`/`timestamptz` text (DateStyle ISO, any TimeZone) into a UTC ISO string with
 * millisecond precision (`toISOString()` format). A value without an offset (`timestamp`) is read as
 * UTC. `infinity` and `-infinity` have no ISO form and are returned as is.
 */
const parseTimestamp: TextParser = (text) => {
  if (text === 'infinity' || text === '-infinity') return text;
  const m = TIMESTAMP.exec(text);
  if (!m) throw new CorruptValueError(`unexpected timestamp format: ${text}`);
  const [, y, mo, d, h, mi, s, frac, sign, oh, om, os, bc] = m;
  const year = bc ? 1 - Number(y) : Number(y);
  const ms = Number((frac ?? '').padEnd(3, '0').slice(0, 3));
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  date.setUTCFullYear(year, Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), ms);
  if (sign) {
    const offsetSeconds = Number(oh) * 3600 + Number(om ?? 0) * 60 + Number(os ?? 0);
    date.setTime(date.getTime() - (sign === '+' ? 1 : -1) * offsetSeconds * 1000);
  }
  return date.toISOString();
};

/** Scalar type OIDs (stable across PostgreSQL versions) with their element parser. */
const SCALARS: ReadonlyArray<readonly [oid: number, arrayOid: number, parse: TextParser]> = [
  [16, 1000, (text) => text === 't'], // bool
  [17, 1001, parseBytea], // bytea
  [18, 1002, identity], // "char"
  [19, 1003, identity], // name
  [20, 1016, parseInt8], // int8
  [21, 1005, toNumber], // int2
  [23, 1007, toNumber], // int4
  [25, 1009, identity], // text
  [26, 1028, toNumber], // oid
  [114, 199, (text) => JSON.parse(text)], // json
  [700, 1021, toNumber], // float4 (real[] is the portable vector fallback)
  [701, 1022, toNumber], // float8
  [1042, 1014, identity], // bpchar
  [1043, 1015, identity], // varchar
  [1082, 1182, identity], // date stays 'YYYY-MM-DD'
  [1083, 1183, identity], // time
  [1114, 1115, parseTimestamp], // timestamp
  [1184, 1185, parseTimestamp], // timestamptz
  [1186, 1187, identity], // interval
  [1700, 1231, identity], // numeric stays an exact decimal string
  [2950, 2951, identity], // uuid
  [3802, 3807, (text) => JSON.parse(text)], // jsonb
];

/**
 * The store's parsers by type OID, scalars and their arrays. Both drivers are given exactly this
 * table (and text passthrough for every other type), which is what makes rows identical across them.
 */
export const VALUE_PARSERS: ReadonlyMap<number, TextParser> = new Map(
  SCALARS.flatMap(([oid, arrayOid, parse]) => [
    [oid, parse],
    [arrayOid, (text: string) => parseArrayLiteral(text, parse)],
  ]),
);

/** The parser for a type OID; types the store does not know stay text. */
export function parserFor(oid: number): TextParser {
  return VALUE_PARSERS.get(oid) ?? identity;
}

function encodeScalar(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      return storableText(value);
    case 'number':
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw new StoreError('invalid Date passed as a query parameter');
        return value.toISOString();
      }
      if (value instanceof Uint8Array)
        return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
      if (Array.isArray(value)) return formatArrayLiteral(value, encodeScalar);
      return storableJson(value);
    default:
      throw new StoreError(`cannot pass a ${typeof value} as a query parameter`);
  }
}

/**
 * Encodes one query parameter as PostgreSQL text, identically for both drivers: strings as is
 * except that raw NUL and lone surrogates (which PostgreSQL refuses in text) become U+FFFD, also in
 * the strings and keys of objects (see `stored-text.ts`); a string is never parsed as JSON, so its
 * escapes stay as typed,
 * numbers/bigints/booleans as their text, `Date` as an ISO string, `Uint8Array`/`Buffer` as bytea hex,
 * arrays as array literals (for array-typed parameters), other objects as JSON, `null`/`undefined`
 * as NULL. A JSON array (or any JSON) for a json/jsonb parameter must be passed as `storableJson(value)`.
 */
export function encodeParam(value: unknown): string | null {
  return encodeScalar(value);
}
