import { storableJson, storableText } from './stored-text.js';

/**
 * Structural equality of JSON values, ignoring object key order (jsonb does not keep it). Values
 * that JSON cannot hold (`undefined` members) should be removed first, e.g. by a JSON round trip.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  return aKeys.every((key) => Object.hasOwn(b, key) && jsonEqual(Reflect.get(a, key), Reflect.get(b, key)));
}

/**
 * `value` as it comes back from a json/jsonb or text column (undefined members dropped, Dates as
 * strings, NUL and lone surrogates as U+FFFD as the Db stores them).
 */
export function asStoredJson(value: unknown): unknown {
  if (value === undefined) return undefined;
  // A string is a text column's value, stored as `encodeParam` sends it.
  if (typeof value === 'string') return storableText(value);
  return JSON.parse(storableJson(value));
}
