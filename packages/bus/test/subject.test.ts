import { describe, expect, it } from 'vitest';
import { checkPattern, checkSubject, patternCovers, subjectMatches } from '../src/subject.js';

describe('subject matching', () => {
  it('matches `*` to exactly one token', () => {
    expect(subjectMatches('a.*.c', 'a.b.c')).toBe(true);
    expect(subjectMatches('a.*', 'a')).toBe(false);
    expect(subjectMatches('a.*', 'a.b.c')).toBe(false);
  });

  it('matches `>` to one or more trailing tokens', () => {
    expect(subjectMatches('a.>', 'a.b')).toBe(true);
    expect(subjectMatches('a.>', 'a.b.c.d')).toBe(true);
    expect(subjectMatches('a.>', 'a')).toBe(false);
    expect(subjectMatches('>', 'a')).toBe(true);
  });

  it('matches literal tokens exactly', () => {
    expect(subjectMatches('a.b', 'a.b')).toBe(true);
    expect(subjectMatches('a.b', 'a.bc')).toBe(false);
    expect(subjectMatches('a.b', 'a.b.c')).toBe(false);
  });

  it('tells when one pattern covers another (consumer filters)', () => {
    expect(patternCovers('figaro.task.>', 'figaro.task.*.message')).toBe(true);
    expect(patternCovers('figaro.task.>', 'figaro.task.>')).toBe(true);
    expect(patternCovers('figaro.help.*.response', 'figaro.help.*.response')).toBe(true);
    expect(patternCovers('figaro.help.*.response', 'figaro.help.>')).toBe(false);
    expect(patternCovers('figaro.task.*', 'figaro.task.>')).toBe(false);
    expect(patternCovers('figaro.task.x', 'figaro.task.*')).toBe(false);
  });

  it('refuses malformed subjects and patterns', () => {
    expect(() => checkSubject('a..b')).toThrow(TypeError);
    expect(() => checkSubject('a.*')).toThrow(TypeError);
    expect(() => checkSubject('a b')).toThrow(TypeError);
    expect(() => checkSubject('')).toThrow(TypeError);
    expect(() => checkPattern('a.>.b')).toThrow(TypeError);
    expect(() => checkPattern('a.*.>')).not.toThrow();
  });
});
