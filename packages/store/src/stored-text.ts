/**
 * Text PostgreSQL cannot store, made storable at the Db boundary (identically on both drivers).
 *
 * PostgreSQL refuses U+0000 in `text` (invalid byte sequence) and the `\u0000` escape in `jsonb`
 * (unsupported Unicode escape), and a lone UTF-16 surrogate escape (`\ud800`) in `jsonb`. Such text
 * arrives from anywhere (a prompt, a search query, a web page or SSH output an agent reports), so
 * every string parameter's raw NULs and lone surrogates are replaced at the Db (`encodeParam`), and
 * every JSON value a repository writes goes through `storableJson`. Text is never parsed to guess
 * whether it is JSON: typed `\u0000` (six characters) in a prompt is stored as typed. Each NUL and
 * lone surrogate becomes U+FFFD REPLACEMENT CHARACTER: unlike stripping, it keeps the text's length and shows a reader that
 * something was there, which is the honest record of what could not be stored.
 */

/** What a NUL (or a lone surrogate) becomes in stored text. */
const REPLACEMENT_CHARACTER = '\uFFFD';

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what this removes
const NUL = /\u0000/g;
/** A lone surrogate (a high one not followed by a low one, or a low one not preceded by a high one). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** `text` with every NUL and lone surrogate replaced by U+FFFD; the same string when it has none. */
export function storableText(text: string): string {
  return text.replace(NUL, REPLACEMENT_CHARACTER).replace(LONE_SURROGATE, REPLACEMENT_CHARACTER);
}

/**
 * `JSON.stringify` of `value` with every string and key made storable (see `storableText`): what a
 * repository passes for a json/jsonb parameter. The Db never guesses whether a string is JSON, so a
 * `JSON.stringify` result holding a NUL or lone surrogate (as an escape) would be refused there.
 */
export function storableJson(value: unknown): string {
  return JSON.stringify(value, storableReplacer);
}

function storableReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  if (keys.every((key) => storableText(key) === key)) return value;
  return Object.fromEntries(keys.map((key) => [storableText(key), Reflect.get(value, key)]));
}
