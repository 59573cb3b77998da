import { CorruptValueError } from './errors.js';

/**
 * Parses PostgreSQL's text form of an array (`{1,2,NULL}`, `{{"a,b","c\"d"}}`, `[0:1]={7,8}`) into
 * nested JS arrays, converting each element with `parseElement`. Unquoted `NULL` is `null`.
 */
export function parseArrayLiteral(text: string, parseElement: (element: string) => unknown): unknown[] {
  // A lower bound other than 1 is printed as a dimension decoration before `=`; JS arrays start at 0.
  let i = text.startsWith('[') ? text.indexOf('=') + 1 : 0;
  const malformed = () => new CorruptValueError(`malformed array literal: ${text.slice(0, 200)}`);

  const parseArray = (): unknown[] => {
    if (text[i] !== '{') throw malformed();
    i++;
    const out: unknown[] = [];
    if (text[i] === '}') {
      i++;
      return out;
    }
    for (;;) {
      const ch = text[i];
      if (ch === '{') {
        out.push(parseArray());
      } else if (ch === '"') {
        i++;
        let element = '';
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\') i++;
          element += text[i] ?? '';
          i++;
        }
        if (text[i] !== '"') throw malformed();
        i++;
        out.push(parseElement(element));
      } else {
        const start = i;
        while (i < text.length && text[i] !== ',' && text[i] !== '}') i++;
        const raw = text.slice(start, i).trim();
        out.push(raw.toUpperCase() === 'NULL' ? null : parseElement(raw));
      }
      if (text[i] === ',') {
        i++;
      } else if (text[i] === '}') {
        i++;
        return out;
      } else {
        throw malformed();
      }
    }
  };

  const result = parseArray();
  if (i !== text.length) throw malformed();
  return result;
}

/**
 * Writes a JS array as an array literal. Every element is quoted (so commas, braces, quotes and
 * backslashes survive); `null`/`undefined` become `NULL`; nested arrays become nested braces.
 */
export function formatArrayLiteral(
  values: readonly unknown[],
  encode: (value: unknown) => string | null,
): string {
  const parts = values.map((value) => {
    if (Array.isArray(value)) return formatArrayLiteral(value, encode);
    const encoded = value === undefined ? null : encode(value);
    if (encoded === null) return 'NULL';
    return `"${encoded.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  });
  return `{${parts.join(',')}}`;
}
