import type { z } from 'zod';

/** How deep a free-form JSON field may nest (`{}` and `[]` are depth 1, scalars depth 0). */
export const MAX_JSON_DEPTH = 32;
/** Default size bound of one free-form JSON field (characters of its JSON text). */
export const MAX_JSON_FIELD_CHARS = 64 * 1024;

/** Limits of one `boundedJson` field. */
export interface JsonBounds {
  /** Default `MAX_JSON_DEPTH`. */
  maxDepth?: number;
  /** Default `MAX_JSON_FIELD_CHARS`. */
  maxChars?: number;
}

/** Why a value is outside its bounds, or `null` when it is within them. */
export type JsonBoundsViolation = { kind: 'depth'; limit: number } | { kind: 'size'; limit: number } | null;

/**
 * Checks the nesting depth and the JSON text length of `value` without recursion (a 100,000-deep
 * value must not overflow the stack of the code that rejects it), stopping as soon as a limit is
 * passed. The length counts characters as `JSON.stringify` writes them, except that an escape
 * (`\n`, `\u0000`) counts as one character. Values JSON cannot hold count as `null`.
 */
export function checkJsonBounds(value: unknown, bounds: JsonBounds = {}): JsonBoundsViolation {
  const maxDepth = bounds.maxDepth ?? MAX_JSON_DEPTH;
  const maxChars = bounds.maxChars ?? MAX_JSON_FIELD_CHARS;
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  let chars = 0;
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { value: item, depth } = next;
    if (typeof item === 'string') {
      chars += item.length + 2;
    } else if (typeof item === 'number' || typeof item === 'boolean') {
      chars += String(item).length;
    } else if (item !== null && typeof item === 'object') {
      if (depth + 1 > maxDepth) return { kind: 'depth', limit: maxDepth };
      const entries = Array.isArray(item) ? item : Object.entries(item);
      chars += 2 + Math.max(0, entries.length - 1);
      for (const entry of entries) {
        if (Array.isArray(item)) {
          stack.push({ value: entry, depth: depth + 1 });
        } else {
          const [key, member] = entry as [string, unknown];
          chars += key.length + 3;
          stack.push({ value: member, depth: depth + 1 });
        }
      }
    } else {
      chars += 4;
    }
    if (chars > maxChars) return { kind: 'size', limit: maxChars };
  }
  return null;
}

/**
 * `schema` with its value's nesting depth and JSON size bounded (see `checkJsonBounds`): for every
 * free-form JSON field a caller sends (options, metadata, payloads, answers), so that a deeply nested
 * or huge value is an `invalid_request` naming the field instead of a stack overflow further on.
 * The schema's own type and JSON Schema stay as they are; an object schema with bounds can no longer
 * be `.partial()`-ed, so bound the derived schema instead.
 */
export function boundedJson<S extends z.ZodType>(schema: S, bounds: JsonBounds = {}): S {
  return schema.check((ctx) => {
    const violation = checkJsonBounds(ctx.value, bounds);
    if (violation === null) return;
    ctx.issues.push({
      code: 'custom',
      input: ctx.value,
      message:
        violation.kind === 'depth'
          ? `JSON nested deeper than ${violation.limit} levels`
          : `JSON larger than ${violation.limit} characters`,
    });
  }) as S;
}
