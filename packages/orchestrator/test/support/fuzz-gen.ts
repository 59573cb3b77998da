/**
 * A deterministic generator of hostile inputs for the fuzz test: a seeded PRNG (mulberry32) and
 * values that break naive code — NUL and control characters, lone surrogates and other unicode
 * oddities, huge strings, deep nesting, wrong types, prototype keys, many keys — plus raw HTTP bodies
 * that are not JSON at all.
 */
export class FuzzGen {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** A hostile string: `maxLength` bounds the huge ones. */
  string(maxLength: number): string {
    switch (this.int(12)) {
      case 0:
        return `a\u0000b${'\u0000'.repeat(this.int(20))}`;
      case 1:
        return Array.from({ length: 1 + this.int(40) }, () => String.fromCharCode(this.int(32))).join('');
      case 2:
        return this.pick(['\ud800', '\udfff', 'x\ud83d', '\udc00y', '\ud83d\ud83d', 'a\ud800\u0000']);
      case 3:
        return this.pick([
          '\u202e',
          '\u200b\u200d',
          '\ufeff',
          '\uffff\ufffe',
          '\u2028\u2029\u0085',
          '\u007f',
        ]);
      case 4:
        return `e${'\u0301'.repeat(1 + this.int(500))}`;
      case 5:
        return 'x'.repeat(Math.min(maxLength, 1_000 + this.int(maxLength)));
      case 6:
        return this.pick(['NaN', 'Infinity', '-1', '1e999', '0x10', ' 1', '', ' ', '\t', 'null', 'true']);
      case 7:
        return this.pick(['../../etc/passwd', '%00', '%ZZ', '%C0%80', '%FF%FE', '$(reboot)', "';--", '*']);
      case 8:
        return this.pick(['figaro.api.>', 'a.b.*', 'x y', 'a\nb', 'a\r\nSet-Cookie: x=1', '<script>']);
      case 9:
        return '🤖'.repeat(1 + this.int(100));
      case 10:
        return this.pick(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']);
      default:
        return String.fromCodePoint(
          ...Array.from({ length: 1 + this.int(20) }, () => this.int(0x110000)).map((cp) =>
            cp >= 0xd800 && cp <= 0xdfff ? cp + 0x800 : cp,
          ),
        );
    }
  }

  /** A value of a hostile shape; `maxDepth` bounds nesting (JSON.stringify recurses). */
  value(maxLength: number, maxDepth: number): unknown {
    switch (this.int(10)) {
      case 0:
      case 1:
      case 2:
        return this.string(maxLength);
      case 3:
        return this.pick([0, -1, -0, 1.5, 1e308, -1e308, 2 ** 53 + 1, 4_294_967_296, Number.MIN_VALUE]);
      case 4:
        return this.pick([true, false, null]);
      case 5:
        return this.deep(33 + this.int(maxDepth));
      case 6:
        return this.pick([[], {}, [null], [[]], { '': '' }]);
      case 7:
        return JSON.parse(
          this.pick(['{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}']),
        );
      case 8:
        return Object.fromEntries(
          Array.from({ length: 1 + this.int(500) }, (_, i) => [`${this.string(20)}${i}`, i]),
        );
      default:
        return Array.from({ length: 1 + this.int(5) }, () => this.string(64));
    }
  }

  /** Arrays or objects nested `depth` levels. */
  deep(depth: number): unknown {
    const object = this.chance(0.5);
    let text = '';
    for (let i = 0; i < depth; i++) text += object ? '{"a":' : '[';
    text += '1';
    for (let i = 0; i < depth; i++) text += object ? '}' : ']';
    return JSON.parse(text);
  }

  /**
   * A payload for a request whose fields are `fields`: one to three known fields set to hostile
   * values (sometimes beside garbage keys), or a hostile value in place of the whole object.
   */
  payload(fields: readonly string[], maxLength: number, maxDepth: number): unknown {
    if (fields.length === 0 || this.chance(0.2)) return this.value(maxLength, maxDepth);
    const out: Record<string, unknown> = {};
    for (let i = 0, n = 1 + this.int(3); i < n; i++) out[this.pick(fields)] = this.value(maxLength, maxDepth);
    if (this.chance(0.2)) out[this.string(30)] = this.value(64, 4);
    return out;
  }

  /** A raw HTTP body that is not a JSON object, as text. */
  rawBody(maxLength: number): string {
    switch (this.int(8)) {
      case 0:
        return '{"prompt": "x",';
      case 1:
        return `{"prompt":"a${'\u0000'}b"}`;
      case 2:
        return `\ufeff{"prompt":"bom"`;
      case 3:
        return '{"a":1}{"b":2}';
      case 4:
        return `${'['.repeat(50_000 + this.int(50_000))}${']'.repeat(10)}`;
      case 5: {
        const depth = 10_000 + this.int(90_000);
        return `{"prompt":"x","options":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
      }
      case 6:
        return `{"prompt":"${'x'.repeat(Math.min(maxLength, 100_000 + this.int(maxLength)))}"}`;
      default:
        return this.pick(['null', '42', '"text"', 'true', '[]', '\u0000', 'prompt=x&a=b']);
    }
  }
}

/** Percent-encodes every byte of the UTF-8 form of `text` that is not unreserved (lone surrogates become U+FFFD). */
export function encodePart(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.~-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
