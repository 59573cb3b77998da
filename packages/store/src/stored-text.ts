/**
 * Text PostgreSQL cannot store, made storable at the Db boundary (identically on both drivers).
 *
 * PostgreSQL refuses U+0000 in `text` (invalid byte sequence) and the `\u0000` escape in `jsonb`
 * (unsupported Unicode escape), and a lone UTF-16 surrogate escape (`\ud800`) in `jsonb`. Such text
 * arrives from anywhere (a prompt, a search query, a web page or SSH output an agent reports), so
 * every parameter is cleaned here rather than in each repository. Each of these becomes U+FFFD
 * REPLACEMENT CHARACTER: unlike stripping, it keeps the text's length and shows a reader that
 * something was there, which is the honest record of what could not be stored.
 */

/** What a NUL (or a lone surrogate) becomes in stored text. */
const REPLACEMENT_CHARACTER = '\uFFFD';

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what this removes
const NUL = /\u0000/g;
/** A lone surrogate (a high one not followed by a low one, or a low one not preceded by a high one). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/**
 * In JSON text: a `\u0000` escape, or an escape of a lone surrogate, that starts an escape (preceded
 * by an even number of backslashes, so `\\u0000`, an escaped backslash before `u0000`, is left alone).
 * Group 1 keeps the escaped backslashes before it.
 */
const JSON_BAD_ESCAPE =
  /(?<!\\)((?:\\\\)*)\\u(?:0000|[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})|(?<!\\u[dD][89abAB][0-9a-fA-F]{2}\\u)[dD][c-fC-F][0-9a-fA-F]{2})/g;

/** `text` with every NUL and lone surrogate replaced by U+FFFD; the same string when it has none. */
export function storableText(text: string): string {
  return text.replace(NUL, REPLACEMENT_CHARACTER).replace(LONE_SURROGATE, REPLACEMENT_CHARACTER);
}

/**
 * A string parameter made storable in a `text` and in a `json`/`jsonb` column (the Db does not know
 * the column type, and repositories pass JSON as `JSON.stringify(value)`): raw NULs and lone
 * surrogates become U+FFFD, and, when the string is a JSON document, so do its `\u0000` and
 * lone-surrogate escapes (as `\ufffd`). Text that is not valid JSON keeps such escapes verbatim.
 */
export function storableString(text: string): string {
  const clean = storableText(text);
  if (!clean.includes('\\u')) return clean;
  JSON_BAD_ESCAPE.lastIndex = 0;
  if (!JSON_BAD_ESCAPE.test(clean)) return clean;
  try {
    JSON.parse(clean);
  } catch {
    return clean;
  }
  return clean.replace(JSON_BAD_ESCAPE, '$1\\ufffd');
}

/** `JSON.stringify` of `value` with every string and key made storable (see `storableText`). */
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
