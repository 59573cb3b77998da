/**
 * NATS subject rules, shared by both buses so that MemoryBus refuses what nats-server refuses.
 * A subject is dot-separated non-empty tokens without whitespace; in a pattern `*` stands for exactly
 * one token and `>` (last token only) for one or more trailing tokens.
 */

const WHITESPACE = /\s/;

function tokensOf(kind: string, value: string): string[] {
  const tokens = value.split('.');
  if (value.length === 0 || tokens.some((token) => token.length === 0 || WHITESPACE.test(token))) {
    throw new TypeError(`invalid ${kind} ${JSON.stringify(value)}`);
  }
  return tokens;
}

/** Throws a TypeError unless `subject` is a concrete subject one may publish to (no wildcards). */
export function checkSubject(subject: string): void {
  const tokens = tokensOf('subject', subject);
  if (tokens.some((token) => token === '*' || token === '>')) {
    throw new TypeError(`invalid subject ${JSON.stringify(subject)}: wildcards are for subscriptions`);
  }
}

/** Throws a TypeError unless `pattern` is a valid subscription pattern. */
export function checkPattern(pattern: string): void {
  const tokens = tokensOf('pattern', pattern);
  if (tokens.slice(0, -1).includes('>')) {
    throw new TypeError(`invalid pattern ${JSON.stringify(pattern)}: '>' must be the last token`);
  }
}

/** True when the concrete `subject` is matched by `pattern`. */
export function subjectMatches(pattern: string, subject: string): boolean {
  return patternCovers(pattern, subject);
}

/**
 * True when every subject matched by `inner` is also matched by `outer` (a concrete subject is a
 * pattern matching only itself). Used to check a consumer filter against a stream's subjects.
 */
export function patternCovers(outer: string, inner: string): boolean {
  const outerTokens = outer.split('.');
  const innerTokens = inner.split('.');
  for (let i = 0; i < outerTokens.length; i++) {
    const o = outerTokens[i];
    const n = innerTokens[i];
    if (o === '>') return n !== undefined;
    if (n === undefined || n === '>') return false;
    if (o === '*') continue;
    if (n === '*' || o !== n) return false;
  }
  return outerTokens.length === innerTokens.length;
}
